"""Leases and deadlines: an attempt ends well within its lease, and is recorded only while the lease holds.

A receiver that trickles its answer used to hold a deliverer for minutes (http.client's timeout is per socket
read): another deliverer took the expired lease and sent the delivery again, and both wrote attempt number 1.
Now the whole exchange has one deadline (TIMEOUT, well under LEASE), and `deliverer.attempt` records with a
conditional UPDATE that holds only for the lease it took; attempt numbers are unique per delivery.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from hotline.core import clock
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.constants import ANSWER_LIMIT, LEASE, TIMEOUT
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription
from hotline.webhooks.signals import delivery_succeeded
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> dict[str, datetime]:
    """The deliverers' clock, moved by hand (`moment["now"] = …`) while a deliverer is inside its POST."""
    state = {"now": START}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def _pending(event_id: str = "evt_lease", url: str = "http://127.0.0.1:9/x") -> Delivery:
    subscription = Subscription.objects.create(name="hook", url=url)
    return services.enqueue(subscription, event_id=event_id, event_type="order.created", payload={"a": 1})


def test_a_delivery_held_past_its_lease_is_not_sent_twice_nor_its_attempts_lost(settings, monkeypatch, moment) -> None:  # noqa: ANN001
    """The reviewer's case (R1): deliverer A is held past the 120 s lease; deliverer B claims the delivery and sends
    it. Both used to write `attempts = 1` (A's in-memory count): one attempt lost from the count, two log rows
    numbered 1.

    A real exchange can no longer outlast the lease (TIMEOUT bounds it in all, see the trickling receivers
    below); a deliverer can still be held past it some other way (the process paused, the database slow), and
    then B taking the lease over is what the lease is for. What changed: A's late answer is not recorded over
    B's attempt (its conditional UPDATE finds the lease gone), so the count and the log agree, numbers unique.
    (The reviewer's `len(sends) == 1` cannot hold with a lease that a stuck deliverer must lose: two sends.)
    """
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True
    _pending()
    sends: list[datetime] = []

    def slow_post(url, body, headers, timeout=10, *, addresses):  # noqa: ANN001, ANN202
        sends.append(moment["now"])
        if len(sends) == 1:  # deliverer A: the receiver trickles its answer past the lease
            moment["now"] = START + timedelta(seconds=LEASE + 5)
            deliverer.deliver_due()  # deliverer B, another process, runs meanwhile
        return deliverer.Answer(500, b"busy", "", 10)

    monkeypatch.setattr(deliverer, "post", slow_post)
    deliverer.deliver_due()
    d = Delivery.objects.get()
    numbers = list(DeliveryAttempt.objects.filter(delivery=d).values_list("number", flat=True))
    assert sends == [START, START + timedelta(seconds=LEASE + 5)]  # A, then B once A's lease had run out
    assert d.attempts == len(numbers) == 1 and numbers == [1], (
        f"attempts recorded {numbers}, delivery.attempts={d.attempts}")
    [log] = d.attempt_log.all()
    assert log.at == START + timedelta(seconds=LEASE + 5)  # B's attempt; B's backoff schedules the next
    assert d.status == DeliveryStatus.PENDING and d.next_attempt_at - log.at >= timedelta(seconds=24)


def test_a_late_failure_does_not_undo_the_delivery_the_other_deliverer_made(
        monkeypatch, moment, caplog, allow_private) -> None:  # noqa: ANN001
    """B's attempt delivers (204); A's 500 arrives afterwards: not recorded, logged, the delivery stays delivered."""
    delivery = _pending()
    answers = iter([deliverer.Answer(204, b"", "", 5)])
    succeeded: list[int] = []

    def on_success(sender: object, *, delivery: Delivery, **kwargs: object) -> None:
        succeeded.append(delivery.pk)

    def post(url, body, headers, timeout=10, *, addresses):  # noqa: ANN001, ANN202
        if moment["now"] == START:  # A
            moment["now"] = START + timedelta(seconds=LEASE + 1)
            assert deliverer.deliver_due() == 1  # B
            return deliverer.Answer(500, b"down", "", 121_000)
        return next(answers)

    monkeypatch.setattr(deliverer, "post", post)
    delivery_succeeded.connect(on_success, dispatch_uid="test_lease")
    try:
        with caplog.at_level(logging.WARNING, logger="hotline.webhooks.deliverer"):
            assert deliverer._claim(delivery) is True
            assert deliverer.attempt(delivery) is None  # A: its lease was taken over
    finally:
        delivery_succeeded.disconnect(dispatch_uid="test_lease")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 204)]
    assert succeeded == [delivery.pk]  # once, by B
    [warning] = [r for r in caplog.records if r.name == "hotline.webhooks.deliverer"]
    assert warning.levelno == logging.WARNING and "lease lost" in warning.getMessage()
    assert f"delivery {delivery.pk}" in warning.getMessage() and "(500)" in warning.getMessage()


