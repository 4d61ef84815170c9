"""`hotline rollups-rebuild [--since YYYY-MM-DD]`: recompute the dashboards' rollups from the orders."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import day_option
from hotline.dashboards.services import RebuildRefused, rebuild


class Command(BaseCommand):
    help = ("Recompute the dashboards' rollups from the orders and their timelines (all of them, or only "
            "the days from --since); prints one JSON line with the counts and the elapsed time.")

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: the first day to recompute (default: everything)."""
        parser.add_argument("--since", help="recompute only days from this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Rebuild and report."""
        since = day_option("--since", options["since"])  # given empty is refused, not read as "everything"
        started = time.perf_counter()
        try:
            result = rebuild(since=since)
        except RebuildRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(json.dumps({
            "orders": result.orders, "rows": result.rows, "since": since.isoformat() if since else None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }))
