"""A partner's backlog must not flood it weeks later: switched on again (启用), it is not sent what was held for it
longer than `HELD_LIMIT` (24 h) — marked failed with `EXPIRED_REASON` instead; younger messages go out as before.
`hotline interop list` shows what is held for a switched-off partner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.constants import EXPIRED_REASON
from hotline.interop.models import Partner
from hotline.tickets.choices import EmergencyService
from hotline.webhooks import deliverer
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription
from hotline.webhooks.services import enqueue

pytestmark = pytest.mark.django_db


def _queue(subscription: Subscription, event: str) -> Delivery:
    return enqueue(subscription, event_id=event, event_type="transfer.created", payload={"id": event})


@pytest.fixture
def backlog(traveller: time_machine.Coordinates) -> dict[str, Delivery]:
    """110 with its endpoint and a webhook its key's account owns; a message for each queued 30 h before now and
    20 h before now; then switched off. The clock stands 20 h after the switch-off."""
    partner, _raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                         emergency_service=EmergencyService.POLICE)
    endpoint = services.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    own = Subscription.objects.create(name="110 自建订阅", url="https://partner.test/own", owner=partner.api_key.user)
    queued = {"endpoint_old": _queue(endpoint, "evt-1"), "own_old": _queue(own, "evt-2")}
    traveller.shift(timedelta(hours=10))
    queued |= {"endpoint_young": _queue(endpoint, "evt-3"), "own_young": _queue(own, "evt-4")}
    services.switch_off(Partner.objects.get(pk=partner.pk))
    traveller.shift(timedelta(hours=20))
    return queued


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The deliveries the deliverer attempts (nothing goes over the network)."""
    attempted: list[int] = []
    monkeypatch.setattr(deliverer, "attempt", lambda delivery: attempted.append(delivery.pk))
    return attempted


def _state(delivery: Delivery) -> tuple[str, int]:
    delivery.refresh_from_db()
    return delivery.status, delivery.attempts


def _assert_old_expired_young_held(queued: dict[str, Delivery]) -> None:
    for name in ("endpoint_old", "own_old"):
        assert _state(queued[name]) == (DeliveryStatus.FAILED, 1), name
        assert queued[name].next_attempt_at is None
        attempt = DeliveryAttempt.objects.get(delivery=queued[name])
        assert attempt.error == EXPIRED_REASON and attempt.status_code is None
    for name in ("endpoint_young", "own_young"):
        assert _state(queued[name]) == (DeliveryStatus.PENDING, 0), name
        assert not DeliveryAttempt.objects.filter(delivery=queued[name]).exists()


def test_switched_on_the_old_are_expired_and_the_young_go_out(backlog: dict[str, Delivery], sent: list[int]) -> None:
    partner = Partner.objects.get(code="110")
    assert services.switch_on(partner) is True
    _assert_old_expired_young_held(backlog)
    assert deliverer.deliver_due() == 1 and sent == [backlog["own_young"].pk]  # its own webhook at once
    services.set_endpoint(partner, "https://partner.test/hook")  # the endpoint once its address is entered again
    assert deliverer.deliver_due() == 1 and sent[1:] == [backlog["endpoint_young"].pk]  # (the other is leased)
    assert services.switch_on(partner) is False  # already on: nothing more changes
    assert _state(backlog["endpoint_young"]) == (DeliveryStatus.PENDING, 0)  # (attempt is mocked)


def test_while_off_nothing_expires(backlog: dict[str, Delivery], sent: list[int]) -> None:
    assert deliverer.deliver_due() == 0
    assert {_state(d) for d in backlog.values()} == {(DeliveryStatus.PENDING, 0)}


def _admin_form(admin_client: Client, partner: Partner) -> None:
    response = admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", {
        "code": partner.code, "name": partner.name, "kind": partner.kind, "emergency_service": partner.emergency_service,
        "api_key": str(partner.api_key_id), "is_active": "on", "_save": "1"})
    assert response.status_code == 302


def _save(partner: Partner) -> None:
    partner.is_active = True
    partner.save()


def _bulk_update(partner: Partner) -> None:
    partner.is_active = True
    Partner.objects.bulk_update([partner], ["is_active"])


