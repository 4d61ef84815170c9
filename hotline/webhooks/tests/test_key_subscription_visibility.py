"""A subscription owned by an API key's account hears exactly about the orders that key reads through the API
(`orders_for_key`): never a confidential (保密) one, and for a partner platform's key only the orders exchanged
with it. Subscriptions owned by a person or by nobody keep their rule (centre staff and the centre: every order)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.accounts.choices import Role
from hotline.api.keys import create_key
from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.webhooks import services
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def police(db: None) -> Partner:
    return interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                               emergency_service=EmergencyService.POLICE)[0]


def _hook(name: str, owner=None) -> Subscription:  # noqa: ANN001
    return Subscription.objects.create(name=name, url=f"https://example.com/{name}", owner=owner)


def _subscribe(client, raw: str) -> Subscription:  # noqa: ANN001
    """A key subscribes itself (`POST /webhooks/v1/subscriptions`): the subscription is its account's."""
    created = client.post("/webhooks/v1/subscriptions", json.dumps(
        {"name": "数据中台", "url": "https://example.com/hook", "event_types": ["order.*"]}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert created.status_code == 201, created.content
    return Subscription.objects.get(pk=created.json()["id"])


def _heard(subscription: Subscription) -> set[int]:
    return set(Delivery.objects.filter(subscription=subscription).values_list("ticket_id", flat=True))


def _transfer_in(partner: Partner, reference: str, *, confidential: bool = False) -> Ticket:
    return interop.receive_transfer(partner, {"reference": reference, "content": "群众报警称小区噪音扰民",
                                              "confidential": confidential}).ticket


def test_a_centre_keys_subscription_hears_no_confidential_order(client, on_commit) -> None:  # noqa: ANN001
    _, raw = create_key("数据中台", ["read", "webhooks"])
    by_key = _subscribe(client, raw)
    by_leader = _hook("leader", UserFactory(role=Role.LEADER))
    by_centre = _hook("centre")
    with on_commit():
        secret = make_ticket(Status.PENDING_DISPATCH, is_confidential=True)  # 保密: handled by the centre
        ordinary = make_ticket(Status.DISPATCHED, cast=secret.cast)
    assert _heard(by_key) == {ordinary.pk}  # the key reads no confidential order through the API either
    assert client.get(f"/api/v1/orders/{secret.number}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    assert _heard(by_leader) == _heard(by_centre) == {secret.pk, ordinary.pk}  # people and the centre: unchanged


def test_a_partner_keys_subscription_hears_only_its_exchanged_orders(police, on_commit) -> None:  # noqa: ANN001
    hook = _hook("110", police.api_key.user)  # e.g. set up in the admin for the partner's account
    centre = _hook("centre")
    with on_commit():
        ordinary = make_ticket(Status.DISPATCHED)
        received = _transfer_in(police, "JQ-1")
        secret = _transfer_in(police, "JQ-2", confidential=True)
        tickets.send_to_dispatch(received, actor=ordinary.cast.intake)
        tickets.send_to_dispatch(secret, actor=ordinary.cast.intake)
    assert _heard(hook) == {received.pk}
    assert _heard(centre) == {ordinary.pk, received.pk, secret.pk}
    assert Delivery.objects.filter(subscription=hook).count() == 2  # its registration and the next step


def test_a_subscription_owned_by_a_keys_intake_account_follows_the_key(on_commit) -> None:  # noqa: ANN001
    cast = Cast.build()
    key, _ = create_key("水务热线", ["read", "act", "transfer"], unit=cast.lead)
    hook = _hook("intake", key.intake_user)  # an intake account is the centre's, the key only its unit's
    with on_commit():
        unit_order = make_ticket(Status.DISPATCHED, cast=cast)
        elsewhere = make_ticket(Status.DISPATCHED)
    registered = make_ticket(Status.REGISTERED, cast=cast)
    secret = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    Ticket.objects.filter(pk__in=[registered.pk, secret.pk]).update(registered_by=key.intake_user)
    with on_commit():
        for ticket in (registered, secret):
            tickets.send_to_dispatch(Ticket.objects.get(pk=ticket.pk), actor=cast.intake)
    assert _heard(hook) == {unit_order.pk, registered.pk}
    assert elsewhere.pk not in _heard(hook) and secret.pk not in _heard(hook)


def test_the_check_is_one_query_per_key_subscription_and_event(police, on_commit) -> None:  # noqa: ANN001
    hook = _hook("110", police.api_key.user)
    _hook("key", create_key("另一系统", ["read"])[0].user)
    with on_commit():
        received = _transfer_in(police, "JQ-1")
    event = received.timeline.get()
    Delivery.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        services.enqueue_event(event.pk)
    assert _heard(hook) == {received.pk}
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sql if 'FROM "interop_partner"' in s or 'FROM "api_apikey"' in s]  # loaded once, joined
    checks = [s for s in sql if s.startswith('SELECT 1 AS "a" FROM "tickets_ticket"')]
    assert len(checks) == 2  # one per key-owned subscription, for this event
