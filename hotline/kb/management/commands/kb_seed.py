"""`hotline kb-seed`: load the demo knowledge base (or another seed file) through the services, idempotently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.kb.exceptions import KbError
from hotline.kb.seed import SEED_PATH, load_seed


class Command(BaseCommand):
    help = ("加载知识库种子文件（默认 hotline/data/kb_seed.json）：新建并发布知识，已有的按内容修订（中心修订过的保留，"
            "除非 --overwrite），可重复执行。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(SEED_PATH), help="种子文件路径（JSON）")
        parser.add_argument("--overwrite", action="store_true",
                            help="中心已修订的知识也按种子文件发布新版本（默认保留中心修订）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_seed(options["file"], overwrite=options["overwrite"])
        except KbError as exc:
            raise CommandError(exc.message) from exc
        for number, reason in report.rejected:
            self.stderr.write(f"第 {number} 条：{reason}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
