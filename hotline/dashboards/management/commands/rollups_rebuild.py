"""`hotline rollups-rebuild [--since YYYY-MM-DD]`: recompute the dashboards' rollups from the orders."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.dashboards.services import rebuild


class Command(BaseCommand):
    help = ("Recompute the dashboards' rollups from the orders and their timelines (all of them, or only "
            "the days from --since); prints one JSON line with the counts and the elapsed time.")

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: the first day to recompute (default: everything)."""
        parser.add_argument("--since", help="recompute only days from this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Rebuild and report."""
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"--since must be a date like 2025-10-01, not {options['since']!r}") from exc
        started = time.perf_counter()
        result = rebuild(since=since)
        self.stdout.write(json.dumps({
            "orders": result.orders, "rows": result.rows, "since": since.isoformat() if since else None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }))
