"""The Celery tasks. Each takes ids (or a file path), re-reads the database, and is safe to run twice.

Every task is acknowledged late (`CELERY_TASK_ACKS_LATE`): a worker that dies mid-task leaves the message
to be delivered again, which is harmless because each task is idempotent:

- `sla_sweep`: the sweep's UPDATEs re-check their conditions; a second run changes nothing.
- `after_steps` (and `after_step`, one step): the receivers of committed steps; each is idempotent (it re-reads by id and skips work
  already done: one recommendation, one duplicate key, one rollup mark per order version, one
  `Notification` per (event, template), one webhook delivery per (subscription, event)).
- `repair_follow_ups`: finds steps whose follow-up left no receipt and delivers them again
  to the same idempotent receivers.
- `notify_step`: one `Notification` per (event, template), enforced by a unique constraint.
- `alert_units`: one `UnitAlert` per (assignment, kind, running deadline), enforced by a unique constraint;
  a queued alert is claimed with a conditional UPDATE before it is sent.
- `retry_failed_texts`: a caller's failed text, or one left queued by a dead sender, is claimed with a
  conditional UPDATE (failed/queued → sending) before it is sent; one sent, or left sending by a dead sender,
  is never sent again.
- `deliver_webhook` / `deliver_due_webhooks`: a delivery is claimed with a conditional UPDATE (a lease)
  before it is sent; a delivered one is never sent again.
- `purge_idempotency_records`: deletes what has expired; a second run finds nothing.
- `run_import`: source records already imported (source, external id) are skipped.
- `retrain_classifier`: deterministic (fixed seed), installed atomically (a half-written model is never
  served), and guarded by a PostgreSQL advisory lock against overlapping runs.

Database hiccups (a restarted PostgreSQL, a dropped connection) are retried with exponential backoff.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from hotline.tickets import signals

logger = logging.getLogger(__name__)

#: Errors worth another try later (the database went away for a moment): the follow-up's own list.
TRANSIENT = signals.TRANSIENT
#: Retries: 5 attempts, waits of about 2, 4, 8, 16, 32 s (jittered), never more than 10 minutes.
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_backoff_max": 600, "retry_jitter": True,
         "max_retries": 5}
#: In a worker, the settings and "has it changed?" stamps one follow-up task read are reused by the next
#: tasks of the same process for this many seconds (`memo.scope(keep_for=…)`); inline follow-ups keep nothing.
SETTINGS_KEPT_FOR = 2.0
#: The name of the retraining's lock (one retraining at a time across all workers).
RETRAIN_LOCK = "hotline.tasks.retrain_classifier"


@shared_task(name="hotline.tasks.sla_sweep", soft_time_limit=300, **RETRY)
def sla_sweep(at: str | None = None) -> dict[str, int]:
    """Move the SLA lights forward (green → yellow → red) as of now, or of `at` (ISO 8601, aware)."""
    from hotline.sla.sweep import sweep

    moment = datetime.fromisoformat(at) if at else None
    result = sweep(moment).as_dict()
    if sum(result.values()):
        logger.info("sla sweep: %s", result)
    return result


@shared_task(name="hotline.tasks.after_steps", soft_time_limit=300, **RETRY)
def after_steps(steps: list[dict[str, Any]]) -> int:
    """Run the receivers of committed steps, in the order they committed; returns how many steps."""
    from hotline.core import memo
    from hotline.tickets.signals import send_step

    request = after_steps.request
    keep = 0.0 if request.is_eager or request.called_directly else SETTINGS_KEPT_FOR
    with memo.scope(keep_for=keep):  # the steps share their settings reads (hotline/core/memo.py)
        for step in steps:
            send_step({"ticket_id": step["ticket_id"], "event_id": step["event_id"], "action": step["action"],
                       "from_status": step.get("from_status", ""), "to_status": step.get("to_status", "")})
    return len(steps)


@shared_task(name="hotline.tasks.repair_follow_ups", soft_time_limit=240, **RETRY)
def repair_follow_ups() -> int:
    """Deliver again the steps whose follow-up never ran (lost before or in the queue) or failed; returns how many."""
    from hotline.core import clock
    from hotline.tasks.repair import follow_up_again, forget_old_receipts, steps_missing_follow_up

    now = clock.now()
    forget_old_receipts(now)
    missed = steps_missing_follow_up(now)
    if missed:
        logger.warning("following up %d step(s) whose follow-up never ran or failed, of order(s) %s", len(missed),
                       sorted({step["ticket_id"] for step in missed})[:20])
        follow_up_again(missed)
    return len(missed)


@shared_task(name="hotline.tasks.after_step", soft_time_limit=120, **RETRY)
def after_step(ticket_id: int, event_id: int, action: str, from_status: str = "", to_status: str = "") -> None:
    """Run the receivers of one committed step (kept for messages queued by an earlier version)."""
    after_steps([{"ticket_id": ticket_id, "event_id": event_id, "action": action, "from_status": from_status,
                  "to_status": to_status}])


@shared_task(name="hotline.tasks.purge_idempotency_records", soft_time_limit=600, **RETRY)
def purge_idempotency_records() -> int:
    """Delete the API's idempotency records older than their time to live (nightly); returns how many."""
    from hotline.api.idempotency import forget_expired

    return forget_expired()


