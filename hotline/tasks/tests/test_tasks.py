"""The tasks run inline here (eagerly, as in the embedded profile): effects, idempotency, wiring."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from hotline import celery_app
from hotline.core import clock
from hotline.dataio.models import ImportedRecord, ImportRun
from hotline.intelligence.text import read_messages
from hotline.intelligence.workflow import DEFAULT_DATA, load_model
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.models import Notification
from hotline.sla.choices import Light
from hotline.tasks import tasks, wiring
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db
EXAMPLES = Path(tasks.__file__).resolve().parents[1] / "dataio" / "examples"


@pytest.fixture(autouse=True)
def _eager() -> None:
    """These tests run tasks inline whatever the environment says (the worker tests are in test_worker.py)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_the_configuration_is_the_reliable_one() -> None:
    """Late acknowledgement, requeue on a lost worker, one message at a time, JSON only."""
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    schedule = conf.beat_schedule
    assert schedule["sla-sweep"]["schedule"] == 60.0 and schedule["sla-sweep"]["task"] == tasks.sla_sweep.name
    assert schedule["webhooks-deliver"]["task"] == tasks.deliver_due_webhooks.name
    nightly = schedule["retrain-classifier"]["schedule"]
    assert nightly.hour == {2} and nightly.minute == {30}
    for task in (tasks.sla_sweep, tasks.after_steps, tasks.after_step, tasks.notify_step, tasks.deliver_webhook,
                 tasks.run_import, tasks.retrain_classifier, tasks.repair_follow_ups):
        assert task.name in celery_app.tasks
        assert task.max_retries == 5 and task.autoretry_for == tasks.TRANSIENT


def test_the_sweep_task_turns_due_orders_red_once(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.DISPATCHED)
    later = (ticket.phase_due + timedelta(minutes=1)).isoformat()
    first = tasks.sla_sweep.delay(at=later).get()
    assert first["tickets_red"] == 1 and first["assignments_red"] == 1
    ticket.refresh_from_db()
    assert ticket.light == Light.RED and ticket.close_overdue
    assert sum(tasks.sla_sweep.delay(at=later).get().values()) == 0  # a redelivered sweep changes nothing


