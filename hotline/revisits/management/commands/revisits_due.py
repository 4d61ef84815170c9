"""`hotline revisits-due [--at DATE] [--json]`: the second visits whose time has come (for people or a scheduler)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from hotline.core.cli import moment_option
from hotline.revisits.services import due


class Command(BaseCommand):
    help = "List the second return visits (二次回访) that are due; the last line is `due=N`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="as of this date/time (YYYY-MM-DD or YYYY-MM-DDTHH:MM), default now")
        parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        at = moment_option("--at", options["at"])  # given empty is refused, not read as "now"
        count = 0
        for visit in due(at).iterator(chunk_size=500):
            count += 1
            row = {"id": visit.pk, "number": visit.ticket.number, "title": visit.ticket.title,
                   "due_at": timezone.localtime(visit.due_at).isoformat(timespec="minutes"),
                   "attempts": visit.attempts, "rule": visit.rule.name if visit.rule else ""}
            if options["json"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            else:
                self.stdout.write(f"{row['number']}  {row['due_at']}  {row['attempts']}  {row['rule']}  {row['title']}")
        self.stdout.write(f"due={count}")
