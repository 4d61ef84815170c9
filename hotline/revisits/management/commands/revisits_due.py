"""`hotline revisits-due [--at DATE] [--json]`: the second visits whose time has come (for people or a scheduler)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.revisits.services import due

FIRST_YEAR, LAST_YEAR = 2000, 2100


class Command(BaseCommand):
    help = "List the second return visits (二次回访) that are due; the last line is `due=N`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="as of this date/time (YYYY-MM-DD or YYYY-MM-DDTHH:MM), default now")
        parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options["at"]:
            from zoneinfo import ZoneInfo

            for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
                try:
                    at = datetime.strptime(options["at"], fmt).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
                    break
                except ValueError:
                    continue
            if at is None:
                raise CommandError(f"无法识别的时间「{options['at']}」")
            if not FIRST_YEAR <= at.year <= LAST_YEAR:  # as the web forms; also keeps datetime arithmetic in range
                raise CommandError(f"时间须在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间，而不是「{options['at']}」")
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
