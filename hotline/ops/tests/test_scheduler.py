"""The embedded profile's in-process scheduler: beat's jobs run as they fall due, in one process only."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import schedule

from hotline.celery import app
from hotline.ops import scheduler
from hotline.sla.choices import Light
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_the_jobs_are_the_beat_schedule(settings) -> None:  # noqa: ANN001
    jobs = scheduler.jobs()
    assert {j.name: j.task for j in jobs} == {name: e["task"] for name, e in settings.CELERY_BEAT_SCHEDULE.items()}
    sweep = next(j for j in jobs if j.name == "sla-sweep")
    assert sweep.schedule.run_every == timedelta(seconds=60)


def test_a_due_sweep_runs_and_turns_a_missed_deadline_red() -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=Cast.build())
    Ticket.objects.filter(pk=ticket.pk).update(phase_due=app.now() - timedelta(minutes=1),
                                              phase_yellow_at=app.now() - timedelta(minutes=2))
    job = scheduler.Job("sla-sweep", "hotline.tasks.sla_sweep", schedule(timedelta(seconds=60)),
                        app.now() - timedelta(seconds=61))
    wait = scheduler.run_due([job])
    assert Ticket.objects.get(pk=ticket.pk).light == Light.RED
    assert 55 <= wait <= 60 and job.last_run > app.now() - timedelta(seconds=5)
    # Not due again yet: nothing runs.
    Ticket.objects.filter(pk=ticket.pk).update(light=Light.GREEN)
    scheduler.run_due([job])
    assert Ticket.objects.get(pk=ticket.pk).light == Light.GREEN


def test_a_failing_job_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    failing = scheduler.Job("broken", "hotline.tasks.no_such_task", schedule(timedelta(seconds=10)),
                            app.now() - timedelta(seconds=11))
    purge = scheduler.Job("idempotency-purge", "hotline.tasks.purge_idempotency_records",
                          schedule(timedelta(seconds=10)), app.now() - timedelta(seconds=11))
    scheduler.run_due([failing, purge])
    assert "scheduled job broken failed" in caplog.text
    assert purge.last_run > app.now() - timedelta(seconds=5)


def test_only_one_process_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "scheduler.lock"
    with scheduler.exclusive(path) as first:
        assert first
        seen: list[bool] = []

        def other() -> None:  # flock is per open file: a second open, as another process would do
            with scheduler.exclusive(path) as second:
                seen.append(second)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen == [False]
    with scheduler.exclusive(path) as again:
        assert again


def test_nothing_starts_without_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(scheduler.ENV, raising=False)
    assert scheduler.start_if_enabled() is None


def test_serve_forever_stops_when_told(settings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.VAR_DIR = tmp_path
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.serve_forever, args=(stop,))
    thread.start()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
