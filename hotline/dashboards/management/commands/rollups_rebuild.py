"""`hotline rollups-rebuild [--since YYYY-MM-DD | --moved]`: recompute the dashboards' rollups from the orders.

`--moved` only re-counts the orders counted under a level-1 category their category no longer belongs to
(a category moved to another parent, when its branch was too big to re-count right after the move).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import day_option
from hotline.dashboards.services import RebuildRefused, rebuild, recount_moved


class Command(BaseCommand):
    help = ("Recompute the dashboards' rollups from the orders and their timelines (all of them, or only "
            "the days from --since); prints one JSON line with the counts and the elapsed time.")

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: the first day to recompute (default: everything)."""
        parser.add_argument("--since", help="recompute only days from this date (YYYY-MM-DD)")
        parser.add_argument("--moved", action="store_true",
                            help="only move the counts of orders whose category moved to another level-1 category")

    def handle(self, *args: Any, **options: Any) -> None:
        """Rebuild and report."""
        since = day_option("--since", options["since"])  # given empty is refused, not read as "everything"
        started = time.perf_counter()
        if options["moved"]:
            if since is not None:
                raise CommandError("--moved and --since cannot be combined")
            moved = recount_moved()
            self.stdout.write(json.dumps({"moved": moved.orders, "ms": round((time.perf_counter() - started) * 1000, 1)}))
            return
        try:
            result = rebuild(since=since)
        except RebuildRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(json.dumps({
            "orders": result.orders, "rows": result.rows, "since": since.isoformat() if since else None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }))
