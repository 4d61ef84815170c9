"""Webhooks: events queued from committed steps, signed deliveries to a real local server, retries, replay."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, EmergencyService, Status
from hotline.tickets.tests.factories import make_ticket
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus, EventType, SubscriptionKind, event_type_for
from hotline.webhooks.constants import MAX_ATTEMPTS
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.signing import sign, verify
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """Run on-commit callbacks (the ticket_changed signal) as the test's own transaction 'commits'."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_every_action_has_an_event_type() -> None:
    for action in Action.values:
        assert event_type_for(action, Status.IN_PROGRESS) in EventType.values
    assert event_type_for(Action.RETURN_VISIT, Status.CLOSED) == EventType.CLOSED
    assert event_type_for(Action.RETURN_VISIT, Status.IN_PROGRESS) == EventType.VISITED
    assert event_type_for(Action.DECIDE_TERMINATION, Status.TERMINATED) == EventType.TERMINATED
    assert event_type_for(Action.DECIDE_TERMINATION, Status.IN_PROGRESS) == EventType.TERMINATION_DECIDED


def test_signature_round_trip() -> None:
    body = b'{"a": 1}'
    signature = sign("s3cret", 1_700_000_000, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify("s3cret", "1700000000", body, signature, now=1_700_000_100)
    assert not verify("other", "1700000000", body, signature, now=1_700_000_100)
    assert not verify("s3cret", "1700000000", body + b" ", signature, now=1_700_000_100)
    assert not verify("s3cret", "1700000000", body, signature, now=1_700_001_000)  # too old


def test_steps_queue_one_delivery_per_matching_subscription(on_commit, frozen_now) -> None:
    everything = Subscription.objects.create(name="all", url="http://127.0.0.1:9/a")
    closed_only = Subscription.objects.create(name="closed", url="http://127.0.0.1:9/b",
                                              event_types=[EventType.CLOSED])
    Subscription.objects.create(name="off", url="http://127.0.0.1:9/c", is_active=False)
    Subscription.objects.create(name="partner", url="http://127.0.0.1:9/d", kind=SubscriptionKind.PARTNER)
    with on_commit():
        ticket = make_ticket(Status.CLOSED)
    types = list(Delivery.objects.filter(subscription=everything).order_by("id").values_list("event_type", flat=True))
    assert types == ["order.created", "order.sent_to_dispatch", "order.dispatched", "order.signed", "order.replied",
                     "order.reply_approved", "order.closed"]
    [closing] = Delivery.objects.filter(subscription=closed_only)
    assert closing.ticket == ticket and closing.status == DeliveryStatus.PENDING
    body = closing.payload
    assert body["type"] == "order.closed" and body["occurred_at"] == "2025-03-04T10:00:00+08:00"
    assert body["order"]["number"] == ticket.number and body["order"]["status"] == "closed"
    assert body["order"]["version"] == ticket.version and body["step"]["action"] == "return_visit"
    assert body["id"] == Delivery.objects.get(subscription=everything, event_type="order.closed").event_id
    assert Delivery.objects.count() == 8
    dump = json.dumps(Delivery.objects.first().payload, ensure_ascii=False)
    assert ticket.caller_phone not in dump if ticket.caller_phone else True


def test_confidential_orders_carry_only_number_and_status(on_commit) -> None:
    Subscription.objects.create(name="all", url="http://127.0.0.1:9/a")
    with on_commit():
        ticket = make_ticket(Status.TRANSFERRED, is_confidential=True, description="保密举报：某单位负责人受贿")
    for delivery in Delivery.objects.all():
        assert delivery.payload["order"] == {"number": ticket.number, "status": delivery.payload["order"]["status"],
                                             "confidential": True}
        assert "step" not in delivery.payload
        assert "受贿" not in json.dumps(delivery.payload, ensure_ascii=False)


def test_a_unit_owned_subscription_hears_only_its_orders(on_commit) -> None:
    mine = make_ticket(Status.REGISTERED)
    cast = mine.cast
    owned = Subscription.objects.create(name="unit", url="http://127.0.0.1:9/u", owner=cast.lead_handler)
    with on_commit():
        tickets.send_to_dispatch(mine, actor=cast.intake)  # not yet the unit's: not heard
    with on_commit():
        tickets.dispatch(mine, actor=cast.dispatcher, lead=cast.lead)
        make_ticket(Status.DISPATCHED)  # another unit's order
    assert list(Delivery.objects.filter(subscription=owned).values_list("event_type", flat=True)) == [
        "order.dispatched"]


def test_delivery_is_signed_and_logged(frozen_now, allow_private) -> None:
    with receiver([(200, b'{"received": true}')]) as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url, secret="whsec_test")
        ticket = make_ticket(Status.REGISTERED)
        delivery = services.enqueue(subscription, event_id="evt_1", event_type="order.created",
                                    payload={"id": "evt_1", "order": {"number": ticket.number}}, ticket=ticket)
        assert deliverer.deliver_due() == 1
        [got] = endpoint.received
    headers = got.headers
    assert headers["x-hotline-event"] == "order.created" and headers["x-hotline-delivery"] == str(delivery.pk)
    assert headers["x-hotline-event-id"] == "evt_1"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert verify("whsec_test", headers["x-hotline-timestamp"], got.body, headers["x-hotline-signature"])
    assert json.loads(got.body) == {"id": "evt_1", "order": {"number": ticket.number}}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    [log] = delivery.attempt_log.all()
    assert (log.number, log.status_code, log.response_excerpt, log.error) == (1, 200, '{"received": true}', "")
    assert deliverer.deliver_due() == 0  # nothing left


