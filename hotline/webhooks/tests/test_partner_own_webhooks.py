"""A partner platform switched off (停用): "the webhooks its accounts own hear nothing" (docs/interop.md) — not even
what was queued for them before the switch-off, which stays pending (its retries included) until the partner is
switched on again. Other subscriptions are sent as before. (R7 review.)"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.api.scopes import Scope
from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tasks.tasks import deliver_webhook
from hotline.tickets.choices import EmergencyService
from hotline.tickets.tests.factories import Cast
from hotline.webhooks import deliverer
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.services import enqueue
from hotline.webhooks.tests.receiver import Receiver, receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "allow_private")]


@pytest.fixture
def endpoint() -> Receiver:
    with receiver() as running:
        yield running


def _partner(code: str, service: str) -> tuple[Partner, str]:
    """An emergency partner whose key may also subscribe (scope webhooks), as an administrator may allow."""
    partner, raw = interop.add_partner(code=code, name=f"{code} 指挥中心", kind=PartnerKind.EMERGENCY,
                                       emergency_service=service)
    key = partner.api_key
    key.scopes = sorted({*key.scopes, Scope.WEBHOOKS})
    key.save(update_fields=["scopes"])
    return Partner.objects.select_related("api_key__user", "api_key__intake_user").get(pk=partner.pk), raw


def _subscribe(raw: str, url: str) -> Subscription:
    """The partner's key subscribes itself (`POST /webhooks/v1/subscriptions`): its account owns the webhook."""
    created = Client().post("/webhooks/v1/subscriptions", json.dumps({"name": "110 自建订阅", "url": url}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert created.status_code == 201, created.content
    return Subscription.objects.get(pk=created.json()["id"])


def _queue(subscription: Subscription, event: str) -> Delivery:
    return enqueue(subscription, event_id=event, event_type="order.updated", payload={"id": event})


def _status(delivery: Delivery) -> tuple[str, int]:
    delivery.refresh_from_db()
    return delivery.status, delivery.attempts


def test_a_switched_off_partners_own_webhook_is_sent_nothing_until_it_is_on_again(endpoint: Receiver) -> None:
    partner, raw = _partner("110", EmergencyService.POLICE)
    own = _subscribe(raw, endpoint.url)
    queued = _queue(own, "evt-1")
    interop.switch_off(partner)
    assert Subscription.objects.get(pk=own.pk).is_active is True  # the webhook itself is left as it was
    assert deliverer.deliver_due() == 0
    assert deliver_webhook(queued.pk) is False  # the task that sends one delivery claims it the same way
    assert deliverer._claim(Delivery.objects.get(pk=queued.pk)) is False
    assert _status(queued) == (DeliveryStatus.PENDING, 0) and endpoint.received == []
    interop.switch_on(partner)  # on again: what was queued goes out, the webhook needs no address entered
    assert deliverer.deliver_due() == 1
    assert _status(queued) == (DeliveryStatus.DELIVERED, 1) and len(endpoint.received) == 1


def test_the_reviewers_case_a_webhook_owned_by_the_keys_account(monkeypatch: pytest.MonkeyPatch) -> None:
    partner, _raw = _partner("110", EmergencyService.POLICE)
    own = Subscription.objects.create(name="110 自建订阅", url="https://example.com/hook", owner=partner.api_key.user,
                                      is_active=True)
    queued = _queue(own, "evt-1")
    interop.switch_off(partner)
    sent: list[int] = []
    monkeypatch.setattr(deliverer, "attempt", lambda delivery: sent.append(delivery.pk))
    deliverer.deliver_due()
    assert sent == [], "a delivery to a switched-off partner's own webhook was sent"
    assert Delivery.objects.get(pk=queued.pk).status == DeliveryStatus.PENDING


def test_a_webhook_owned_by_the_keys_intake_account_is_held_back_too(org, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A specialised hotline's key acts as its unit and registers through its intake account (`intake_user`)."""
    partner, _raw = interop.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                        unit=org.department)
    intake = partner.api_key.intake_user
    assert intake is not None
    own = Subscription.objects.create(name="12315 受理账号订阅", url="https://example.com/in", owner=intake)
    queued = _queue(own, "evt-1")
    Partner.objects.filter(pk=partner.pk).update(is_active=False)
    sent: list[int] = []
    monkeypatch.setattr(deliverer, "attempt", lambda delivery: sent.append(delivery.pk))
    assert deliverer.deliver_due() == 0 and sent == []
    interop.switch_on(partner)
    assert deliverer.deliver_due() == 1 and sent == [queued.pk]


def test_other_webhooks_are_sent_as_before_and_one_query_finds_what_is_sendable(
        monkeypatch: pytest.MonkeyPatch, django_assert_num_queries) -> None:  # noqa: ANN001
    police, police_raw = _partner("110", EmergencyService.POLICE)
    fire, _ = _partner("119", EmergencyService.FIRE)
    centre_key, _ = create_key("数据中台", ["read", "webhooks"])
    held = [_queue(_subscribe(police_raw, "https://example.com/110"), "evt-1")]
    sent_ok = [
        _queue(Subscription.objects.create(name="119 自建订阅", url="https://example.com/119",
                                           owner=fire.api_key.user), "evt-2"),  # 119 is still on
        _queue(Subscription.objects.create(name="数据中台", url="https://example.com/dp", owner=centre_key.user),
               "evt-3"),
        _queue(Subscription.objects.create(name="督办系统", url="https://example.com/db",
                                           owner=Cast.build().intake), "evt-4"),
        _queue(Subscription.objects.create(name="中心订阅", url="https://example.com/c"), "evt-5"),
    ]
    interop.switch_off(police)
    with django_assert_num_queries(1):  # the partners are joined, not looked up per delivery
        sendable = set(deliverer.sendable(Delivery.objects.all()).values_list("pk", flat=True))
    assert sendable == {d.pk for d in sent_ok}
    sent: list[int] = []
    monkeypatch.setattr(deliverer, "attempt", lambda delivery: sent.append(delivery.pk))
    assert deliverer.deliver_due() == 4 and sorted(sent) == sorted(d.pk for d in sent_ok)
    assert {_status(d) for d in held} == {(DeliveryStatus.PENDING, 0)}
