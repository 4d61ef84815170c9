"""Queue events for subscriptions and replay them (every change to subscriptions' deliveries is here)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Q

from hotline.api.principal import orders_for_key
from hotline.api.scopes import Scope
from hotline.core import clock, memo
from hotline.ops.admin_audit import recorded_by
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.webhooks import events
from hotline.webhooks.choices import DeliveryStatus, SubscriptionKind, event_type_for
from hotline.webhooks.constants import LEASE
from hotline.webhooks.models import Delivery, Subscription

if TYPE_CHECKING:
    from hotline.accounts.models import User
    from hotline.api.models import ApiKey


def enqueue(subscription: Subscription, *, event_id: str, event_type: str, payload: dict[str, Any],
            ticket: Ticket | None = None) -> Delivery:
    """Queue one event for one subscription; the same event is queued once (the first row is returned)."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(subscription=subscription, event_id=event_id, event_type=event_type,
                                           ticket=ticket, payload=payload, created_at=clock.now(),
                                           next_attempt_at=clock.now())
    except IntegrityError:
        return Delivery.objects.get(subscription=subscription, event_id=event_id, replay_of__isnull=True)


def _may_see(subscription: Subscription, ticket: Ticket) -> bool:
    """Whether the subscription hears about this order: exactly the orders its owner may read.

    Owned by an API key's service account (or its intake account): the orders that key reads through the
    API (`orders_for_key`: never a confidential one; a partner platform's only those exchanged with it),
    and nothing when the key may not read orders (scope `read`, as `GET /orders`) or is revoked. Owned by
    a person: the orders that person may see (centre staff: every one). Owned by nobody (configured by the
    centre): every order. A deactivated owner (a departed user, a revoked key's account) hears nothing.
    """
    owner = subscription.owner
    if owner is None:
        return True
    if not owner.is_active:
        return False
    key = _key_of(owner)
    if key is not None:
        return key.allows(Scope.READ) and orders_for_key(key, one=True).filter(pk=ticket.pk).exists()
    if owner.is_centre_staff:
        return True
    return Ticket.objects.visible_to(owner, one=True).filter(pk=ticket.pk).exists()


def _key_of(owner: User) -> ApiKey | None:
    """The API key whose service account (or intake account) this is; None for a person's account."""
    for name in ("api_key", "api_intake_key"):
        try:
            return getattr(owner, name)
        except ObjectDoesNotExist:
            continue
    return None


#: What `_may_see` reads of a subscription's owner, loaded with the subscriptions: its key, the key's
#: accounts and partner platform (no query per event for them).
_OWNER_KEYS = ("owner__api_key__partner", "owner__api_intake_key__user", "owner__api_intake_key__partner")


def enqueue_event(event_id: int) -> list[Delivery]:
    """Queue a committed lifecycle event for every active webhook that wants it (idempotent)."""
    active = memo.once("webhooks.active", lambda: list(
        Subscription.objects.filter(Q(owner__isnull=True) | Q(owner__is_active=True), is_active=True,
                                    kind=SubscriptionKind.WEBHOOK).select_related(*_OWNER_KEYS)))
    if not active:  # the usual case without integrations: one query per step (per follow-up task in a worker)
        return []
    event = TimelineEvent.objects.select_related("ticket__category", "unit").filter(pk=event_id).first()
    if event is None:
        return []
    event_type = event_type_for(event.action, event.to_status)
    subscriptions = [s for s in active if s.wants(event_type) and _may_see(s, event.ticket)]
    if not subscriptions:
        return []
    body = events.payload(event, event_type)
    return [enqueue(s, event_id=events.event_id(event), event_type=event_type, payload=body, ticket=event.ticket)
            for s in subscriptions]


@transaction.atomic
def subscribe(owner: User, *, name: str, url: str, event_types: list[str]) -> Subscription:
    """An integration subscribes its API key's account to order events (订阅); the signing secret is made here.

    Recorded in the admin change trail by `owner` (where order data is sent is an administrator's decision
    elsewhere), the secret masked."""
    with recorded_by(owner):
        return Subscription.objects.create(name=name, url=url, event_types=event_types, owner=owner)


@transaction.atomic
def unsubscribe(subscription: Subscription, *, actor: User) -> Subscription:
    """Switch one subscription off (停用) at `actor`'s request, recorded in the admin change trail by `actor`;
    one already off changes nothing and records nothing."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.is_active:
        with recorded_by(actor):
            subscription.is_active = False
            subscription.save(update_fields=["is_active"])
    return subscription


def deactivate_owned_by(users: list[User]) -> list[Subscription]:
    """Switch off (停用) the active subscriptions these accounts own, e.g. when their API key is revoked.

    Each subscription is saved on its own so that the admin's change trail records it.
    """
    switched = list(Subscription.objects.filter(owner__in=users, is_active=True))
    for subscription in switched:
        subscription.is_active = False
        subscription.save(update_fields=["is_active"])
    return switched


@transaction.atomic
def replay(delivery: Delivery) -> Delivery:
    """Send a delivered or failed event again (重放): a new delivery with the same event id and body."""
    original = delivery.replay_of or delivery
    return Delivery.objects.create(
        subscription=original.subscription, event_id=original.event_id, event_type=original.event_type,
        ticket=original.ticket, payload=original.payload, created_at=clock.now(), next_attempt_at=clock.now(),
        replay_of=original, status=DeliveryStatus.PENDING,
    )


def retry_now(delivery: Delivery) -> bool:
    """Bring a pending delivery's next attempt forward to now (立即重试); False when it was left alone.

    A deliverer sending a delivery holds it by moving `next_attempt_at` one lease ahead, so a delivery due
    within a lease is being sent right now, or will be retried within two minutes anyway: bringing it
    forward would send it twice. The conditional UPDATE decides atomically against a deliverer's claim.
    """
    now = clock.now()
    moved = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                    next_attempt_at__gt=now + timedelta(seconds=LEASE)).update(next_attempt_at=now)
    delivery.refresh_from_db()
    return bool(moved)
