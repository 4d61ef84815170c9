"""What is held back for a switched-off partner (停用): deliveries to its endpoint and to the webhooks its key's
accounts own. Switching it on again gives up those older than `HELD_LIMIT` instead of sending them weeks late."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Min, Q, QuerySet

from hotline.core import clock
from hotline.interop.constants import EXPIRED_REASON, HELD_LIMIT
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, DeliveryAttempt


@dataclass(frozen=True)
class Backlog:
    """How many deliveries are held for a partner, since when the oldest one waits, and how many of them waited
    longer than `HELD_LIMIT` (given up if the partner is switched on again)."""

    count: int
    oldest: datetime | None
    stale: int = 0

    def age(self) -> timedelta | None:
        return None if self.oldest is None else clock.now() - self.oldest


def held(partner_ids: Iterable[int]) -> QuerySet[Delivery]:
    """Pending deliveries of these partners: to their endpoints and to the webhooks their keys' accounts own
    (the subscriptions `deliverer.sendable` holds back while the partner is off)."""
    ids = list(partner_ids)
    return Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(subscription__partner__pk__in=ids) | Q(subscription__owner__api_key__partner__pk__in=ids)
        | Q(subscription__owner__api_intake_key__partner__pk__in=ids))


def backlog(partner_id: int) -> Backlog:
    """The partner's held deliveries: how many, the oldest one's creation time, how many are older than the limit."""
    limit = clock.now() - HELD_LIMIT
    found = held([partner_id]).aggregate(count=Count("pk", distinct=True), oldest=Min("created_at"),
                                         stale=Count("pk", distinct=True, filter=Q(created_at__lt=limit)))
    return Backlog(found["count"], found["oldest"], found["stale"])


def expire_stale(deliveries: QuerySet[Delivery]) -> int:
    """Give up those of these pending deliveries created more than `HELD_LIMIT` ago: each is marked failed, with
    one attempt recording `EXPIRED_REASON` (shown in the webhooks admin; the partner's log shows 失败), instead of
    being sent. A delivery taken or changed by a deliverer meanwhile is left alone. Returns how many."""
    now = clock.now()
    expired = 0
    stale = deliveries.filter(status=DeliveryStatus.PENDING, created_at__lt=now - HELD_LIMIT)
    for pk, attempts, due in stale.values_list("pk", "attempts", "next_attempt_at").distinct():
        with transaction.atomic():
            if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, attempts=attempts,
                                       next_attempt_at=due).update(status=DeliveryStatus.FAILED, next_attempt_at=None,
                                                                   attempts=F("attempts") + 1):
                DeliveryAttempt.objects.create(delivery_id=pk, number=attempts + 1, at=now, error=EXPIRED_REASON)
                expired += 1
    return expired


def expire_for_partners(partner_ids: Iterable[int]) -> int:
    """Give up the stale held deliveries of these partners (switched on again just now)."""
    ids = list(partner_ids)
    return expire_stale(held(ids)) if ids else 0