def test_a_deliverer_late_but_not_replaced_records_its_attempt(monkeypatch, moment, allow_private) -> None:  # noqa: ANN001
    """Held past the lease, but no other deliverer claimed the delivery meanwhile: the attempt counts as usual."""
    delivery = _pending()

    def post(url, body, headers, timeout=10, *, addresses):  # noqa: ANN001, ANN202
        moment["now"] = START + timedelta(seconds=LEASE + 30)
        return deliverer.Answer(503, b"later", "", 150_000)

    monkeypatch.setattr(deliverer, "post", post)
    assert deliverer.deliver_due() == 1
    delivery.refresh_from_db()
    [log] = delivery.attempt_log.all()
    assert (log.number, log.status_code, delivery.attempts) == (1, 503, 1)
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at > clock.now()


def test_a_claim_keeps_its_lease_on_the_delivery_and_a_changed_count_refuses_it(moment) -> None:  # noqa: ANN001
    delivery = _pending()
    stale = Delivery.objects.get(pk=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=1)  # another deliverer counted an attempt meanwhile
    assert deliverer._claim(stale) is False
    fresh = Delivery.objects.get(pk=delivery.pk)
    assert deliverer._claim(fresh) is True
    assert fresh.next_attempt_at == START + timedelta(seconds=LEASE) == Delivery.objects.get().next_attempt_at


def test_attempt_numbers_are_unique_per_delivery(frozen_now) -> None:  # noqa: ANN001
    first, other = _pending("evt_a"), _pending("evt_b")
    DeliveryAttempt.objects.create(delivery=first, number=1, at=frozen_now, status_code=500)
    DeliveryAttempt.objects.create(delivery=other, number=1, at=frozen_now, status_code=500)  # another delivery
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryAttempt.objects.create(delivery=first, number=1, at=frozen_now, status_code=500)


def test_the_deadline_is_well_under_the_lease() -> None:
    assert TIMEOUT * 4 <= LEASE


# --- A real receiver that trickles its answer -------------------------------------------------------------------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
ANSWER = HEAD + b"x" * 40


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk


@contextmanager
def trickler(answer: bytes, at_once: int = 0, every: float = 1.0) -> Iterator[tuple[str, list[int]]]:
    """A raw HTTP endpoint on 127.0.0.1: reads the request, sends the first `at_once` bytes of `answer` at once,
    then the rest a byte every `every` seconds. Yields its URL and the count of bytes sent so far."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    stop = threading.Event()
    sent = [0]

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            try:
                _read_request(conn)
                conn.sendall(answer[:at_once])
                sent[0] = at_once
                for i in range(at_once, len(answer)):
                    if stop.wait(every):
                        return
                    conn.sendall(answer[i:i + 1])
                    sent[0] += 1
            except OSError:  # the deliverer hung up
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook", sent
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)


@pytest.mark.parametrize(("at_once", "what"), [(0, "status line"), (len(HEAD), "body after a 200")])
def test_a_trickling_receiver_is_cut_at_the_deadline_and_the_attempt_fails(
        monkeypatch, frozen_now, allow_private, at_once, what) -> None:  # noqa: ANN001
    """A byte a second never trips a per-read timeout; the exchange's deadline (2 s here) cuts it off."""
    monkeypatch.setattr(deliverer, "TIMEOUT", 2)
    with trickler(ANSWER, at_once=at_once) as (url, sent):
        delivery = _pending(url=url)
        started = time.monotonic()
        assert deliverer.deliver_due() == 1
        elapsed = time.monotonic() - started
        assert sent[0] < len(ANSWER)  # cut off before the answer was complete
    delivery.refresh_from_db()
    [log] = delivery.attempt_log.all()
    assert 1.9 <= elapsed < 3.5, what
    assert 1900 <= log.duration_ms < 3500
    assert (log.number, log.status_code, log.error) == (1, None, "TimeoutError: no complete answer within 2 s")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.delivered_at is None
    assert timedelta(seconds=24) <= delivery.next_attempt_at - frozen_now <= timedelta(seconds=36)  # retried