def test_failures_back_off_then_succeed(traveller, allow_private) -> None:
    with receiver([(500, b"boom"), (503, b"busy"), (204, b"")]) as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_2", event_type="order.created", payload={"x": 1})
        assert deliverer.deliver_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 500
        first_wait = delivery.next_attempt_at - delivery.attempt_log.get().at
        assert timedelta(seconds=24) <= first_wait <= timedelta(seconds=36)
        assert deliverer.deliver_due() == 0  # not due yet
        traveller.shift(first_wait + timedelta(seconds=1))
        assert deliverer.deliver_due() == 1
        delivery.refresh_from_db()
        second_wait = delivery.next_attempt_at - delivery.attempt_log.last().at
        assert timedelta(seconds=48) <= second_wait <= timedelta(seconds=72)
        traveller.shift(second_wait + timedelta(seconds=1))
        assert deliverer.deliver_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
        assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 204]
        assert len({r.headers["x-hotline-event-id"] for r in endpoint.received}) == 1


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    waits = [deliverer.backoff(n, rng).total_seconds() for n in range(1, 15)]
    for n, wait in enumerate(waits, start=1):
        base = min(6 * 3600, 30 * 2 ** (n - 1))
        assert base * 0.8 <= wait <= base * 1.2
    assert len({round(w, 3) for w in waits[-3:]}) == 3  # jitter spreads even the capped waits


def test_gives_up_after_max_attempts_and_replay_sends_again(traveller, allow_private) -> None:
    with receiver([(500, b"down")]) as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_3", event_type="order.created", payload={"x": 1})
        for _ in range(MAX_ATTEMPTS):
            traveller.shift(timedelta(hours=8))
            assert deliverer.deliver_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
        traveller.shift(timedelta(hours=8))
        assert deliverer.deliver_due() == 0
        endpoint.answers[:] = [(200, b"ok")]
        out = StringIO()
        call_command("webhooks", "replay", str(delivery.pk), stdout=out)
        replayed = Delivery.objects.get(replay_of=delivery)
        assert f"queued delivery {replayed.pk}" in out.getvalue()
        call_command("webhooks", "deliver", "--once", stdout=StringIO())
        replayed.refresh_from_db()
        assert replayed.status == DeliveryStatus.DELIVERED and replayed.event_id == "evt_3"
        assert endpoint.received[-1].headers["x-hotline-event-id"] == "evt_3"


def test_unreachable_endpoint_is_logged_as_an_error(frozen_now, allow_private) -> None:
    with receiver() as endpoint:
        url = endpoint.url
    subscription = Subscription.objects.create(name="gone", url=url)  # the server is closed now
    delivery = services.enqueue(subscription, event_id="evt_4", event_type="order.created", payload={})
    deliverer.deliver_due()
    log = delivery.attempt_log.get()
    assert log.status_code is None and "Connection" in log.error or "refused" in log.error.lower()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None


