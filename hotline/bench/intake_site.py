"""A scratch hotline centre for the intake benchmarks: database, reference data, an API key, a gunicorn.

`HotlineSite` creates (on a scratch PostgreSQL cluster of its own, a scratch database on a PostgreSQL
server you name, or — only when asked — a scratch SQLite file) a migrated database with the demo
centre's reference data (`hotline demo --orders 1`: taxonomy, units, accounts, SLA policies from the
migration), an API key with the `create`, `read` and `phone` scopes (a call-centre system's: its answers show
the caller's number back and record the view), and a gunicorn serving it on loopback.
With `followups="worker"` (the production arrangement) it also starts a scratch Redis and a Celery
worker, and gunicorn queues the follow-up of every committed step there (bench/followups.py); with
`"inline"` the follow-up runs inside each request, as in the embedded profile.
Everything it made is removed by `close()`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hotline.bench.followups import MISSING_FOLLOW_UP_SQL, FollowUpWorker, ScratchRedis
from hotline.bench.intake_env import (
    EnvironmentMissing,
    ScratchPostgres,
    Server,
    hotline_command,
    hotline_env,
)


class HotlineSite:
    """The platform on a scratch database, served by gunicorn."""

    def __init__(self, *, database: str = "postgres", server_url: str = "", workers: int = 4, threads: int = 1,
                 followups: str = "inline", log: Any = print) -> None:
        if database not in ("postgres", "sqlite"):
            raise ValueError("database is 'postgres' or 'sqlite'")
        if followups not in ("inline", "worker"):
            raise ValueError("followups is 'inline' or 'worker'")
        self.followups = followups
        self.redis: ScratchRedis | None = None
        self.worker: FollowUpWorker | None = None
        self.database, self.server_url = database, server_url
        self.workers, self.threads = workers, threads
        self.log = log
        self.var = Path(tempfile.mkdtemp(prefix="hotline-bench-intake-"))
        self.pg: ScratchPostgres | None = None
        self.url = ""
        self._drop_db: str = ""
        self.server: Server | None = None
        self.key = ""
        self.setup_seconds: dict[str, float] = {}

    # --- database ---------------------------------------------------------------------------------
    def _database(self) -> None:
        if self.database == "sqlite":
            self.url = f"sqlite:///{self.var / 'bench.sqlite3'}"
            return
        name = f"hotline_bench_{os.getpid()}"
        if self.server_url:
            import psycopg

            parts = urlsplit(self.server_url)
            with psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self._drop_db = name
            self.url = parts._replace(path=f"/{name}", query="").geturl()
            return
        self.pg = ScratchPostgres(prefix="hotline-bench-pg-").init()
        self.url = self.pg.create_database(name)

    def env(self, **extra: str) -> dict[str, str]:
        return hotline_env(self.url, self.var, **extra)

    def open(self) -> HotlineSite:
        """Database, migrations, reference data, API key, server."""
        started = time.perf_counter()
        self._database()
        self.setup_seconds["database"] = time.perf_counter() - started
        for label, args in (("migrate", ["migrate", "--noinput"]), ("seed", ["demo", "--orders", "1"])):
            started = time.perf_counter()
            hotline_command(args, self.env())
            self.setup_seconds[label] = time.perf_counter() - started
        out = hotline_command(["apikey", "create", "bench-intake", "--scope", "create", "--scope", "read",
                               "--scope", "phone"], self.env())
        self.key = out.strip().splitlines()[-1].strip()
        if not self.key.startswith("hk_"):
            raise RuntimeError(f"apikey create printed no key: {out[-500:]}")
        started = time.perf_counter()
        env = self.env()
        if self.followups == "worker":
            self.redis = ScratchRedis().start()
            env = self.env(HOTLINE_REDIS_URL=self.redis.url, HOTLINE_CELERY_EAGER="0")
            self.worker = FollowUpWorker(env, concurrency=os.cpu_count() or 1, log=self.var / "worker.log").start()
        self.server = Server(env, workers=self.workers, threads=self.threads,
                             log=self.var / "gunicorn.log").start()
        self.setup_seconds["server"] = time.perf_counter() - started
        return self

    def queued_messages(self) -> int:
        """Follow-up messages (each: the steps one request committed) waiting in Redis for the worker (0 inline)."""
        from django.conf import settings

        return self.redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) if self.redis else 0

    def missing_follow_ups(self) -> int:
        """Orders without their duplicate-index entry, urgency assessment or dispatch recommendation."""
        return int(self.query(MISSING_FOLLOW_UP_SQL)[0])

    def numbers(self) -> set[str]:
        """Every order number in the database now."""
        return set(self.query("SELECT number FROM tickets_ticket"))

    def query(self, sql: str) -> list[Any]:
        """The first column of every row of `sql` on the scratch database."""
        if self.database == "sqlite":
            with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as conn:
                return [row[0] for row in conn.execute(sql)]
        import psycopg

        with psycopg.connect(self.url) as conn:
            return [row[0] for row in conn.execute(sql)]  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop the server and remove the database and the scratch directory."""
        if self.server is not None:
            self.server.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None:
            self.pg.cleanup()
        if self._drop_db:
            import psycopg

            with contextlib.suppress(Exception), psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._drop_db}" WITH (FORCE)')
        shutil.rmtree(self.var, ignore_errors=True)

    def __enter__(self) -> HotlineSite:
        try:
            return self.open()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()


def postgres_available() -> str:
    """Why PostgreSQL cannot be used here ("" when it can)."""
    try:
        from hotline.bench.intake_env import pg_bin

        pg_bin()
    except EnvironmentMissing as exc:
        return str(exc)
    return ""
