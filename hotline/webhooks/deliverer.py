"""The deliverer: send due deliveries, signed, and schedule retries with exponential backoff and jitter.

Run by `hotline webhooks deliver` (a loop, or `--once`); in the production profile a Celery task
calls `deliver_due()` on a schedule. Several deliverers may run at once: each claims a delivery with
a conditional UPDATE (a lease of LEASE seconds) before sending it, and records the attempt with another one
that holds only while the delivery still carries that lease. One HTTP exchange ends within TIMEOUT seconds in
all (connecting, TLS, sending, reading the answer), well within the lease, so a slow receiver cannot keep a
deliverer busy until another one takes the delivery over and sends it a second time.

Each request goes to an address that `hotline.core.targets.check` has just judged allowed, never to the URL's
name resolved a second time (DNS rebinding); it follows no redirect and uses no proxy from the environment.
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F, Q, QuerySet

from hotline.core import clock, targets
from hotline.webhooks.choices import DeliveryStatus, SubscriptionKind
from hotline.webhooks.constants import (
    ANSWER_LIMIT,
    BACKOFF_BASE,
    BACKOFF_CAP,
    EXCERPT,
    JITTER,
    LEASE,
    MAX_ATTEMPTS,
    TIMEOUT,
)
from hotline.webhooks.models import Delivery, DeliveryAttempt
from hotline.webhooks.services import _may_see
from hotline.webhooks.signals import delivery_succeeded
from hotline.webhooks.signing import sign

logger = logging.getLogger(__name__)
USER_AGENT = "hotline-webhooks/1.0"
#: How an attempt's error begins when the target was refused and nothing was sent (`hotline.core.targets`).
REFUSED = "Refused, not sent"
#: An attempt's error when the delivery was given up, unsent, because the subscription's owner may no longer
#: read the order (a person moved out of the order's units since the event was queued; `services._may_see`).
OWNER_MAY_NOT_SEE = "Given up, not sent: the subscription's owner may no longer read this order"


@dataclass(frozen=True)
class Answer:
    """What one HTTP attempt got: a status code and body, or an error."""

    status_code: int | None
    body: bytes
    error: str
    duration_ms: int


class Unreachable(OSError):
    """None of the checked addresses took the connection (each one's error is in the message)."""


def open_socket(addresses: Sequence[str], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that takes one, within `timeout` overall.

    The addresses are IP addresses (`targets.check`): nothing is resolved here. Each one still to try gets an
    equal share of the time left, so that a list of unanswering addresses cannot hold a deliverer past its lease.
    """
    deadline = time.monotonic() + timeout
    failures: list[str] = []
    for i, address in enumerate(addresses):
        share = (deadline - time.monotonic()) / (len(addresses) - i)
        if share <= 0:
            failures.append(f"{address} port {port}: not tried, out of time")
            continue
        family = socket.AF_INET6 if ipaddress.ip_address(address.split("%", 1)[0]).version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(share)
            sock.connect((address, port))
        except OSError as exc:
            sock.close()
            failures.append(f"{address} port {port}: {type(exc).__name__}: {exc}")
            continue
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise Unreachable("; ".join(failures) or "no address to connect to")


class _ReadWithin(io.RawIOBase):
    """The answer read from the socket, each read waiting only for the time left before the exchange's deadline.

    http.client's own timeout applies to each read of the socket: a receiver that sends its answer a byte at a
    time would hold the deliverer for as long as it liked.
    """

    def __init__(self, sock: socket.socket, left: Callable[[], float]) -> None:
        super().__init__()
        self.sock, self.left = sock, left
        self.io = sock.makefile("rb", buffering=0)  # keeps the socket open for the answer, as http.client's

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        self.sock.settimeout(self.left())
        return self.io.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self.io.close()
        super().close()


class _Within:
    """What `http.client.HTTPResponse` asks of its socket (a file to read), with reads bounded by the deadline."""

    def __init__(self, sock: socket.socket, left: Callable[[], float]) -> None:
        self.sock, self.left = sock, left

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_ReadWithin(self.sock, self.left))


class BoundedResponse(http.client.HTTPResponse):
    """An HTTP answer whose status line, headers and body must all arrive before the exchange's deadline."""

    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None,
                 *, left: Callable[[], float]) -> None:
        super().__init__(_Within(sock, left), debuglevel, method, url)  # type: ignore[arg-type]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `host` over a connection to one of the checked `addresses`: the name is never resolved again.

    `timeout` is an overall deadline for the exchange, counted from now: connecting (shared between the
    addresses), sending and each read of the answer wait only for the time left, never `timeout` afresh.
    """

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float,
                 **kwargs: object) -> None:
        super().__init__(host, port, timeout=timeout, **kwargs)  # type: ignore[arg-type]
        self.addresses = tuple(addresses)
        self.deadline = time.monotonic() + timeout
        self.response_class = functools.partial(BoundedResponse, left=self.left)  # type: ignore[assignment]

    def left(self) -> float:
        """Seconds left before the deadline; TimeoutError once it has passed."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.timeout:g} s")
        return left

    def send(self, data: bytes) -> None:  # type: ignore[override]
        if self.sock is not None:
            self.sock.settimeout(self.left())  # one sendall waits at most its timeout in all
        super().send(data)

    def connect(self) -> None:
        self.sock = open_socket(self.addresses, self.port, self.left())