def test_a_trickling_tls_handshake_is_cut_at_the_deadline_too(allow_private) -> None:  # noqa: ANN001
    """An HTTPS receiver that answers the TLS hello a byte every half second: the handshake counts in the deadline."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = server.accept()
            with conn:
                for _ in range(20):
                    time.sleep(0.5)
                    conn.sendall(b"\x16")  # the first byte of a TLS handshake record, again and again
        except OSError:
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = deliverer.post(f"https://hooks.test:{server.getsockname()[1]}/in", b"{}", {}, timeout=2,
                                addresses=["127.0.0.1"])
    finally:
        server.close()
        thread.join(timeout=15)
    assert (result.status_code, result.error) == (None, "TimeoutError: no complete answer within 2 s")
    assert 1900 <= result.duration_ms < 3500


def test_a_slow_answer_that_ends_within_the_deadline_is_taken(allow_private) -> None:  # noqa: ANN001
    """Its body a byte every 0.2 s, six bytes: done in about 1.2 s of a 3 s deadline, a normal answer."""
    answer = b"HTTP/1.1 202 Accepted\r\nContent-Length: 6\r\n\r\nthanks"
    with trickler(answer, at_once=len(answer) - 6, every=0.2) as (url, _):
        result = deliverer.post(url, b"{}", {}, timeout=3, addresses=["127.0.0.1"])
    assert (result.status_code, result.body, result.error) == (202, b"thanks", "")
    assert 1000 <= result.duration_ms < 3000


def test_an_endless_answer_is_read_up_to_the_limit_only(allow_private) -> None:  # noqa: ANN001
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"y" * 1_000_000  # no length: until closed
    with trickler(answer, at_once=len(answer)) as (url, _):
        started = time.monotonic()
        result = deliverer.post(url, b"{}", {}, timeout=5, addresses=["127.0.0.1"])
        assert time.monotonic() - started < 2
    assert result.status_code == 200 and result.body == b"y" * ANSWER_LIMIT and result.error == ""


def test_normal_delivery_is_unchanged(frozen_now, allow_private) -> None:  # noqa: ANN001
    with receiver([(200, b'{"received": true}')]) as endpoint:
        delivery = _pending(url=endpoint.url)
        assert deliverer.deliver_due() == 1
        assert len(endpoint.received) == 1
    delivery.refresh_from_db()
    [log] = delivery.attempt_log.all()
    assert (log.number, log.status_code, log.response_excerpt, log.error) == (1, 200, '{"received": true}', "")
    assert log.duration_ms < 2000
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.delivered_at == frozen_now and delivery.next_attempt_at is None


# --- Migration 0002: the duplicates an earlier release wrote --------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_renumbers_duplicate_attempts_before_making_numbers_unique() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("webhooks", "0001_initial")])
    apps = executor.loader.project_state([("webhooks", "0001_initial")]).apps
    OldSubscription, OldDelivery, OldAttempt = (  # noqa: N806 - model classes
        apps.get_model("webhooks", name) for name in ("Subscription", "Delivery", "DeliveryAttempt"))
    subscription = OldSubscription.objects.create(name="hook", url="http://127.0.0.1:9/x", secret="whsec_x")
    doubled = OldDelivery.objects.create(subscription=subscription, event_id="evt_1", event_type="order.created",
                                         payload={}, attempts=2, created_at=START, next_attempt_at=START)
    clean = OldDelivery.objects.create(subscription=subscription, event_id="evt_2", event_type="order.created",
                                       payload={}, attempts=1, created_at=START, next_attempt_at=START)
    minute = timedelta(minutes=1)
    # deliverer A's attempt and B's, made while A was held past its lease: both numbered 1
    for number, at, code in ((1, START, 500), (1, START + 2 * minute, 500), (2, START + 5 * minute, 503)):
        OldAttempt.objects.create(delivery=doubled, number=number, at=at, status_code=code)
    OldAttempt.objects.create(delivery=clean, number=1, at=START, status_code=500)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    log = list(DeliveryAttempt.objects.filter(delivery_id=doubled.pk).order_by("number").values_list(
        "number", "at", "status_code"))
    assert log == [(1, START, 500), (2, START + 2 * minute, 500), (3, START + 5 * minute, 503)]
    assert Delivery.objects.get(pk=doubled.pk).attempts == 3  # counted one too few: the next attempt is #4
    assert list(DeliveryAttempt.objects.filter(delivery_id=clean.pk).values_list("number", flat=True)) == [1]
    assert Delivery.objects.get(pk=clean.pk).attempts == 1