WAYS: dict[str, Callable[..., None]] = {
    "admin action": lambda partner, admin_client: admin_client.post(
        "/admin/interop/partner/", {"action": "switch_on", "_selected_action": [partner.pk]}),
    "admin form": lambda partner, admin_client: _admin_form(admin_client, partner),
    "command": lambda partner, admin_client: call_command("interop", "enable", "110", stdout=StringIO()),
    "plain save": lambda partner, admin_client: _save(partner),
    "bulk update": lambda partner, admin_client: Partner.objects.filter(pk=partner.pk).update(is_active=True),
    "bulk_update": lambda partner, admin_client: _bulk_update(partner),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_every_way_of_switching_on_expires_the_old(way: str, backlog: dict[str, Delivery], admin_client: Client,
                                                   sent: list[int]) -> None:
    partner = Partner.objects.get(code="110")
    WAYS[way](partner, admin_client)
    assert Partner.objects.get(pk=partner.pk).is_active is True
    _assert_old_expired_young_held(backlog)
    assert deliverer.deliver_due() == 1 and sent == [backlog["own_young"].pk]


def test_saving_a_partner_that_is_on_expires_nothing(traveller: time_machine.Coordinates) -> None:
    """A delivery retried for days to a partner that was never off is the deliverer's business, not this one's."""
    partner, _raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                         emergency_service=EmergencyService.POLICE, url="https://partner.test/hook")
    queued = _queue(partner.endpoint, "evt-1")
    traveller.shift(timedelta(days=3))
    partner.name = "110指挥中心"
    partner.save()
    Partner.objects.filter(pk=partner.pk).update(is_active=True)
    services.set_endpoint(partner, "https://partner.test/hook2")  # the endpoint was on: nothing held
    assert _state(queued) == (DeliveryStatus.PENDING, 0)


def test_an_endpoint_switched_on_again_does_not_get_what_waited_too_long(traveller: time_machine.Coordinates) -> None:
    partner, _raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                         emergency_service=EmergencyService.POLICE, url="https://partner.test/hook")
    old = _queue(partner.endpoint, "evt-1")
    services.clear_endpoint(partner)  # the endpoint switched off by an administrator, the partner on
    traveller.shift(timedelta(hours=23))
    young = _queue(partner.endpoint, "evt-2")
    traveller.shift(timedelta(hours=2))
    services.set_endpoint(partner, "https://partner.test/hook")
    assert _state(old) == (DeliveryStatus.FAILED, 1) and _state(young) == (DeliveryStatus.PENDING, 0)
    assert DeliveryAttempt.objects.get(delivery=old).error == EXPIRED_REASON


def test_the_list_shows_what_is_held_for_a_switched_off_partner(backlog: dict[str, Delivery]) -> None:
    services.add_partner(code="119", name="119指挥中心", kind=PartnerKind.EMERGENCY,
                         emergency_service=EmergencyService.FIRE)
    out = StringIO()
    call_command("interop", "list", stdout=out)
    lines = {line.split("\t")[0]: line for line in out.getvalue().splitlines()}
    assert lines["110"].endswith("\toff\theld 4, oldest 1d 6h (older than the limit expire on enable)")
    assert lines["119"].endswith("\ton")  # a partner that is on: no count
    services.switch_on(Partner.objects.get(code="110"))
    services.switch_off(Partner.objects.get(code="110"))
    out = StringIO()
    call_command("interop", "list", stdout=out)
    assert "\toff\theld 2, oldest 20h 0m\n" in out.getvalue()  # the young ones, within the limit


def test_the_webhooks_admin_shows_why_it_was_not_sent(backlog: dict[str, Delivery], admin_client: Client) -> None:
    services.switch_on(Partner.objects.get(code="110"))
    page = admin_client.get(f"/admin/webhooks/delivery/{backlog['endpoint_old'].pk}/change/").content.decode()
    assert EXPIRED_REASON in page


def test_the_partners_page_shows_what_is_held_and_what_will_be_given_up(backlog: dict[str, Delivery],
                                                                        admin_client: Client) -> None:
    page = admin_client.get("/interop/partners/").content.decode()
    assert "待发送" in page and "4 条" in page
    assert "2 条已超过 24 小时，启用时将不再发送，请电话联系对方" in page


@pytest.mark.parametrize("way", ["admin action", "admin form"])
def test_switching_on_in_the_admin_says_how_many_were_given_up(way: str, backlog: dict[str, Delivery],
                                                               admin_client: Client) -> None:
    WAYS[way](Partner.objects.get(code="110"), admin_client)
    page = admin_client.get("/admin/interop/partner/").content.decode()
    assert "停用期间积压超过24小时的 2 条消息已过期未发送，请电话联系对方" in page


def test_the_partners_page_says_it_in_english(backlog: dict[str, Delivery], admin_client: Client) -> None:
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get("/interop/partners/").content.decode()
    assert "4 messages" in page and "2 are older than 24 hours and will not be sent on enable" in page
