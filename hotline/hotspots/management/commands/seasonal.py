"""`hotline seasonal`: seasonal early warnings (季节性预警) of the order database, or of a message file.

    hotline seasonal [--start 2025-11-01] [--days 30] [--top 10]
    hotline seasonal --data messages.csv [--start D] [--days 30] [--top 10]

The file is in the Teddy layout (留言时间, 留言详情, 一级标签 or 一级分类): keys are its first-level labels,
city-wide; a row without a label is labelled by the trained classifier (`hotline.intelligence.workflow`).
"""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.dataio.rows import RowError, parse_datetime
from hotline.hotspots import seasonal as reader
from hotline.hotspots.constants import setting
from hotline.hotspots.services import LOCAL
from hotline.intelligence.seasonal import (
    KeyCounts,
    PastYear,
    SeasonalParams,
    assess,
    past_years,
    warnings_of,
)

#: The columns that may hold a message's first-level label, in order of preference.
LABEL_COLUMNS = ("一级标签", "一级分类")


class Command(BaseCommand):
    help = "季节性预警：对比往年同期，列出未来一段时间可能上升的问题（工单库或留言文件）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--start", help="起始日期 YYYY-MM-DD（默认今天；留言文件默认为最后一条留言的次日）")
        parser.add_argument("--days", default=None, help=f"天数（默认 {int(setting('SEASONAL_DAYS'))}）")
        parser.add_argument("--top", type=int, default=10, help="输出前 N 个预警（默认 10）")
        parser.add_argument("--data", help="留言文件 CSV（留言时间, 留言详情, 一级标签/一级分类）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top 必须是正整数")
        try:
            start, days = reader.parse_window(options["start"], options["days"])
        except reader.SeasonalInputError as error:
            raise CommandError(str(error)) from error
        if options["data"]:
            self._from_file(options["data"], options["start"] and start, days, options["top"])
        else:
            self._from_db(start, days, options["top"])

    def _from_db(self, start: date, days: int, top: int) -> None:
        found = reader.compute(start, days)
        self._years(found.years)
        for group in found.groups[:top]:
            for row in (group.city, *group.districts):
                s = row.season
                mark = "【预警】" if s.is_warning else ""
                self.stdout.write(f"{group.rank if row is group.city else ''}\t{row.category_path}\t"
                                  f"{row.district or '全市'}{mark}\t往年同期 {'/'.join(map(str, s.past))}\t"
                                  f"预计 {s.expected:.0f}\t平时 {s.normal:.1f}\t倍数 {s.index:.2f}")
        self.stdout.write(f"seasonal: keys={found.keys} warnings={len(found.groups)} start={start} days={days}")

    def _years(self, years: tuple[PastYear, ...] | list[PastYear]) -> None:
        if not years:
            self.stdout.write("历史数据不足一整年：没有可比较的往年同期")
        for y in years:
            self.stdout.write(f"往年同期 {y.label}: {y.window_start} 至 {y.window_end - timedelta(days=1)}，"
                              f"基准年 {y.base_start} 至 {y.base_end - timedelta(days=1)}")

    def _from_file(self, path: str, start: date | None, days: int, top: int) -> None:
        messages, rejected, classified = read_messages(path)
        for line, reason in rejected[:20]:
            self.stderr.write(f"第 {line} 行已跳过：{reason}")
        if len(rejected) > 20:
            self.stderr.write(f"…… 另有 {len(rejected) - 20} 行被跳过")
        if not messages:
            raise CommandError(f"{path}: 没有可用的留言")
        today = max(day for day, _label in messages) + timedelta(days=1)
        start = start or today
        years = past_years(start, days, first_day=min(day for day, _label in messages), today=today,
                           max_years=int(setting("SEASONAL_YEARS")))
        self._years(years)
        params = SeasonalParams(threshold=setting("SEASONAL_THRESHOLD"),
                                min_expected=setting("SEASONAL_MIN_EXPECTED"))
        seasons = assess(years, count_messages(messages, years), params)
        if classified:
            self.stdout.write(f"{classified} 条留言没有标签，已由分类模型标注一级分类")
        for rank, s in enumerate(warnings_of(seasons)[:top], start=1):
            self.stdout.write(f"{rank}\t{s.key}\t往年同期 {'/'.join(map(str, s.past))}\t预计 {s.expected:.0f}\t"
                              f"平时 {s.normal:.1f}\t倍数 {s.index:.2f}")
        self.stdout.write(f"seasonal: keys={len(seasons)} warnings={len(warnings_of(seasons))} "
                          f"start={start} days={days} messages={len(messages)} rejected={len(rejected)}")


def read_messages(path: str | Path) -> tuple[list[tuple[date, str]], list[tuple[int, str]], int]:
    """(day, first-level label) of every readable message, the rejected rows (line, reason), and how many
    labels the classifier gave."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as error:
        raise CommandError(str(error)) from error
    found: list[tuple[int, date, str, str]] = []
    rejected: list[tuple[int, str]] = []
    with handle:
        rows = csv.DictReader(handle)
        if "留言时间" not in (rows.fieldnames or []):
            raise CommandError(f"{path}: 缺少「留言时间」列（文件列：{', '.join(rows.fieldnames or [])}）")
        column = next((c for c in LABEL_COLUMNS if c in rows.fieldnames), None)
        try:
            for row in rows:
                line = rows.line_num
                try:
                    at = parse_datetime(row.get("留言时间"), LOCAL, what="留言时间")
                except RowError as error:
                    rejected.append((line, str(error)))
                    continue
                label = (row.get(column) or "").strip() if column else ""
                text = f"{row.get('留言主题') or ''} {row.get('留言详情') or ''}".strip()
                if not label and not text:
                    rejected.append((line, "既没有标签也没有留言内容"))
                    continue
                found.append((line, at.astimezone(LOCAL).date(), label, text))
        except (csv.Error, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: 第 {rows.line_num} 行无法读取：{error}") from error
    unlabelled = [i for i, (_l, _d, label, _t) in enumerate(found) if not label]
    if unlabelled:
        from hotline.intelligence.workflow import load_model

        predicted = load_model().predict([found[i][3] for i in unlabelled])
        for i, label in zip(unlabelled, predicted, strict=True):
            found[i] = (found[i][0], found[i][1], label, found[i][3])
    return [(day, label) for _line, day, label, _text in found], rejected, len(unlabelled)


def count_messages(messages: list[tuple[date, str]], years: list[PastYear]) -> list[KeyCounts]:
    """Per label: messages in each past year's window and baseline."""
    per_day: Counter[tuple[str, date]] = Counter((label, day) for day, label in messages)
    labels = sorted({label for _day, label in messages})
    counts = []
    for label in labels:
        window = [sum(n for (lab, day), n in per_day.items() if lab == label and y.window_start <= day < y.window_end)
                  for y in years]
        base = [sum(n for (lab, day), n in per_day.items() if lab == label and y.base_start <= day < y.base_end)
                for y in years]
        counts.append(KeyCounts(label, tuple(window), tuple(base)))
    return counts
