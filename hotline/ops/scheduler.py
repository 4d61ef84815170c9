"""The embedded profile's scheduler: the periodic jobs Celery beat runs in production, in the web process.

`make run` serves a small centre without Redis, so there is no `celery beat`. Without this, nothing
would turn a missed deadline red, deliver a webhook, repair a lost follow-up or retrain the classifier.
`hotline serve` sets `HOTLINE_SCHEDULER=1` in that profile and the WSGI module starts one daemon thread
per web process (`start_if_enabled`). A file lock in the var directory lets exactly one of them run the
jobs; the others wait for the lock, so a killed worker's replacement takes over within a minute.

The jobs and their timing are `CELERY_BEAT_SCHEDULE` itself (the same entries, the same Celery schedule
objects); each job runs its task synchronously (`Task.apply`), and an error is logged, never raised.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

log = logging.getLogger("hotline.scheduler")

#: The environment switch `hotline serve` sets in the embedded profile.
ENV = "HOTLINE_SCHEDULER"
#: How long a process without the lock waits before trying again, and the longest sleep between checks.
RETRY_SECONDS = 60.0


@dataclass
class Job:
    """One periodic task: its beat entry's name, the task, its Celery schedule and its last run."""

    name: str
    task: str
    schedule: Any
    last_run: datetime


def jobs() -> list[Job]:
    """The beat schedule's entries as jobs, each counted as just run (beat's own start)."""
    from celery.schedules import maybe_schedule

    from hotline.celery import app

    now = app.now()
    return [Job(name, entry["task"], maybe_schedule(entry["schedule"], app=app), now)
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()]


def run_due(pending: list[Job]) -> float:
    """Run every job that is due; returns the seconds until the next one is (at most RETRY_SECONDS)."""
    from hotline.celery import app

    wait = RETRY_SECONDS
    for job in pending:
        due, next_in = job.schedule.is_due(job.last_run)
        if due:
            job.last_run = app.now()
            _run(job)
            due, next_in = job.schedule.is_due(job.last_run)
        wait = min(wait, max(0.5, float(next_in)))
    return wait


def _run(job: Job) -> None:
    import hotline.tasks.tasks  # noqa: F401 - registers the tasks (Celery discovers them lazily)
    from hotline.celery import app

    started = time.monotonic()
    try:
        result = app.tasks[job.task].apply(throw=True)
        log.info("scheduled job %s done in %.1f s: %s", job.name, time.monotonic() - started, result.result)
    except Exception:
        log.exception("scheduled job %s failed", job.name)


@contextmanager
def exclusive(path: Path) -> Iterator[bool]:
    """Hold an exclusive, non-blocking lock on `path` for the block; yields whether it was obtained."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_path() -> Path:
    return Path(settings.VAR_DIR) / "scheduler.lock"


def serve_forever(stop: threading.Event | None = None) -> None:
    """Wait for the lock, then run the jobs as they fall due, until `stop` is set (never, in a web process)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        with exclusive(lock_path()) as held:
            if held:
                log.info("scheduler running in process %s", os.getpid())
                pending = jobs()
                while not stop.is_set():
                    wait = run_due(pending)
                    close_old_connections()  # this thread's connection, as after a request
                    stop.wait(wait)
                connection.close()
                return
        stop.wait(RETRY_SECONDS)


def start_if_enabled() -> threading.Thread | None:
    """Start the scheduler thread when `hotline serve` asked for it (the embedded profile)."""
    if os.environ.get(ENV) != "1":
        return None
    thread = threading.Thread(target=serve_forever, name="hotline-scheduler", daemon=True)
    thread.start()
    return thread