def test_notify_step_sends_each_milestone_once(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")
    event = ticket.timeline.get(action=Action.REGISTER)
    Notification.objects.all().delete()
    MemoryNotifier.sent.clear()
    args = (ticket.pk, event.pk, Action.REGISTER, "", Status.REGISTERED)
    ids = tasks.notify_step.delay(*args).get()
    assert len(ids) == 1 and Notification.objects.get(pk=ids[0]).template == "accepted"
    assert tasks.notify_step.delay(*args).get() == []  # delivered twice: still one message
    assert len(MemoryNotifier.sent) == 1 and MemoryNotifier.sent[0].to == "13800001234"


def test_with_a_broker_every_step_is_queued_and_followed_up_by_after_steps(
        frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """Outside a batch the installed deliverer queues `after_steps` (run inline here) once per committed step."""
    from hotline.tickets.signals import current_deliverer

    queued: list[list[dict]] = []
    original = tasks.after_steps.apply_async
    try:
        assert wiring.connect(force=True)
        assert current_deliverer() is wiring.enqueue_step
        tasks.after_steps.apply_async = lambda args, **kw: (queued.append(args[0]), original(args, **kw))[1]
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(Status.DISPATCHED, caller_phone="13800001234")
    finally:
        tasks.after_steps.apply_async = original
        wiring.disconnect()
    assert [[p["action"] for p in steps] for steps in queued] == [[Action.REGISTER], [Action.SEND_TO_DISPATCH],
                                                                  [Action.DISPATCH]]
    assert all(steps[0]["ticket_id"] == ticket.pk for steps in queued)
    assert set(Notification.objects.filter(ticket=ticket).values_list("template", flat=True)) == \
        {"accepted", "dispatched"}
    assert current_deliverer() is None


def test_a_batch_queues_its_committed_steps_as_one_message_when_it_ends(
        frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """Inside `steps_batched()` (each web request) the steps leave together, in order, only when the block ends;
    a step rolled back inside the block is not among them."""
    from django.db import transaction

    queued: list[list[dict]] = []
    original = tasks.after_steps.apply_async
    try:
        wiring.connect(force=True)
        tasks.after_steps.apply_async = lambda args, **kw: (queued.append(args[0]), original(args, **kw))[1]
        with wiring.steps_batched():
            with django_capture_on_commit_callbacks(execute=True):
                ticket = make_ticket(Status.DISPATCHED, caller_phone="13800001234")
                with pytest.raises(RuntimeError), transaction.atomic():
                    make_ticket(Status.REGISTERED, caller_phone="13800005678")
                    raise RuntimeError("rolled back with its step")
            assert queued == []  # nothing leaves before the block ends
    finally:
        tasks.after_steps.apply_async = original
        wiring.disconnect()
    assert [[p["action"] for p in steps] for steps in queued] == [
        [Action.REGISTER, Action.SEND_TO_DISPATCH, Action.DISPATCH]]
    assert set(Notification.objects.filter(ticket=ticket).values_list("template", flat=True)) == \
        {"accepted", "dispatched"}


def test_a_long_batch_leaves_in_messages_of_at_most_batch_max_steps(monkeypatch) -> None:  # noqa: ANN001
    """A bulk action taking many steps in one request: several short messages, every step once, in order."""
    monkeypatch.setattr(wiring, "BATCH_MAX", 3)
    queued: list[list[dict]] = []
    monkeypatch.setattr(wiring, "queue_steps", lambda steps: queued.append(steps))
    with wiring.steps_batched():
        for n in range(7):
            wiring.enqueue_step({"ticket_id": n, "event_id": n, "action": "dispatch"})
        assert [len(steps) for steps in queued] == [3, 3]
    assert [len(steps) for steps in queued] == [3, 3, 1]
    assert [p["event_id"] for steps in queued for p in steps] == list(range(7))
    assert wiring.describe(queued[0]) == "[3 steps: tickets 0, 1, 2 dispatch]"
    assert wiring.describe([{"ticket_id": 42, "action": "register"}, {"ticket_id": 42, "action": "send_to_dispatch"}]) \
        == "[2 steps: ticket 42 register, send_to_dispatch]"


@pytest.mark.django_db(transaction=True)  # the steps commit for real, inside the request
def test_an_api_request_queues_one_message_for_all_its_steps(frozen_now) -> None:  # noqa: ANN001
    """Creating an order that goes straight to dispatch is two steps and one message, queued with the response."""
    from django.test import Client

    from hotline.api.keys import create_key

    _, raw = create_key("批量", ["create", "read"])
    body = {"request_type": "help", "caller_phone": "13800001234", "description": "楼道灯坏了一个月",
            "decision": "dispatch"}
    from hotline.tasks import publish

    queued: list[list[dict]] = []
    original, shortcut, eager = tasks.after_steps.apply_async, publish.publish, celery_app.conf.task_always_eager
    try:
        wiring.connect(force=True)
        celery_app.conf.task_always_eager = False  # as with a broker (nothing reaches one: both ways are replaced)
        tasks.after_steps.apply_async = lambda args, **kw: queued.append(args[0])
        publish.publish = lambda task, args, **kw: queued.append(args[0]) or True
        response = Client().post("/api/v1/orders", body, content_type="application/json",
                                 headers={"Authorization": f"Bearer {raw}"})
    finally:
        tasks.after_steps.apply_async, publish.publish, celery_app.conf.task_always_eager = original, shortcut, eager
        wiring.disconnect()
    assert response.status_code == 201, response.content
    assert [[p["action"] for p in steps] for steps in queued] == [[Action.REGISTER, Action.SEND_TO_DISPATCH]]


def test_a_broker_that_refuses_the_message_leaves_the_follow_up_to_the_request(
        frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """Redis down: the step has committed, so its receivers run inline rather than being lost."""
    original = tasks.after_steps.apply_async

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker down")

    try:
        wiring.connect(force=True)
        tasks.after_steps.apply_async = refuse
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")
    finally:
        tasks.after_steps.apply_async = original
        wiring.disconnect()
    assert Notification.objects.filter(ticket=ticket, template="accepted").exists()


def test_after_step_run_twice_sends_the_message_once(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")
    event = ticket.timeline.get(action=Action.REGISTER)
    Notification.objects.all().delete()
    payload = {"ticket_id": ticket.pk, "event_id": event.pk, "action": Action.REGISTER, "from_status": "",
               "to_status": Status.REGISTERED}
    tasks.after_step.delay(**payload).get()
    tasks.after_step.delay(**payload).get()  # redelivered (acks_late): nothing new
    assert list(Notification.objects.filter(ticket=ticket).values_list("template", flat=True)) == ["accepted"]


def test_deliver_webhook_sends_a_due_delivery_once(settings) -> None:
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="区平台", url=endpoint.url)
        delivery = Delivery.objects.create(subscription=subscription, event_id="ev-1", event_type="order.created",
                                           payload={"number": "1"}, created_at=clock.now(),
                                           next_attempt_at=clock.now())
        assert tasks.deliver_webhook.delay(delivery.pk).get() is True
        assert tasks.deliver_webhook.delay(delivery.pk).get() is False  # delivered: never sent again
        assert len(endpoint.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_deliver_webhook_leaves_a_delivery_that_is_not_due_yet() -> None:
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="区平台", url=endpoint.url)
        delivery = Delivery.objects.create(subscription=subscription, event_id="ev-2", event_type="order.created",
                                           payload={}, created_at=clock.now(),
                                           next_attempt_at=clock.now() + timedelta(minutes=5))
        assert tasks.deliver_webhook.delay(delivery.pk).get() is False
        assert tasks.deliver_webhook.delay(10**9).get() is False  # an unknown id is no error
        assert tasks.deliver_due_webhooks.delay().get() == 0
        assert endpoint.received == []


def test_deliver_due_webhooks_sends_what_is_due(settings) -> None:
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    with receiver([(500, b"down"), (200, b"ok")]) as endpoint:
        subscription = Subscription.objects.create(name="区平台", url=endpoint.url)
        for n in range(2):
            Delivery.objects.create(subscription=subscription, event_id=f"ev-{n}", event_type="order.created",
                                    payload={"n": n}, created_at=clock.now(), next_attempt_at=clock.now())
        assert tasks.deliver_due_webhooks.delay().get() == 2
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.DELIVERED, DeliveryStatus.PENDING]  # the failed one waits for its retry


def test_run_import_twice_imports_each_record_once(tmp_path: Path) -> None:
    source = tmp_path / "riverside.csv"
    source.write_bytes((EXAMPLES / "riverside.csv").read_bytes())
    mapping = str(EXAMPLES / "riverside.json")
    first = tasks.run_import.delay(str(source), "mapped", mapping=mapping).get()
    imported = ImportedRecord.objects.count()
    assert imported >= 1 and first["summary"].startswith(f"imported={imported} ")
    assert ImportRun.objects.get(pk=first["run_id"]).imported == imported
    second = tasks.run_import.delay(str(source), "mapped", mapping=mapping).get()
    assert second["summary"].startswith("imported=0 ") and ImportedRecord.objects.count() == imported
    assert Ticket.objects.count() == imported


def test_run_import_of_a_missing_file_fails_without_importing(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        tasks.run_import.delay(str(tmp_path / "nope.csv"), "nyc").get()
    assert not ImportRun.objects.exists()


def write_sample(path: Path, per_class: int) -> Path:
    """A labelled CSV with `per_class` shipped messages of every class."""
    messages = read_messages(DEFAULT_DATA)
    taken: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        for text, label in zip(messages.texts, messages.labels, strict=True):
            if taken.get(label, 0) < per_class:
                taken[label] = taken.get(label, 0) + 1
                writer.writerow(["", text, label])
    return path


def test_retrain_installs_a_loadable_model_and_keeps_the_previous_one(tmp_path: Path) -> None:
    data = write_sample(tmp_path / "train.csv", 30)
    result = tasks.retrain_classifier.delay(data=str(data), output=str(tmp_path / "model")).get()
    assert result["skipped"] is False and result["classes"] >= 2 and 0 < result["cv_macro_f1"] <= 1
    assert result["version"].startswith("csv-") and result["previous"] == ""
    assert len(load_model(tmp_path / "model").classes) == result["classes"]
    again = tasks.retrain_classifier.delay(data=str(data), output=str(tmp_path / "model")).get()
    assert again["previous"] == str((tmp_path / "model.previous").resolve())
    assert load_model(tmp_path / "model.previous").metadata["version"] == result["version"]
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name]  # no half-built directory left behind


def test_notify_step_of_an_unknown_event_sends_nothing() -> None:
    assert tasks.notify_step.delay(10**9, 10**9, Action.REGISTER, "", Status.REGISTERED).get() == []


def test_an_order_whose_follow_up_never_ran_is_followed_up_by_the_repair(
        traveller, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """The web process died between commit and queueing: ten minutes later the repair triages the order."""
    from datetime import timedelta

    from hotline.routing.models import DispatchRecommendation
    from hotline.tasks import repair
    from hotline.tickets.models import FollowUpReceipt
    from hotline.tickets.signals import set_deliverer
    from hotline.triage.models import DuplicateKey, UrgencyAssessment

    previous = set_deliverer(lambda payload: None)  # every follow-up is lost
    try:
        with django_capture_on_commit_callbacks(execute=True):
            lost = make_ticket(Status.PENDING_DISPATCH, caller_phone="13800001234")
    finally:
        set_deliverer(previous)
    with django_capture_on_commit_callbacks(execute=True):
        followed = make_ticket(Status.REGISTERED, caller_phone="13800005678")  # its follow-up ran
    assert not DuplicateKey.objects.filter(ticket=lost).exists()
    assert FollowUpReceipt.objects.filter(event_id__in=followed.timeline.values("pk")).count() == 1
    assert tasks.repair_follow_ups.delay().get() == 0  # too recent: it may still be in the queue

    traveller.shift(repair.SETTLE + timedelta(minutes=1))
    missed = repair.steps_missing_follow_up(clock.now())
    assert [(m["ticket_id"], m["action"]) for m in missed] == [(lost.pk, Action.REGISTER),
                                                               (lost.pk, Action.SEND_TO_DISPATCH)]
    assert tasks.repair_follow_ups.delay().get() == 2
    assert DuplicateKey.objects.filter(ticket=lost).exists() and UrgencyAssessment.objects.filter(ticket=lost).exists()
    assert DispatchRecommendation.objects.filter(ticket=lost).count() == 1
    assert Notification.objects.filter(ticket=lost, template="accepted").count() == 1
    assert Notification.objects.filter(ticket=followed, template="accepted").count() == 1
    assert tasks.repair_follow_ups.delay().get() == 0  # done: nothing left, nothing sent twice
    assert Notification.objects.filter(ticket=lost, template="accepted").count() == 1

    traveller.shift(2 * repair.WINDOW + timedelta(minutes=1))  # receipts no step can need any more go
    assert FollowUpReceipt.objects.exists() and tasks.repair_follow_ups.delay().get() == 0
    assert not FollowUpReceipt.objects.exists()


def test_a_later_step_whose_follow_up_was_lost_is_delivered_again_alone(
        traveller, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """An order triaged long ago is dispatched; that step's message dies with the broker: its SMS still goes out."""
    from datetime import timedelta

    from hotline.tasks import repair
    from hotline.tickets.signals import set_deliverer

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, caller_phone="13800001234")
    traveller.shift(timedelta(hours=1))
    previous = set_deliverer(lambda payload: None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch(ticket, actor=ticket.cast.dispatcher, lead=ticket.cast.lead)
    finally:
        set_deliverer(previous)
    assert not Notification.objects.filter(ticket=ticket, template="dispatched").exists()

    traveller.shift(repair.SETTLE + timedelta(minutes=1))
    assert [m["action"] for m in repair.steps_missing_follow_up(clock.now())] == [Action.DISPATCH]
    assert tasks.repair_follow_ups.delay().get() == 1
    assert Notification.objects.filter(ticket=ticket, template="dispatched").count() == 1
    assert Notification.objects.filter(ticket=ticket, template="accepted").count() == 1  # not sent again
    assert tasks.repair_follow_ups.delay().get() == 0


def test_imported_history_is_never_followed_up(traveller, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """Orders imported from the old system carry their own past: no SMS, no webhook, however recent."""
    from datetime import timedelta

    from hotline.tasks import repair
    from hotline.tickets.models import TimelineEvent

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.REGISTERED)
    TimelineEvent.objects.create(ticket=ticket, seq=ticket.version + 1, at=clock.now(), actor_label="导入",
                                 action=Action.SEND_TO_DISPATCH, from_status=Status.REGISTERED,
                                 to_status=Status.PENDING_DISPATCH, data={"imported": "legacy.csv"})
    traveller.shift(repair.SETTLE + timedelta(minutes=1))
    assert repair.steps_missing_follow_up(clock.now()) == []


def test_the_upgrade_counts_the_recent_steps_before_receipts_as_followed_up(frozen_now) -> None:  # noqa: ANN001
    """Without it the first repair after the upgrade would deliver two days of steps again (harmless, but work)."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from hotline.tickets.models import FollowUpReceipt

    upgrade = importlib.import_module("hotline.tickets.migrations.0005_follow_up_receipts")
    old = make_ticket(Status.REGISTERED, at=clock.now() - timedelta(days=5))  # on-commit follow-ups not run here
    recent = make_ticket(Status.PENDING_DISPATCH)
    assert not FollowUpReceipt.objects.exists()
    upgrade.receipt_the_steps_before_receipts(apps, SimpleNamespace(connection=connection))
    received = set(FollowUpReceipt.objects.values_list("event_id", flat=True))
    assert received == set(recent.timeline.values_list("pk", flat=True)) and len(received) == 2
    assert not received & set(old.timeline.values_list("pk", flat=True))
