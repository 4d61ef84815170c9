"""`hotline sla-sweep`: move the traffic lights forward; run it every minute (cron, systemd timer)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.cli import moment_option
from hotline.sla.sweep import sweep


class Command(BaseCommand):
    help = "Turn SLA lights yellow/red and set the overdue flags (set-based, idempotent); prints one JSON line."

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: the moment to sweep at (default: now)."""
        parser.add_argument(
            "--at", metavar="ISO_DATETIME",
            help="sweep as if it were this moment (with an offset, e.g. 2025-10-09T10:00+08:00; default: now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run one sweep and print its counts and elapsed milliseconds as one JSON line."""
        at = moment_option("--at", options["at"])  # given empty is refused, not read as "now"
        started = time.perf_counter()
        result = sweep(at)
        elapsed_ms = (time.perf_counter() - started) * 1000
        line = result.as_dict() | {"elapsed_ms": round(elapsed_ms, 1)}
        self.stdout.write(json.dumps(line))
