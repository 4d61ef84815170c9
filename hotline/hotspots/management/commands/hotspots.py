"""`hotline hotspots`: the 热点问题表 of a message file, or the stored hot spots of a week of orders.

    hotline hotspots --data messages_likes.csv --top 5 [--output-dir DIR]
    hotline hotspots --from-db [--week 2025-W10 | --month 2025-03] [--top 5]
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.hotspots import contest, selectors, services
from hotline.intelligence.hotspots import HotspotParams, find_hotspots

#: Defaults for a message file covering months or years (the product's windows use their own length).
FILE_HALF_LIFE_DAYS = 365.0
FILE_GROWTH_WINDOW_DAYS = 30.0


class Command(BaseCommand):
    help = "热点问题挖掘：从留言文件生成热点问题表和留言明细表，或计算并保存工单库中某周/某月的热点。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--data", help="留言文件 CSV（留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数）")
        parser.add_argument("--top", type=int, default=5, help="输出前 N 个热点问题（默认 5）")
        parser.add_argument("--output-dir", help="表格输出目录（默认：输入文件所在目录）")
        parser.add_argument("--threshold", type=float, default=HotspotParams.threshold,
                            help="簇内平均相似度下限（默认 %(default)s）")
        parser.add_argument("--half-life-days", type=float, default=FILE_HALF_LIFE_DAYS,
                            help="时效衰减半衰期（天，默认 %(default)s）")
        parser.add_argument("--growth-window-days", type=float, default=FILE_GROWTH_WINDOW_DAYS,
                            help="增长率比较窗口（天，默认 %(default)s）")
        parser.add_argument("--from-db", action="store_true", help="计算并保存工单库中的热点")
        parser.add_argument("--week", help="ISO 周，例如 2025-W10（与 --from-db 一起使用，默认本周）")
        parser.add_argument("--month", help="月份，例如 2025-03（与 --from-db 一起使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top 必须是正整数")
        if options["from_db"] == bool(options["data"]):
            raise CommandError("请指定 --data CSV 或 --from-db 之一")
        if options["from_db"]:
            self._from_db(options)
        else:
            self._from_file(options)

    def _from_file(self, options: dict[str, Any]) -> None:
        try:
            loaded = contest.read_messages(options["data"])
        except (contest.MessageFileError, OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        for line, reason in loaded.rejected[:20]:
            self.stderr.write(f"第 {line} 行已跳过：{reason}")
        if len(loaded.rejected) > 20:
            self.stderr.write(f"…… 另有 {len(loaded.rejected) - 20} 行被跳过")
        if not loaded.messages:
            raise CommandError(f"{options['data']}: 没有可用的留言")
        params = HotspotParams(threshold=options["threshold"], half_life_days=options["half_life_days"],
                               growth_window_days=options["growth_window_days"])
        began = time.monotonic()
        issues = find_hotspots(loaded.messages, params=params)
        top = issues[: options["top"]]
        folder = Path(options["output_dir"]) if options["output_dir"] else Path(options["data"]).resolve().parent
        issue_path, detail_path = contest.write_tables(top, folder)
        self.stdout.write("热度排名\t问题ID\t热度指数\t时间范围\t地点/人群\t问题描述")
        for issue in top:
            self.stdout.write(f"{issue.rank}\t{issue.issue_id}\t{issue.heat:.2f}\t{contest.time_span(issue)}\t"
                              f"{issue.place_people}\t{issue.description}")
        self.stdout.write(f"热点问题表: {issue_path}")
        self.stdout.write(f"热点问题留言明细表: {detail_path}")
        self.stdout.write(f"hotspots: messages={len(loaded.messages)} rejected={len(loaded.rejected)} "
                          f"issues={len(issues)} top={len(top)} seconds={time.monotonic() - began:.1f}")

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
        self.stdout.write(f"hotspots: run={run.pk} orders={run.orders_considered} hotspots={run.hotspots.count()}")
