"""`hotline report --month 2026-10 --format pdf|xlsx --output FILE`: write the monthly bulletin (月度通报).

With `--published [--edition N]` the stored file of a published edition (the latest by default) is written
as it was announced, byte for byte, instead of a preview computed now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.core.cli import check_output_path, positive_int, write_bytes_atomic
from hotline.core.replica import reporting_view
from hotline.kpis.bulletin import FORMATS, render
from hotline.kpis.periods import PeriodError, last_full_month, parse_month
from hotline.kpis.selectors import published_edition


def output_format(output: Path, fmt: str | None) -> str:
    """The bulletin format: --format when given (it must agree with a .pdf/.xlsx name), else the extension."""
    suffix = output.suffix.lstrip(".").lower()
    if fmt and suffix in FORMATS and suffix != fmt:
        raise CommandError(f"--format {fmt} 与输出文件的扩展名 .{suffix} 不一致：{output}"
                           f"（请改用 .{fmt} 文件名或 --format {suffix}）")
    fmt = fmt or suffix
    if fmt not in FORMATS:
        raise CommandError(f"无法确定格式：请用 --format pdf 或 --format xlsx（输出文件「{output}」）")
    return fmt


class Command(BaseCommand):
    help = "生成月度通报（PDF 或 Excel）：总体指标、考核排名、超期与重办工单、热点问题、图表。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM（默认上个月）")
        parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS),
                            help="pdf 或 xlsx（默认按输出文件的扩展名）")
        parser.add_argument("--output", required=True, help="输出文件路径")
        parser.add_argument("--published", action="store_true",
                            help="输出已发布的通报（原样保存的文件），而不是按当前数据重新计算的预览")
        parser.add_argument("--edition", type=positive_int, help="已发布通报的版次（默认最新一版；须与 --published 同用）")

    def handle(self, *args: Any, **options: Any) -> None:
        """Check the month, the format and the target, then write the bulletin whole (temporary file + rename)."""
        if options["edition"] is not None and not options["published"]:
            raise CommandError("--edition 只能与 --published 同用（预览没有版次）")
        month = options["month"]
        if month is not None and not str(month).strip():
            raise CommandError("--month 为空：应为 YYYY-MM（例如 2026-10），不填则为上个月")
        try:
            period = parse_month(month) if month else last_full_month()
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"])
        if str(options["output"]).strip() and not output.parent.exists():
            raise CommandError(f"输出目录不存在：{output.parent}")
        output = check_output_path(options["output"], option="--output")
        fmt = output_format(output, options["fmt"])
        if options["published"]:
            published = published_edition(period, options["edition"])
            if published is None:
                which = f"第 {options['edition']} 版" if options["edition"] else "任何一版"
                raise CommandError(f"{period.label} 没有已发布的通报（{which}）：请先在 /kpis/bulletin/ 发布，"
                                   f"或去掉 --published 生成预览")
            content = published.content(fmt)
            write_bytes_atomic(output, content, option="--output")
            self.stdout.write(self.style.SUCCESS(
                f"已输出 {period.label} 月度通报第 {published.edition} 版（发布于 "
                f"{timezone.localtime(published.published_at):%Y-%m-%d %H:%M}，{fmt}，{len(content):,} 字节，"
                f"SHA-256 {published.sha256(fmt)}）：{output}"))
            return
        content = reporting_view(render)(period, fmt)  # from the replica when there is one
        write_bytes_atomic(output, content, option="--output")
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {period.label} 月度通报预览（未发布，{fmt}，{len(content):,} 字节）：{output}"))
