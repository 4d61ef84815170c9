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

#: The WSGI application gunicorn serves.
WSGI_APP = "hotline.wsgi:application"


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
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collectstatic")

    def handle(self, *args: Any, **options: Any) -> None:
        """Collect static files quietly into STATIC_ROOT, then exec gunicorn (signals reach it directly)."""
        port = options["port"] if options["port"] is not None else _default_port()
        if not 0 < port < 65536:
            raise CommandError(f"invalid port: {port}")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = self.gunicorn_argv(host=options["host"], port=port, workers=options["workers"])
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE or "hotline.settings")
        self.stdout.write(f"Serving on http://{options['host']}:{port}/ ({options['workers']} workers)")
        self.stdout.flush()
        sys.stderr.flush()
        os.execvp(argv[0], argv)  # noqa: S606 - a fixed executable and argument list, no shell

    @staticmethod
    def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
        """The gunicorn command line."""
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return [gunicorn_executable(), WSGI_APP, "--bind", bind, "--workers", str(workers),
                "--access-logfile", "-"]
