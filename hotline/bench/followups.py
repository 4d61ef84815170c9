"""The background half of the intake benchmarks: a scratch Redis and a real Celery worker.

In the production profile a request that registers an order writes the order, its timeline and its
deadlines and answers; the follow-up of each committed step (triage: urgency and the duplicate check;
the dispatch recommendation with the classifier; rollups; the caller's SMS; webhooks) is queued in
Redis and run by `celery -A hotline worker` (hotline/tasks/wiring.py). The intake benchmark measures
that configuration, so it needs both:

- `ScratchRedis`: `redis-server` on a free loopback port, nothing saved, stopped and deleted afterwards.
- `FollowUpWorker`: the worker as a child process (its own log; `nice` so that it yields the CPU to the
  web workers while the clients run — a centre runs its workers on other machines); its CPU time, and
  `wait_drained`, which waits until the queue is empty and every order has its follow-up in the database.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from hotline.bench.intake_env import (
    LOOPBACK,
    ROOT,
    EnvironmentMissing,
    free_port,
    stop_group,
    tree_cpu_seconds,
    wait_for_port,
)

#: Orders whose follow-up is missing: no duplicate-index entry, no urgency assessment or no recommendation.
#: Imported historical orders (the demo seed's archive of last year, `hotline import`) are never followed up.
MISSING_FOLLOW_UP_SQL = """
SELECT COUNT(*) FROM tickets_ticket t
WHERE NOT EXISTS (SELECT 1 FROM dataio_importedrecord i WHERE i.ticket_id = t.id)
  AND (NOT EXISTS (SELECT 1 FROM triage_duplicatekey d WHERE d.ticket_id = t.id)
       OR NOT EXISTS (SELECT 1 FROM triage_urgencyassessment u WHERE u.ticket_id = t.id)
       OR NOT EXISTS (SELECT 1 FROM routing_dispatchrecommendation r WHERE r.ticket_id = t.id))
"""


class ScratchRedis:
    """A throw-away `redis-server` on 127.0.0.1:<free port> (no persistence)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise EnvironmentMissing("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="hotline-bench-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> ScratchRedis:
        cmd = [self.binary, "--port", str(self.port), "--bind", LOOPBACK, "--dir", str(self.root),
               "--save", "", "--appendonly", "no", "--logfile", str(self.root / "redis.log")]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,  # noqa: S603
                                        start_new_session=True)
        wait_for_port(self.port, 30, process=self.process)
        return self

    def queue_length(self, queue: str) -> int:
        """Messages waiting in `queue` (not counting the one a worker holds unacknowledged)."""
        import redis

        return int(redis.Redis.from_url(self.url).llen(queue))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            if self.process.poll() is None:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


class FollowUpWorker:
    """`celery -A hotline worker` on the scratch centre, running the follow-up of every committed step."""

    def __init__(self, env: Mapping[str, str], *, concurrency: int = 1, niceness: int = 10,
                 log: Path | None = None) -> None:
        self.env = dict(env)
        self.concurrency, self.niceness = concurrency, niceness
        self.log = log
        self.process: subprocess.Popen | None = None
        self._log_file: object = None

    def start(self) -> FollowUpWorker:
        cmd = [sys.executable, "-m", "celery", "-A", "hotline", "worker", "--concurrency", str(self.concurrency),
               "--pool", "prefork", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel", "WARNING"]
        if self.niceness and shutil.which("nice"):
            cmd = ["nice", "-n", str(self.niceness), *cmd]
        self._log_file = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self._log_file,  # noqa: S603
                                        stderr=subprocess.STDOUT, start_new_session=True)
        # With the kernel's autogroup scheduling a new session is a scheduling group of its own, in which
        # `nice` alone changes nothing against gunicorn's group: lower the group's weight as well.
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.process.pid}/autogroup").write_text(str(self.niceness))
        return self

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the worker and its pool processes."""
        return tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def wait_drained(self, missing: Callable[[], int], queued: Callable[[], int], *,
                     timeout: float = 900.0) -> float:
        """Seconds until nothing is queued and `missing()` is 0; raises TimeoutError after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.process.returncode}")
            if queued() == 0 and missing() == 0:
                return time.monotonic() - started
            time.sleep(0.5)
        raise TimeoutError(f"after {timeout:.0f} s {missing()} orders still lack their follow-up, "
                           f"{queued()} messages queued")

    def stop(self) -> None:
        if self.process is None:
            return
        stop_group(self.process, grace=20)  # a warm shutdown lets the running task finish
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()  # type: ignore[attr-defined]
        self.process = None
