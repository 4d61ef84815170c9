"""`hotline report --month 2026-10 --format pdf|xlsx --output FILE`: write the monthly bulletin (月度通报)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.replica import reporting_view
from hotline.kpis.bulletin import FORMATS, render
from hotline.kpis.periods import PeriodError, last_full_month, parse_month


class Command(BaseCommand):
    help = "生成月度通报（PDF 或 Excel）：总体指标、考核排名、超期与重办工单、热点问题、图表。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM（默认上个月）")
        parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS),
                            help="pdf 或 xlsx（默认按输出文件的扩展名）")
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        """Check the month, the format and the target, then write the bulletin."""
        try:
            period = parse_month(options["month"]) if options["month"] else last_full_month()
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"])
        fmt = options["fmt"] or output.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(f"无法确定格式：请用 --format pdf 或 --format xlsx（输出文件「{output}」）")
        if not output.parent.exists():
            raise CommandError(f"输出目录不存在：{output.parent}")
        content = reporting_view(render)(period, fmt)  # from the replica when there is one
        output.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {period.label} 月度通报（{fmt}，{len(content):,} 字节）：{output}"))
