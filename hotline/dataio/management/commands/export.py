"""`hotline export --format open311-csv|json --output FILE [--since DATE] [--until DATE]`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import atomic_output
from hotline.dataio.export import parse_bound, write_json, write_open311_csv


class Command(BaseCommand):
    help = "Export orders: Open311 (GeoReport v2) CSV without personal data, or a full JSON for administrators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=["open311-csv", "json"])
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output)")
        parser.add_argument("--since", help="orders registered on or after this date/time")
        parser.add_argument("--until", help="orders registered up to this date (inclusive) or before this time")

    def handle(self, *args: Any, **options: Any) -> None:
        for option in ("since", "until"):
            if options[option] is not None and not options[option].strip():  # given empty: not "no bound"
                raise CommandError(f"--{option} 为空：应为日期或时间（例：2024-05-01 或 2024-05-01T08:00），不限则省略该选项")
        try:
            since = parse_bound(options["since"], end=False)
            until = parse_bound(options["until"], end=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if since and until and until <= since:
            raise CommandError("--until 须晚于 --since")
        write = write_open311_csv if options["format"] == "open311-csv" else write_json
        if options["output"] == "-":
            try:
                count = write(self.stdout, since, until)
                self.stdout.flush()
            except BrokenPipeError:  # the reader stopped early (`| head`): stop quietly, like other Unix tools
                _silence_stdout()
                return
        else:
            path = Path(options["output"])
            encoding = "utf-8-sig" if options["format"] == "open311-csv" else "utf-8"
            try:  # written whole or not at all: an existing file is replaced only once the export is complete
                with atomic_output(options["output"], option="--output", encoding=encoding, newline="",
                                   private=options["format"] == "json") as fh:  # full numbers, confidential orders
                    count = write(fh, since, until)
            except OSError as exc:  # no permission, a full disk
                raise CommandError(f"无法写入导出文件 {path}：{exc.strerror or exc}") from exc
        self.stderr.write(f"exported={count}")


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's final flush does not fail (and print) again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout (a test's buffer)
        pass
