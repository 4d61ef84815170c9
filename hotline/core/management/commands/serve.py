"""`hotline serve`: collect static files, then replace this process with gunicorn on the loopback interface."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.scheduler import ENV as SCHEDULER_ENV

#: The WSGI application gunicorn serves.
WSGI_APP = "hotline.wsgi:application"


def embedded_profile() -> bool:
    """No Redis: one small centre on SQLite, tasks inline, no Celery worker or beat."""
    return not settings.REDIS_URL


def _default_port() -> int:
    """$HOTLINE_PORT, else 8000."""
    try:
        return int(os.environ.get("HOTLINE_PORT", "8000"))
    except ValueError as exc:
        raise CommandError(f"HOTLINE_PORT is not a port number: {os.environ['HOTLINE_PORT']!r}") from exc


def gunicorn_executable() -> str:
    """The gunicorn of this environment (next to the running Python), else the one on PATH."""
    local = Path(sys.executable).parent / "gunicorn"
    if local.exists():
        return str(local)
    found = shutil.which("gunicorn")
    if found is None:
        raise CommandError("gunicorn is not installed in this environment (pip install gunicorn)")
    return found


class Command(BaseCommand):
    help = "Serve the platform with gunicorn on 127.0.0.1:$HOTLINE_PORT (default 8000) after collectstatic."

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: host (loopback by default), port, worker count."""
        parser.add_argument("--host", default="127.0.0.1",
                            help="interface to bind (default 127.0.0.1; put a reverse proxy in front otherwise)")
        parser.add_argument("--port", type=int, default=None, help="port (default $HOTLINE_PORT or 8000)")
        parser.add_argument("--workers", type=int, default=None,
                            help="gunicorn worker processes (default: 1 in the embedded profile, 2 with Redis)")
        parser.add_argument("--threads", type=int, default=None,
                            help="threads per worker (default: 8 in the embedded profile, 1 with Redis)")
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collectstatic")

    def handle(self, *args: Any, **options: Any) -> None:
        """Collect static files quietly into STATIC_ROOT, then exec gunicorn (signals reach it directly)."""
        port = options["port"] if options["port"] is not None else _default_port()
        if not 0 < port < 65536:
            raise CommandError(f"invalid port: {port}")
        embedded = embedded_profile()
        workers = options["workers"] if options["workers"] is not None else (1 if embedded else 2)
        threads = options["threads"] if options["threads"] is not None else (8 if embedded else 1)
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if embedded and workers > 1:
            self.stderr.write("note: without Redis each worker process keeps its own one-time submission tokens "
                              "and rate-limit counts; prefer one worker with --threads (docs/operations.md)")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = self.gunicorn_argv(host=options["host"], port=port, workers=workers, threads=threads)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE or "hotline.settings")
        if embedded:  # no Celery beat here: the periodic jobs run in the web process (hotline/ops/scheduler.py)
            os.environ[SCHEDULER_ENV] = "1"
        self.stdout.write(f"Serving on http://{options['host']}:{port}/ ({workers} workers × {threads} threads"
                          + (", periodic jobs in-process" if embedded else "") + ")")
        self.stdout.flush()
        sys.stderr.flush()
        os.execvp(argv[0], argv)  # noqa: S606 - a fixed executable and argument list, no shell

    @staticmethod
    def gunicorn_argv(*, host: str, port: int, workers: int, threads: int = 1) -> list[str]:
        """The gunicorn command line (threaded workers when `threads` > 1)."""
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        argv = [gunicorn_executable(), WSGI_APP, "--bind", bind, "--workers", str(workers), "--access-logfile", "-"]
        if threads > 1:
            argv += ["--worker-class", "gthread", "--threads", str(threads)]
        return argv
