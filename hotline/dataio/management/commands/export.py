"""`hotline export --format open311-csv|json --output FILE [--since DATE] [--until DATE]`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.dataio.export import parse_bound, write_json, write_open311_csv


class Command(BaseCommand):
    help = "Export orders: Open311 (GeoReport v2) CSV without personal data, or a full JSON for administrators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=["open311-csv", "json"])
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output)")
        parser.add_argument("--since", help="orders registered on or after this date/time")
        parser.add_argument("--until", help="orders registered up to this date (inclusive) or before this time")

    def handle(self, *args: Any, **options: Any) -> None:
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
            try:
                fh = path.open("w", encoding=encoding, newline="")
            except OSError as exc:  # a folder, a missing folder, no permission
                raise CommandError(f"无法写入导出文件 {path}：{exc.strerror or exc}") from exc
            with fh:
                count = write(fh, since, until)
        self.stderr.write(f"exported={count}")


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's final flush does not fail (and print) again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout (a test's buffer)
        pass
