"""Orders whose follow-up never ran, found and followed up (`hotline.tasks.repair_follow_ups`, every 5 minutes).

A committed step is queued for the worker when the request that made it answers. If the web process dies
in between (kill -9, a lost host), the order is stored but nothing triaged it, recommended a unit or sent
the acceptance SMS. Every order gets a duplicate-index entry, an urgency assessment and a dispatch
recommendation at registration, so an order lacking one of them some minutes later was missed: its steps
are delivered to the receivers again, in order. The receivers are idempotent (architecture habit 8), so a
step whose follow-up did run in part is only completed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from hotline.routing.models import DispatchRecommendation
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.triage.models import DuplicateKey, UrgencyAssessment

#: An order younger than this may still be waiting in the queue: left alone.
SETTLE = timedelta(minutes=10)
#: Orders older than this are not looked at (imports of old orders are not followed up on purpose).
WINDOW = timedelta(days=2)
#: At most this many orders per run; the next run takes the rest.
LIMIT = 200


def orders_missing_follow_up(now: datetime, *, limit: int = LIMIT) -> list[int]:
    """Ids of orders registered between WINDOW and SETTLE ago that lack part of their registration follow-up."""
    def has(model: type) -> Exists:
        return Exists(model.objects.filter(ticket_id=OuterRef("pk")))

    missed = (Ticket.objects.filter(registered_at__gte=now - WINDOW, registered_at__lt=now - SETTLE)
              .exclude(has(DuplicateKey) & has(UrgencyAssessment) & has(DispatchRecommendation)))
    return list(missed.order_by("registered_at", "pk").values_list("pk", flat=True)[:limit])


def follow_up_again(ticket_ids: list[int]) -> int:
    """Deliver every step of these orders to the receivers again, order by order, as `after_steps` would."""
    from hotline.tasks.tasks import after_steps

    steps: dict[int, list[dict]] = {}
    for ticket_id, event_id, action, before, after in (
            TimelineEvent.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "seq")
            .values_list("ticket_id", "pk", "action", "from_status", "to_status")):
        steps.setdefault(ticket_id, []).append({"ticket_id": ticket_id, "event_id": event_id, "action": action,
                                                "from_status": before, "to_status": after})
    return sum(after_steps(order_steps) for order_steps in steps.values())  # here, in this task
