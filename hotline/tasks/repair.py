"""Steps whose follow-up never ran or failed, found and delivered again (`hotline.tasks.repair_follow_ups`, every
5 minutes).

With a broker, a committed step is queued for the worker when the request that made it answers. If the web
process dies in between (kill -9, a lost host), or the broker restarts with messages still in it, the step
is stored but nothing triaged the order, recommended a unit, sent the SMS or called the partner's webhook.
A receiver can also fail (a dropped database connection during triage, a bug): it logs the error and does
not raise (`tickets.signals.guarded`), but the step is marked as failed.
Every step whose receivers all ran without failing leaves a `FollowUpReceipt` (`tickets.signals.send_step`),
so a step without one some minutes after it committed was lost or failed: it is delivered to the receivers
again, each order's steps in their order. The receivers are idempotent (architecture habit 8), so a step
whose follow-up ran in part is only completed. Steps of imported historical orders are never followed up
(on purpose).

A step whose receiver keeps failing is not a flood: it is delivered again once per run (every 5 minutes)
until it is older than WINDOW (2 days, about 570 tries), each try logging one error per failing receiver,
and each run logging one warning for all the steps that still failed; at most LIMIT steps per run, oldest
first. Nothing is sent twice meanwhile (one SMS per event and template, one webhook delivery per event).
After the window the step is left alone (its errors in the log name its order or event).
The window is the one of the caller's texts (`notifications.constants.NEWS_WITHIN`): a step is followed up
again, its texts included, as long as they are news; a text a later step's text overtook meanwhile is recorded,
not sent (`notifications.retry.not_news`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef

from hotline.notifications.constants import NEWS_WITHIN
from hotline.tickets.models import FollowUpReceipt, TimelineEvent

logger = logging.getLogger(__name__)

#: A step younger than this may still be waiting in the queue: left alone.
SETTLE = timedelta(minutes=10)
#: Steps older than this are not looked at: the window in which a caller's text is news (2 days), one constant
#: with the first send and the retry of texts (补发).
WINDOW = NEWS_WITHIN
#: At most this many steps per run; the next run takes the rest.
LIMIT = 500


def steps_missing_follow_up(now: datetime, *, limit: int = LIMIT) -> list[dict]:
    """Steps committed between WINDOW and SETTLE ago without a receipt (imports excepted), oldest first.

    With more than `limit` of them, half the run goes to the newest: steps that keep failing (a receiver's bug)
    are retried until their window ends, and must not hold back a step lost since (a worker killed a minute
    ago) for two days. The other half takes the oldest, so no step waits for ever either.
    """
    missed = (TimelineEvent.objects.filter(at__gte=now - WINDOW, at__lt=now - SETTLE)
              .exclude(data__has_key="imported")
              .exclude(Exists(FollowUpReceipt.objects.filter(event_id=OuterRef("pk"))))
              .values("ticket_id", "seq", "action", "from_status", "to_status", "at", event_id=F("pk")))
    oldest = list(missed.order_by("at", "pk")[:limit])
    if len(oldest) < limit:
        return [_step(row) for row in oldest]
    newest = list(missed.order_by("-at", "-pk")[:limit // 2])
    chosen = {row["event_id"]: row for row in oldest[:limit - len(newest)] + newest}
    return [_step(row) for row in sorted(chosen.values(), key=lambda r: (r["at"], r["event_id"]))]


def _step(row: dict) -> dict:
    """A step as the receivers get it (without the time it was only sorted by)."""
    return {key: value for key, value in row.items() if key != "at"}


def forget_old_receipts(now: datetime) -> int:
    """Delete the receipts the repair can no longer need (their step is older than twice its window)."""
    deleted, _ = FollowUpReceipt.objects.filter(done_at__lt=now - 2 * WINDOW).delete()
    return deleted


def follow_up_again(steps: list[dict]) -> int:
    """Deliver these steps to the receivers again, order by order and in each order's sequence, as the worker would.

    A step whose receivers fail again keeps no receipt (the next run tries it again); one warning line
    counts them. Returns how many steps were delivered.
    """
    from hotline.tasks.tasks import after_steps

    by_order: dict[int, list[dict]] = {}
    for step in sorted(steps, key=lambda s: (s["ticket_id"], s["seq"])):
        by_order.setdefault(step["ticket_id"], []).append(
            {key: step[key] for key in ("ticket_id", "event_id", "action", "from_status", "to_status")})
    delivered = sum(after_steps(order_steps) for order_steps in by_order.values())  # here, in this task
    events = [step["event_id"] for step in steps]
    failing = len(events) - FollowUpReceipt.objects.filter(event_id__in=events).count()
    if failing:
        logger.warning("%d of %d step(s) followed up again failed again (see the receivers' errors); "
                       "tried again every run until %s after they committed", failing, len(events), WINDOW)
    return delivered
