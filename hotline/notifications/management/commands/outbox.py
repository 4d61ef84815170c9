"""`hotline outbox`: the last messages the file backend wrote (what citizens' phones would have received)."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.cli import check_range, non_negative_int
from hotline.core.privacy import mask_phone
from hotline.notifications.backends import outbox_path


class Command(BaseCommand):
    help = "Print the last N messages of the notification outbox (var/outbox.jsonl)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", "--lines", type=non_negative_int, default=10, help="how many messages (default 10)")
        parser.add_argument("--json", action="store_true", help="print the raw JSON lines")
        parser.add_argument("--full", action="store_true", help="show recipients unmasked")

    def handle(self, *args: Any, **options: Any) -> None:
        check_range("-n/--lines", options["lines"], 0)  # also for call_command(lines=…), which skips the type
        path = outbox_path()
        if not path.exists():
            self.stdout.write(f"(no messages yet: {path} does not exist)")
            return
        with path.open(encoding="utf-8") as lines:
            last = deque(lines, maxlen=options["lines"])
        for raw in last:
            if options["json"]:
                self.stdout.write(raw.rstrip("\n"))
                continue
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            to = item.get("to", "") if options["full"] else mask_phone(item.get("to", ""))
            self.stdout.write(f"{item.get('at', '')[:19]}  {item.get('channel', '')} → {to}  "
                              f"[{item.get('subject', '')}] {item.get('body', '')}")
