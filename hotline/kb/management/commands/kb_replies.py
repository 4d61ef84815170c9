"""`hotline kb-replies`: load real department replies into the similar-replies index (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import check_range, positive_int, read_utf8_csv_error
from hotline.kb.exceptions import KbError
from hotline.kb.replies import REPLIES_PATH, load_replies


class Command(BaseCommand):
    help = "加载往期部门答复（留言编号、留言主题、留言详情、答复意见）到类似答复索引，可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(REPLIES_PATH), help="答复 CSV 文件路径")
        parser.add_argument("--limit", type=positive_int, default=None, help="最多新增条数（正整数，默认不限）")

    def handle(self, *args: Any, **options: Any) -> None:
        check_range("--limit", options["limit"], 1)
        problem = read_utf8_csv_error(options["file"], what="答复文件")
        if problem:
            raise CommandError(f"--file：{problem}")
        try:
            report = load_replies(options["file"], limit=options["limit"])
        except KbError as exc:
            raise CommandError(exc.message) from exc
        for line, reason in report.rejected[:50]:
            self.stderr.write(f"第 {line} 行：{reason}")
        if len(report.rejected) > 50:
            self.stderr.write(f"……另有 {len(report.rejected) - 50} 行被拒绝")
        self.stdout.write(self.style.SUCCESS(report.summary()))
