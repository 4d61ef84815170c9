"""`hotline hotspots`: the 热点问题表 of a message file, or the stored hot spots of a week of orders.

    hotline hotspots --data messages_likes.csv --top 5 [--output-dir DIR]
    hotline hotspots --from-db [--week 2025-W10 | --month 2025-03] [--top 5]
"""

from __future__ import annotations

import csv
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.core.cli import atomic_output, bounded_float, check_range, positive_int, read_utf8_csv_error
from hotline.hotspots import contest, selectors, services
from hotline.intelligence.hotspots import HotspotParams, find_hotspots

#: Defaults for a message file covering months or years (the product's windows use their own length).
FILE_HALF_LIFE_DAYS = 365.0
FILE_GROWTH_WINDOW_DAYS = 30.0
#: The longest half-life or growth window accepted (a century of days).
MAX_DAYS = 36_500.0
#: Options that only make sense with --data.
FILE_ONLY = ("output_dir", "threshold", "half_life_days", "growth_window_days")


class Command(BaseCommand):
    help = "热点问题挖掘：从留言文件生成热点问题表和留言明细表，或计算并保存工单库中某周/某月的热点。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--data", help="留言文件 CSV（留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数）")
        parser.add_argument("--top", type=positive_int, default=5, help="输出前 N 个热点问题（默认 5）")
        parser.add_argument("--output-dir", help="表格输出目录（默认：输入文件所在目录）")
        parser.add_argument("--threshold", type=bounded_float(0, 1, low_open=True),
                            help=f"簇内平均相似度下限，大于 0 且不大于 1（默认 {HotspotParams.threshold}）")
        parser.add_argument("--half-life-days", type=bounded_float(0, MAX_DAYS, low_open=True),
                            help=f"时效衰减半衰期（天，默认 {FILE_HALF_LIFE_DAYS:g}）")
        parser.add_argument("--growth-window-days", type=bounded_float(0, MAX_DAYS, low_open=True),
                            help=f"增长率比较窗口（天，默认 {FILE_GROWTH_WINDOW_DAYS:g}）")
        parser.add_argument("--from-db", action="store_true", help="计算并保存工单库中的热点")
        parser.add_argument("--week", help="ISO 周，例如 2025-W10（与 --from-db 一起使用，默认本周）")
        parser.add_argument("--month", help="月份，例如 2025-03（与 --from-db 一起使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top 必须是正整数")
        if options["from_db"] == bool(options["data"]):
            raise CommandError("请指定 --data CSV 或 --from-db 之一")
        if options["from_db"]:
            given = [f"--{name.replace('_', '-')}" for name in FILE_ONLY if options[name] is not None]
            if given:
                raise CommandError(f"{'、'.join(given)} 只用于 --data 留言文件，不能与 --from-db 一起使用")
            if options["week"] is not None and options["month"] is not None:
                raise CommandError("--week 与 --month 只能指定一个")
            self._from_db(options)
        else:
            given = [f"--{name}" for name in ("week", "month") if options[name] is not None]
            if given:
                raise CommandError(f"{'、'.join(given)} 需与 --from-db 一起使用（--data 按整个留言文件计算）")
            self._from_file(options)

    def _from_file(self, options: dict[str, Any]) -> None:
        check_range("--threshold", options["threshold"], 0, 1, low_open=True)
        check_range("--half-life-days", options["half_life_days"], 0, MAX_DAYS, low_open=True)
        check_range("--growth-window-days", options["growth_window_days"], 0, MAX_DAYS, low_open=True)
        problem = read_utf8_csv_error(options["data"], what="留言文件")
        if problem:
            raise CommandError(f"--data：{problem}")
        folder = self._output_dir(options)
        try:
            loaded = contest.read_messages(options["data"])
        except (contest.MessageFileError, OSError, csv.Error) as error:
            raise CommandError(str(error)) from error
        for line, reason in loaded.rejected[:20]:
            self.stderr.write(f"第 {line} 行已跳过：{reason}")
        if len(loaded.rejected) > 20:
            self.stderr.write(f"…… 另有 {len(loaded.rejected) - 20} 行被跳过")
        if not loaded.messages:
            raise CommandError(f"{options['data']}: 没有可用的留言")
        params = HotspotParams(
            threshold=HotspotParams.threshold if options["threshold"] is None else options["threshold"],
            half_life_days=FILE_HALF_LIFE_DAYS if options["half_life_days"] is None else options["half_life_days"],
            growth_window_days=FILE_GROWTH_WINDOW_DAYS if options["growth_window_days"] is None
            else options["growth_window_days"])
        began = time.monotonic()
        issues = find_hotspots(loaded.messages, params=params)
        top = issues[: options["top"]]
        issue_path, detail_path = folder / contest.ISSUE_TABLE, folder / contest.DETAIL_TABLE
        try:  # both tables whole or neither replaced
            with atomic_output(issue_path, option="--output-dir", encoding="utf-8-sig") as issue_file, \
                    atomic_output(detail_path, option="--output-dir", encoding="utf-8-sig") as detail_file:
                contest.write_issue_table(top, issue_file)
                contest.write_detail_table(top, detail_file)
        except OSError as error:
            raise CommandError(f"--output-dir：无法写入 {folder}：{error.strerror or error}") from error
        self.stdout.write("热度排名\t问题ID\t热度指数\t时间范围\t地点/人群\t问题描述")
        for issue in top:
            self.stdout.write(f"{issue.rank}\t{issue.issue_id}\t{issue.heat:.2f}\t{contest.time_span(issue)}\t"
                              f"{issue.place_people}\t{issue.description}")
        self.stdout.write(f"热点问题表: {issue_path}")
        self.stdout.write(f"热点问题留言明细表: {detail_path}")
        self.stdout.write(f"hotspots: messages={len(loaded.messages)} rejected={len(loaded.rejected)} "
                          f"issues={len(issues)} top={len(top)} seconds={time.monotonic() - began:.1f}")

    @staticmethod
    def _output_dir(options: dict[str, Any]) -> Path:
        """The folder for the tables (created if missing); refused when it names a file or cannot be made."""
        if options["output_dir"] is None:
            return Path(options["data"]).resolve().parent
        if not str(options["output_dir"]).strip():
            raise CommandError("--output-dir：输出目录为空")
        folder = Path(options["output_dir"])
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--output-dir：{folder} 不是文件夹（已存在同名文件）")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"--output-dir：无法创建文件夹 {folder}：{error.strerror or error}") from error
        return folder

    def _from_db(self, options: dict[str, Any]) -> None:
        try:
            window = (services.month_window(options["month"]) if options["month"]
                      else services.week_window(options["week"]))
        except services.WindowError as error:
            raise CommandError(str(error)) from error
        run = services.compute(window)
        self.stdout.write(f"{run}: {run.orders_considered} 件工单参与聚类，耗时 {run.duration_ms} ms")
        for view in selectors.hotspots_of(run, options["top"]):
            growth = "—" if view.growth is None else f"{view.growth:.2f}"
            flag = " 【突增预警】" if view.is_warning else ""
            self.stdout.write(f"{view.rank}\t{view.heat:.2f}\t{view.orders} 件/{view.people} 人\t增长 {growth}\t"
                              f"{view.place}\t{view.title}{flag}")
        self.stdout.write(f"hotspots: run={run.pk} orders={run.orders_considered} hotspots={run.hotspots.filter(is_current=True).count()}")