def test_enqueue_is_idempotent_and_claims_are_exclusive(frozen_now) -> None:
    subscription = Subscription.objects.create(name="hook", url="http://127.0.0.1:9/x")
    first = services.enqueue(subscription, event_id="evt_5", event_type="order.created", payload={})
    again = services.enqueue(subscription, event_id="evt_5", event_type="order.created", payload={})
    assert first.pk == again.pk and Delivery.objects.count() == 1
    stale = Delivery.objects.get(pk=first.pk)
    assert deliverer._claim(first) is True
    assert deliverer._claim(stale) is False  # a second deliverer holding the old row loses


def test_replay_refused_for_pending(frozen_now) -> None:
    subscription = Subscription.objects.create(name="hook", url="http://127.0.0.1:9/x")
    delivery = services.enqueue(subscription, event_id="evt_6", event_type="order.created", payload={})
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("webhooks", "replay", str(delivery.pk))
    with pytest.raises(CommandError):
        call_command("webhooks", "replay", "999999")


def test_transfer_event_type(on_commit) -> None:
    Subscription.objects.create(name="t", url="http://127.0.0.1:9/t", event_types=[EventType.TRANSFERRED])
    with on_commit():
        ticket = make_ticket(Status.REGISTERED)
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.FIRE)
    [delivery] = Delivery.objects.all()
    assert delivery.payload["step"]["to_status"] == "transferred"


# --- The subscription API -------------------------------------------------------------------------


def test_subscription_api(client) -> None:
    from hotline.api.keys import create_key

    raw = create_key("订阅方", ["webhooks", "read"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    created = client.post("/webhooks/v1/subscriptions", json.dumps(
        {"name": "mine", "url": "https://example.com/hook", "event_types": ["order.closed"]}),
        content_type="application/json", **auth)
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["order.closed"]
    listed = client.get("/webhooks/v1/subscriptions", **auth).json()["results"]
    assert [s["name"] for s in listed] == ["mine"] and "secret" not in listed[0]
    bad = client.post("/webhooks/v1/subscriptions", json.dumps({"name": "x", "url": "ftp://x", "event_types": ["nope"]}),
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert set(bad.json()["error"]["details"]) == {"url", "event_types"}
    assert client.delete(f"/webhooks/v1/subscriptions/{body['id']}", **auth).json()["active"] is False
    assert client.get("/webhooks/v1/subscriptions").status_code == 401
    other = create_key("只读", ["read"])[1]
    assert client.get("/webhooks/v1/subscriptions", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403


def test_deliver_loop_runs_rounds_until_stopped(frozen_now, monkeypatch, allow_private) -> None:
    from hotline.webhooks.management.commands import webhooks as command

    rounds: list[float] = []

    def sleep(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(command.time, "sleep", sleep)
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url)
        services.enqueue(subscription, event_id="evt_7", event_type="order.created", payload={})
        out = StringIO()
        call_command("webhooks", "deliver", "--interval", "0.5", stdout=out)
    assert rounds == [0.5, 0.5] and "stopped" in out.getvalue()
    assert len(endpoint.received) == 1
    list_out = StringIO()
    call_command("webhooks", "list", "--status", "delivered", stdout=list_out)
    assert "evt_7" in list_out.getvalue()


def test_subscription_api_errors_have_the_api_envelope_and_codes(client) -> None:
    """docs/api.md "Errors": 401 not_authenticated / invalid_api_key, 403 insufficient_scope; Chinese unless English asked."""
    from hotline.api.keys import create_key

    url = "/webhooks/v1/subscriptions"
    missing = client.get(url)
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "not_authenticated" and "webhooks" in missing.json()["error"]["message"]
    bad = client.get(url, HTTP_AUTHORIZATION="Bearer hk_aaaaaaaa_wrong")
    assert bad.status_code == 401 and bad.json() == {"error": {
        "code": "invalid_api_key", "message": "接口密钥无效或已吊销", "details": None}}
    english = client.get(url, HTTP_AUTHORIZATION="Bearer hk_aaaaaaaa_wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "The API key is unknown or revoked"
    reader = create_key("只读密钥", ["read"])[1]
    scope = client.delete(f"{url}/1", HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert scope.status_code == 403 and scope.json()["error"]["code"] == "insufficient_scope"
    assert scope.json()["error"]["details"] == {"required_scope": "webhooks"}
    raw = create_key("订阅方二", ["webhooks"])[1]
    gone = client.delete(f"{url}/999999", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    broken = client.post(url, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "bad_request"
