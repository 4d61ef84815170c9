"""A partner platform switched off (停用) receives nothing: the webhooks admin refuses to switch its endpoint on
again, and the deliverer does not send what is queued for it even when its endpoint was switched on some other
way (a bulk update, the shell)."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tasks.tasks import deliver_webhook
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.tests.factories import make_ticket
from hotline.webhooks import deliverer
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.tests.receiver import Receiver, receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "allow_private")]


@pytest.fixture
def endpoint() -> Receiver:
    with receiver() as running:
        yield running


@pytest.fixture
def police(endpoint: Receiver, django_capture_on_commit_callbacks) -> Partner:  # noqa: ANN001
    """110 with its endpoint and one transfer queued for it, then switched off."""
    partner, _raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    interop.set_endpoint(partner, endpoint.url, secret="whsec_" + "k" * 40)
    ticket = make_ticket(Status.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE, note="一键转110")
    interop.switch_off(partner)
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    return Partner.objects.select_related("endpoint").get(pk=partner.pk)


def _form(subscription: Subscription, **changes: str) -> dict[str, str]:
    form = {"name": subscription.name, "url": subscription.url, "secret": ""}
    return form | changes


def test_the_admin_refuses_to_switch_on_the_endpoint_of_a_partner_switched_off(admin_client: Client,
                                                                               police: Partner) -> None:
    change = f"/admin/webhooks/subscription/{police.endpoint_id}/change/"
    refused = admin_client.post(change, _form(police.endpoint, is_active="on"))
    assert refused.status_code == 200
    assert "对接平台「市公安局110指挥中心」已停用，不能启用其接收地址" in refused.content.decode()
    assert Subscription.objects.get(pk=police.endpoint_id).is_active is False
    # left off, the endpoint's other fields may still be edited
    assert admin_client.post(change, _form(police.endpoint, name="110 接收地址")).status_code == 302
    assert Subscription.objects.get(pk=police.endpoint_id).name == "110 接收地址"
    assert deliverer.deliver_due() == 0


def test_once_the_partner_is_on_again_the_admin_may_switch_its_endpoint_on(admin_client: Client, police: Partner,
                                                                          endpoint: Receiver) -> None:
    interop.switch_on(police)
    change = f"/admin/webhooks/subscription/{police.endpoint_id}/change/"
    assert admin_client.post(change, _form(police.endpoint, is_active="on")).status_code == 302
    assert Subscription.objects.get(pk=police.endpoint_id).is_active is True
    assert deliverer.deliver_due() == 1 and len(endpoint.received) == 1


def test_other_subscriptions_are_switched_on_as_before(admin_client: Client) -> None:
    plain = Subscription.objects.create(name="督办系统", url="https://example.com/hook", is_active=False)
    response = admin_client.post(f"/admin/webhooks/subscription/{plain.pk}/change/", _form(plain, is_active="on"))
    assert response.status_code == 302 and Subscription.objects.get(pk=plain.pk).is_active is True


def test_the_deliverer_sends_nothing_to_a_partner_switched_off_whose_endpoint_is_on(police: Partner,
                                                                                   endpoint: Receiver) -> None:
    Subscription.objects.filter(pk=police.endpoint_id).update(is_active=True)  # behind the admin's back
    delivery = Delivery.objects.get()
    assert deliverer.deliver_due() == 0
    assert deliver_webhook(delivery.pk) is False  # the task that sends one delivery claims it the same way
    assert deliverer._claim(Delivery.objects.get()) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, endpoint.received) == (DeliveryStatus.PENDING, 0, [])
    interop.switch_on(police)  # on again: what was queued goes out
    assert deliverer.deliver_due() == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED and len(endpoint.received) == 1
