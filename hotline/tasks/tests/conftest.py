"""A real Celery worker for the tests that need one (`celery -A hotline worker` as a subprocess).

It needs Redis (HOTLINE_REDIS_URL; the PostgreSQL + Redis run of `make test` sets it) and is skipped
otherwise. The worker reads and writes the test database, so the tests using it commit their data
(`transactional_db`). Each worker listens on a queue of its own (and on the default queue, where the code
under test sends its own tasks); both are emptied when it stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from hotline.celery import app

#: Longest wait for the worker to start or for a task's effect (seconds); a deadline, not a pace.
DEADLINE = 90.0


def database_url() -> str:
    """The test database as a HOTLINE_DATABASE_URL the worker can use."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or ''}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> object:
    """Poll `condition` until it is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@dataclass
class Worker:
    """A running worker: its process, the queue it consumes and its log file."""

    process: subprocess.Popen
    queue: str
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        """The pool's child processes (the ones that run the tasks)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def send(self, task: object, *args: object, **kwargs: object) -> str:
        """Queue `task` for this worker; returns the task id."""
        return task.apply_async(args=args, kwargs=kwargs, queue=self.queue).id  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The broker of the tests, or skip when there is none."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis: set HOTLINE_REDIS_URL (make test runs these with PostgreSQL and Redis)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"HOTLINE_REDIS_URL={url} is set but Redis does not answer: {exc}")
    return url


@pytest.fixture
def not_eager() -> Iterator[None]:
    """Send tasks to the broker even when the suite runs them inline (HOTLINE_CELERY_EAGER=1)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def worker(redis_url: str, transactional_db: None, not_eager: None, tmp_path: Path) -> Iterator[Worker]:
    """Start `celery -A hotline worker` (prefork, one child) on a queue of its own; stop it afterwards."""
    queue = f"hotline-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_PROFILE": "dev",
        "HOTLINE_DATABASE_URL": database_url(),
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_CELERY_EAGER": "0",
        "HOTLINE_CELERY_QUEUE": queue,
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),  # the worker's outbox and beat files stay out of var/
        "HOTLINE_NOTIFIER": "hotline.notifications.backends.FileNotifier",
        "HOTLINE_LOG_LEVEL": "INFO",  # "Task … received / succeeded" lines, which the tests read
        "HOTLINE_LOG_FORMAT": "text",
        "HOTLINE_WEBHOOKS_ALLOW_PRIVATE": "1",  # the tests' receivers listen on 127.0.0.1
    }
    # Its own queue for `Worker.send`, and the default queue for what the code under test queues itself.
    queues = f"{queue},{app.conf.task_default_queue}"
    command = [sys.executable, "-m", "celery", "-A", "hotline", "worker", "--queues", queues, "--concurrency", "1",
               "--pool", "prefork", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel", "INFO", "--hostname", f"{queue}@%h"]
    output = log.open("wb")
    process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,  # noqa: S603
                               cwd=settings.BASE_DIR)
    running = Worker(process=process, queue=queue, log=log)
    try:
        wait_for(lambda: process.poll() is not None or (log.exists() and " ready." in running.text()),
                 "the worker to start")
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{running.text() if log.exists() else ''}")
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()
        import redis

        redis.Redis.from_url(redis_url).delete(queue, app.conf.task_default_queue)
