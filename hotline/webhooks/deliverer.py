"""The deliverer: send due deliveries, signed, and schedule retries with exponential backoff and jitter.

Run by `hotline webhooks deliver` (a loop, or `--once`); in the production profile a Celery task
calls `deliver_due()` on a schedule. Several deliverers may run at once: each claims a delivery with
a conditional UPDATE (a lease) before sending it.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from hotline.core import clock, targets
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.constants import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    EXCERPT,
    JITTER,
    LEASE,
    MAX_ATTEMPTS,
    TIMEOUT,
)
from hotline.webhooks.models import Delivery, DeliveryAttempt
from hotline.webhooks.signals import delivery_succeeded
from hotline.webhooks.signing import sign

logger = logging.getLogger(__name__)
USER_AGENT = "hotline-webhooks/1.0"
#: How an attempt's error begins when the target was refused and nothing was sent (`hotline.core.targets`).
REFUSED = "Refused, not sent"


@dataclass(frozen=True)
class Answer:
    """What one HTTP attempt got: a status code and body, or an error."""

    status_code: int | None
    body: bytes
    error: str
    duration_ms: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None  # a redirect is an answer (3xx), never followed with the signed body


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> Answer:
    """POST the body; never raises for network or HTTP errors."""
    started = time.monotonic()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(EXCERPT * 4), "", _ms(started))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(EXCERPT * 4) if exc.fp else b"", "", _ms(started))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, b"", f"{type(exc).__name__}: {reason}"[:EXCERPT], _ms(started))


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


def _claim(delivery: Delivery) -> bool:
    """Take the delivery for this deliverer (a lease), unless another one took it first."""
    now = clock.now()
    return bool(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                        next_attempt_at=delivery.next_attempt_at)
                .update(next_attempt_at=now + timedelta(seconds=LEASE)))


def attempt(delivery: Delivery) -> DeliveryAttempt:
    """Send one delivery once and record the attempt; schedule the next one or give up.

    A URL whose host is, or now resolves to, a non-public address is not sent to: the attempt is recorded as
    failed with the reason, and retried like any other failure (the name may resolve back).
    """
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(clock.now().timestamp())
    refused = targets.refusal(delivery.subscription.url)  # again: a name may resolve elsewhere since it was set
    if refused is not None:
        answer = Answer(None, b"", f"{REFUSED}: {refused} (HOTLINE_WEBHOOKS_ALLOW_PRIVATE)"[:EXCERPT], 0)
    else:
        answer = post(delivery.subscription.url, body, headers_for(delivery, body, timestamp))
    now = clock.now()
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    with transaction.atomic():
        delivery.attempts += 1
        record = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, at=now, status_code=answer.status_code,
            response_excerpt=answer.body.decode("utf-8", "replace")[:EXCERPT], error=answer.error,
            duration_ms=answer.duration_ms)
        delivery.last_status_code = answer.status_code
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "last_status_code"])
    if ok:
        try:
            delivery_succeeded.send(sender=Delivery, delivery=delivery, body=answer.body)
        except Exception:  # a listener's error must not undo a delivery that happened
            logger.exception("listener of delivery %s failed", delivery.pk)
    return record


def deliver_due(limit: int = 100) -> int:
    """Send every delivery whose time has come (at most `limit`); returns how many were attempted."""
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now(),
                                       subscription__is_active=True)
               .select_related("subscription").order_by("next_attempt_at", "id")[:limit])
    sent = 0
    for delivery in due:
        if _claim(delivery):
            attempt(delivery)
            sent += 1
    return sent