class PinnedHTTPSConnection(PinnedHTTPConnection, http.client.HTTPSConnection):
    """HTTPS to `host` over a connection to one of the checked `addresses`, within the same overall deadline.

    The TLS server name (SNI) is `host`, and the certificate must be valid for `host` (the system's CAs,
    `ssl.create_default_context`), not for the address connected to. The handshake waits at most the time left
    (the `ssl` module bounds one handshake by the socket's timeout in all).
    """

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float,
                 context: ssl.SSLContext | None = None) -> None:
        if context is None:  # as http.client's own default: the system's CAs, HTTP/1.1 announced (ALPN)
            context = ssl.create_default_context()
            context.set_alpn_protocols(["http/1.1"])
        self.tls = context
        super().__init__(host, port, addresses=addresses, timeout=timeout, context=self.tls)

    def connect(self) -> None:
        sock = open_socket(self.addresses, self.port, self.left())
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def connection(url: str, addresses: Sequence[str], timeout: float) -> PinnedHTTPConnection:
    """An unopened connection for the URL's scheme, host and port, pinned to the checked addresses, whose whole
    exchange must end within `timeout` seconds from now."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in targets.DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    kind = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return kind(parts.hostname, parts.port or targets.DEFAULT_PORTS[scheme], addresses=addresses, timeout=timeout)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT, *,
         addresses: Sequence[str]) -> Answer:
    """POST the body to `url` over a connection to one of `addresses` (those `targets.check` judged, in order).

    The URL's host is the Host header, the TLS server name and the name the certificate must match. No
    redirect is followed (a 3xx is the answer) and no proxy is used, not even one named by `http_proxy` /
    `https_proxy`: the connection goes to a checked address or nowhere. Never raises for network or HTTP errors.

    `timeout` bounds the whole exchange — connecting, the TLS handshake, sending, and reading the status line,
    the headers and at most ANSWER_LIMIT bytes of the body: a receiver that trickles its answer is cut off at
    the deadline (a failed attempt, `TimeoutError: no complete answer within 10 s`), even after a 2xx status line.
    """
    started = time.monotonic()
    try:
        conn = connection(url, addresses, timeout)
        try:
            conn.request("POST", _path(url), body=body, headers={**headers, "Connection": "close"})
            response = conn.getresponse()
            return Answer(response.status, response.read(ANSWER_LIMIT), "", _ms(started))
        finally:
            conn.close()
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if isinstance(exc, Unreachable):
            error = str(exc)
        elif isinstance(exc, TimeoutError):
            error = f"TimeoutError: no complete answer within {timeout:g} s"
        else:
            error = f"{type(exc).__name__}: {exc}"
        return Answer(None, b"", error[:EXCERPT], _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait after the n-th failure: 30 s, 60 s, 120 s … up to 6 h, each ± 20 % at random."""
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return timedelta(seconds=base * spread)


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Hotline-Event": delivery.event_type, "X-Hotline-Delivery": str(delivery.pk),
        "X-Hotline-Event-Id": delivery.event_id, "X-Hotline-Timestamp": str(timestamp),
        "X-Hotline-Signature": sign(delivery.subscription.secret, timestamp, body),
    }


#: A switched-off (停用) partner platform behind a subscription: the partner whose endpoint it is, or the partner
#: whose API key's service account (or intake account) owns it (made through `/webhooks/v1/subscriptions`, or in
#: the admin for that account). Reverse one-to-one lookups only: at most one partner each, joined, no subquery.
_PARTNER_OFF = (Q(subscription__partner__is_active=False)
                | Q(subscription__owner__api_key__partner__is_active=False)
                | Q(subscription__owner__api_intake_key__partner__is_active=False))
#: A subscription whose owner's account is deactivated (a person who left, a revoked key's account) hears nothing.
_OWNER_OFF = Q(subscription__owner__is_active=False)