@shared_task(name="hotline.tasks.notify_step", soft_time_limit=120, **RETRY)
def notify_step(ticket_id: int, event_id: int, action: str, from_status: str = "",
                to_status: str = "") -> list[int]:
    """Send the caller the milestone messages of one committed step again; returns the new notifications' ids."""
    from hotline.notifications.services import notify_event

    sent = notify_event(ticket_id=ticket_id, event_id=event_id, action=action, from_status=from_status,
                        to_status=to_status)
    return [note.pk for note in sent]


@shared_task(name="hotline.tasks.alert_units", soft_time_limit=300, **RETRY)
def alert_units(at: str | None = None) -> dict[str, int]:
    """Alert the handling units' duty phones of deadlines turned yellow or red (承办单位提醒), as of now or `at`."""
    from hotline.notifications.unit_alerts import alert_lights

    result = alert_lights(datetime.fromisoformat(at) if at else None)
    if result["messages"] or result["redelivered"]:
        logger.info("unit alerts: %s", result)
    return result


@shared_task(name="hotline.tasks.retry_failed_texts", soft_time_limit=300, **RETRY)
def retry_failed_texts(at: str | None = None) -> dict[str, int]:
    """Send again the callers' failed texts whose next try has come, and those left queued by a dead sender
    (群众短信补发), as of now or `at`; each is claimed (failed/queued → sending) before it is sent, so none is
    sent twice."""
    from hotline.notifications.retry import retry_due

    return retry_due(datetime.fromisoformat(at) if at else None)


@shared_task(name="hotline.tasks.deliver_webhook", soft_time_limit=120, **RETRY)
def deliver_webhook(delivery_id: int) -> bool:
    """Send one pending, due webhook delivery now; False if it is not due, not pending or taken by another."""
    from hotline.core import clock
    from hotline.webhooks import deliverer
    from hotline.webhooks.choices import DeliveryStatus
    from hotline.webhooks.models import Delivery

    delivery = (Delivery.objects.select_related("subscription")
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING, subscription__is_active=True).first())
    if delivery is None or delivery.next_attempt_at is None or delivery.next_attempt_at > clock.now():
        return False
    if not deliverer._claim(delivery):  # another deliverer holds it
        return False
    deliverer.attempt(delivery)
    return True


@shared_task(name="hotline.tasks.deliver_due_webhooks", bind=True, soft_time_limit=600, **RETRY)
def deliver_due_webhooks(self: Task, limit: int = 100) -> int:
    """Send every due webhook delivery (a round of at most `limit`; a full round queues the next one)."""
    from hotline.webhooks import deliverer

    sent = deliverer.deliver_due(limit=limit)
    if sent >= limit and not self.request.is_eager:
        self.apply_async(kwargs={"limit": limit})
    return sent


@shared_task(name="hotline.tasks.run_import", soft_time_limit=3600, **RETRY)
def run_import(path: str, fmt: str, mapping: str | None = None, report: str | None = None,
               default_date: str | None = None) -> dict[str, Any]:
    """`hotline import` of one file (on storage the worker can read); rows already imported are skipped."""
    from hotline.dataio.models import ImportRun

    args: list[str] = [path, "--format", fmt]
    for option, value in (("--mapping", mapping), ("--report", report), ("--default-date", default_date)):
        if value:
            args += [option, value]
    out = StringIO()
    call_command("import", *args, stdout=out)
    run = ImportRun.objects.filter(file_name=Path(path).name).order_by("-started_at", "-id").first()
    lines = out.getvalue().strip().splitlines()
    return {"run_id": run.pk if run else None, "summary": lines[-1] if lines else ""}


@shared_task(name="hotline.tasks.retrain_classifier", soft_time_limit=2 * 3600, **RETRY)
def retrain_classifier(data: str | None = None, output: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Retrain the category classifier and install it atomically (the previous one kept as `<dir>.previous`).

    Trains on `data`, or on HOTLINE_TRAINING_DATA, when given (a labelled CSV); otherwise on the centre's
    finished orders plus the shipped messages (`hotline train --from-db --also-shipped`), so the
    dispatchers' corrections flow into the model. Writes to `output` or HOTLINE_MODEL_DIR (default: the
    shipped model directory). Web processes pick the new model up on their next prediction.
    Skipped (returns {"skipped": True}) while another retraining holds the lock.
    """
    from hotline.triage.training import train_from_db, train_from_file

    csv = data or getattr(settings, "HOTLINE_TRAINING_DATA", "")
    with exclusive(RETRAIN_LOCK) as mine:
        if not mine:
            logger.warning("retraining skipped: another one is running")
            return {"skipped": True}
        if csv:
            result = train_from_file(csv, output or None, seed=seed)
        else:
            result = train_from_db(output or None, also_shipped=True, seed=seed)
    cv = result.model.metadata["cross_validation"]
    return {"skipped": False, "output": str(result.output), "version": result.model.metadata.get("version", ""),
            "previous": str(result.backup) if result.backup else "", "classes": len(result.model.classes),
            "cv_macro_f1": round(float(cv["macro_f1_mean"]), 4)}


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yield True if this process may run the `name` job now (a PostgreSQL session advisory lock).

    The lock belongs to the database session, so a worker that is killed mid-job releases it with its
    connection, and the redelivered task can run. SQLite serves one host only: always True there.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        yield True
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
