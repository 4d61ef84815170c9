"""Tasks executed by a real `celery -A hotline worker` through Redis (skipped without HOTLINE_REDIS_URL).

The worker is another process on the same test database, so these tests commit (`transactional_db`)
and wait, with a deadline, for the task's effect to appear in the database.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

from hotline.core import clock
from hotline.notifications.models import Notification
from hotline.routing.models import DispatchRecommendation
from hotline.sla.choices import Light
from hotline.tasks import tasks, wiring
from hotline.tasks.tests.conftest import Worker, wait_for
from hotline.tasks.tests.test_tasks import write_sample
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, make_ticket
from hotline.triage.models import DuplicateKey, UrgencyAssessment
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.tests.receiver import receiver


def test_the_worker_runs_the_sla_sweep(worker: Worker) -> None:
    ticket = make_ticket(Status.DISPATCHED, at=NOW)
    worker.send(tasks.sla_sweep, at=(ticket.phase_due + timedelta(minutes=1)).isoformat())
    wait_for(lambda: Ticket.objects.filter(pk=ticket.pk, light=Light.RED, close_overdue=True).exists(),
             "the worker's sweep to turn the order red")
    assert ticket.assignments.get().light == Light.RED


def test_the_worker_delivers_a_webhook_by_id(worker: Worker) -> None:
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="区平台", url=endpoint.url)
        delivery = Delivery.objects.create(subscription=subscription, event_id="ev-w", event_type="order.created",
                                           payload={"number": "W1"}, created_at=clock.now(),
                                           next_attempt_at=clock.now())
        worker.send(tasks.deliver_webhook, delivery.pk)
        worker.send(tasks.deliver_webhook, delivery.pk)  # sent twice: delivered once
        wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERED).exists(),
                 "the worker to deliver the webhook")
        wait_for(lambda: worker.text().count("succeeded") >= 2, "both tasks to finish")
    assert len(endpoint.received) == 1 and endpoint.received[0].headers["x-hotline-delivery"] == str(delivery.pk)


def test_a_committed_step_has_its_message_sent_by_the_worker(worker: Worker) -> None:
    """With a broker the request only queues `after_steps`; the worker writes and sends the message."""
    assert wiring.connect()  # tasks are not eager in this test
    try:
        # registered now: the worker's clock is real, and a step older than the texts' news window
        # (notifications.constants.NEWS_WITHIN) is recorded, not texted
        ticket = make_ticket(Status.REGISTERED, at=clock.now(), caller_phone="13800001234")
    finally:
        wiring.disconnect()
    note = wait_for(lambda: Notification.objects.filter(ticket=ticket, template="accepted").first(),
                    "the worker to send the acceptance message")
    wait_for(lambda: Notification.objects.filter(pk=note.pk, status="sent").exists(), "the message to be sent")
    outbox = Path(worker.log.parent / "var" / "outbox.jsonl")
    assert ticket.number in outbox.read_text(encoding="utf-8")
    # The other follow-ups of the registration ran there too: triage and the dispatch recommendation.
    wait_for(lambda: DuplicateKey.objects.filter(ticket=ticket).exists(), "the worker's duplicate index entry")
    wait_for(lambda: UrgencyAssessment.objects.filter(ticket=ticket).exists(), "the worker's urgency assessment")
    wait_for(lambda: DispatchRecommendation.objects.filter(ticket=ticket).exists(), "the worker's recommendation")


def cpu_ticks(pid: int) -> int:
    """CPU time (user + system, in clock ticks) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_task_whose_worker_process_is_killed_is_delivered_again(worker: Worker, tmp_path: Path) -> None:
    """acks_late + reject_on_worker_lost: SIGKILL the child mid-retraining; the task runs again to the end."""
    data = write_sample(tmp_path / "train.csv", 60)
    output = tmp_path / "model"
    task_id = worker.send(tasks.retrain_classifier, data=str(data), output=str(output))
    wait_for(lambda: f"[{task_id}] received" in worker.text(), "the worker to take the retraining")
    child = wait_for(lambda: worker.children(), "the pool's child process")[0]
    started = cpu_ticks(child)
    wait_for(lambda: cpu_ticks(child) - started >= 30, "the child to be busy training")  # 0.3 s of CPU
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: "WorkerLostError" in worker.text() or "signal 9" in worker.text(), "the worker to see the loss")
    wait_for(lambda: f"[{task_id}] succeeded" in worker.text(), "the redelivered retraining to finish", timeout=300)
    assert (output / "model.json").exists()
    assert worker.text().count(f"[{task_id}] received") >= 2