def sendable(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Deliveries whose subscription is on and belongs to no partner platform switched off (停用): neither the
    partner's endpoint — even if it was switched on again meanwhile (the webhooks admin refuses that; a bulk
    update or the shell would not) — nor a webhook its key's accounts own ("the webhooks its accounts own hear
    nothing", docs/interop.md). What is queued for them stays pending, and goes out once the partner is switched
    on again (its own webhooks at once, its endpoint when its address is entered again). Nor a subscription whose
    owner's account is deactivated ("hears nothing", docs/webhooks.md): its deliveries stay pending too. One query:
    the partners and the owner are joined, not looked up per delivery."""
    return deliveries.filter(subscription__is_active=True).exclude(_PARTNER_OFF | _OWNER_OFF)


def _owner_may_see(delivery: Delivery) -> bool:
    """Whether the subscription's owner may still read the delivery's order, checked again before each attempt
    (it was checked when the event was queued; a person may have left the unit since). True for a delivery of no
    order, and for a partner platform's endpoint (its messages follow the exchange's rules, docs/interop.md)."""
    if delivery.ticket_id is None or delivery.subscription.kind != SubscriptionKind.WEBHOOK:
        return True
    return _may_see(delivery.subscription, delivery.ticket)


def _claim(delivery: Delivery) -> bool:
    """Take the delivery for this deliverer (a lease), unless another one took it first.

    The lease is the delivery's new `next_attempt_at` (now + LEASE), set on `delivery` too: `attempt` records
    its result only while the row still carries that lease and the attempts counted when it was taken.
    """
    until = clock.now() + timedelta(seconds=LEASE)
    taken = sendable(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                             next_attempt_at=delivery.next_attempt_at,
                                             attempts=delivery.attempts)).update(next_attempt_at=until)
    if taken:
        delivery.next_attempt_at = until
    return bool(taken)


def attempt(delivery: Delivery) -> DeliveryAttempt | None:
    """Send one delivery once and record the attempt; schedule the next one or give up.

    A URL whose host is, or now resolves to, a non-public address is not sent to: the attempt is recorded as
    failed with the reason, and retried like any other failure (the name may resolve back). Otherwise the
    request goes to one of the addresses just checked, within TIMEOUT seconds in all.

    The attempt is recorded by a conditional UPDATE (`attempts + 1`) that holds only while the delivery still
    carries the lease this deliverer took (`_claim`) and no attempt was counted since. A deliverer that lost its
    lease — held up past it, so that another deliverer claimed the delivery and sent it again — records
    nothing (logged, None returned): the other deliverer's attempt is the one that counts, and attempt numbers
    stay unique per delivery.

    An order's event whose subscription's owner may no longer read the order (`_owner_may_see`) is not sent:
    the delivery is given up (failed) at once, the attempt recording `OWNER_MAY_NOT_SEE` as its error.
    """
    lease, counted = delivery.next_attempt_at, delivery.attempts
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(clock.now().timestamp())
    url = delivery.subscription.url
    unseen = not _owner_may_see(delivery)
    if unseen:
        answer = Answer(None, b"", OWNER_MAY_NOT_SEE, 0)
    elif isinstance(target := targets.check(url), targets.Refusal):  # again: a name may resolve elsewhere now
        answer = Answer(None, b"", f"{REFUSED}: {target} (HOTLINE_WEBHOOKS_ALLOW_PRIVATE)"[:EXCERPT], 0)
    else:  # to an address just checked, never the name resolved once more (DNS rebinding)
        answer = post(url, body, headers_for(delivery, body, timestamp), TIMEOUT, addresses=target.addresses)
    now = clock.now()
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    number = counted + 1
    changes: dict[str, object] = {"last_status_code": answer.status_code}
    if ok:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif unseen or number >= MAX_ATTEMPTS:
        changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        changes.update(next_attempt_at=now + backoff(number))
    with transaction.atomic():
        held = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=lease,
                                       attempts=counted).update(attempts=F("attempts") + 1, **changes)
        if not held:
            logger.warning("webhook delivery %s: lease lost while sending (another deliverer claimed it); "
                           "this attempt (%s) is not recorded", delivery.pk, answer.status_code or answer.error)
            return None
        record = DeliveryAttempt.objects.create(
            delivery=delivery, number=number, at=now, status_code=answer.status_code,
            response_excerpt=answer.body.decode("utf-8", "replace")[:EXCERPT], error=answer.error,
            duration_ms=answer.duration_ms)
    delivery.attempts = number
    for name, value in changes.items():
        setattr(delivery, name, value)
    if ok:
        try:
            delivery_succeeded.send(sender=Delivery, delivery=delivery, body=answer.body)
        except Exception:  # a listener's error must not undo a delivery that happened
            logger.exception("listener of delivery %s failed", delivery.pk)
    return record


def deliver_due(limit: int = 100) -> int:
    """Send every delivery whose time has come (at most `limit`); returns how many were attempted.

    Each is claimed just before it is sent, so the lease covers one attempt, not the whole round.
    """
    due = list(sendable(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now()))
               .select_related("subscription__owner", "ticket").order_by("next_attempt_at", "id")[:limit])
    sent = 0
    for delivery in due:
        if _claim(delivery):
            attempt(delivery)
            sent += 1
    return sent
