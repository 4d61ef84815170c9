"""`hotline triage-index`: put imported orders (history, never triaged) into the duplicate index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core import clock
from hotline.triage.services import history_window, index_history


class Command(BaseCommand):
    help = ("Index the imported orders missing from the duplicate index, so new orders find them as repeats and "
            "cluster members; no links or alerts are made for history. Live orders are left to their triage.")

    def add_arguments(self, parser: CommandParser) -> None:
        """How far back: by default the reach of the current repeat/cluster windows."""
        parser.add_argument("--days", type=int, default=None,
                            help="orders registered in the last N days (default: the repeat window, e.g. 30)")
        parser.add_argument("--all", action="store_true", help="every imported order missing from the index, however old")

    def handle(self, *args: Any, **options: Any) -> None:
        """Index the missing orders and say how many."""
        days, everything = options["days"], options["all"]
        if days is not None and everything:
            raise CommandError("give either --days or --all, not both")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        since = None if everything else (clock.now() - timedelta(days=days) if days else history_window())
        done = index_history(since=since)
        scope = "every order" if since is None else f"orders registered since {since:%Y-%m-%d %H:%M}"
        self.stdout.write(f"indexed {done} imported order(s) missing from the duplicate index ({scope})")
