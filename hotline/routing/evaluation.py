"""How often the dispatch recommendation agreed with the final decision, and the corrections to learn from.

The recommendation judged is each order's first one (made at registration, before any person chose); an
order counts as auto-dispatched when any of its recommendations was, and that one is judged for the
auto line. The final decision is the unit the centre finally sent the order to (`services.final_units`: its
lead dispatch that was completed, by that unit or one it handed the order down to, else its first
accepted lead dispatch). Orders without a final decision yet are left out.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from django.db.models import Min

from hotline.intelligence.text import DETAIL_COLUMN, LABEL_COLUMNS, TOPIC_COLUMN
from hotline.routing.models import DispatchRecommendation
from hotline.routing.services import final_units
from hotline.tickets.models import Ticket

#: Confidence bands reported separately (is a 0.9 worth more than a 0.5?).
BANDS = ((0.85, 1.01), (0.6, 0.85), (0.0, 0.6))
CORRECTION_COLUMNS = ["留言主题", "留言详情", "一级标签", "工单编号", "推荐单位", "最终单位", "诉求分类"]


class CorrectionsError(ValueError):
    """A training base file that cannot be used (wrong columns)."""


@dataclass
class Correction:
    """An order where the recommendation's first choice was not the final unit."""

    ticket: Ticket
    recommended: str
    final: str


@dataclass
class DispatchReport:
    """Agreement of the first recommendation with the final decision."""

    orders: int = 0
    top1: int = 0
    top3: int = 0
    auto: int = 0
    auto_agreed: int = 0
    bands: dict[str, list[int]] = field(default_factory=dict)  # label → [orders, top-1 agreed]
    rule_misses: Counter[tuple[str, str]] = field(default_factory=Counter)
    corrections: list[Correction] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.top1 / self.orders if self.orders else 0.0

    @property
    def top3_agreement(self) -> float:
        return self.top3 / self.orders if self.orders else 0.0


def _first_recommendations(since: datetime | None) -> Iterator[DispatchRecommendation]:
    """Each order's earliest recommendation, in batches (never the whole table in memory).

    With `since`, only orders whose earliest recommendation was made then or later: a later one (after a
    return or a correction) is never judged as if it were the first.
    """
    qs = DispatchRecommendation.objects.order_by("ticket_id", "created_at", "id")
    if since is not None:
        firsts = (DispatchRecommendation.objects.order_by().values("ticket_id").annotate(first=Min("created_at"))
                  .filter(first__gte=since).values("ticket_id"))
        qs = qs.filter(ticket_id__in=firsts)
    last = None
    for rec in qs.select_related("ticket", "top_unit", "rule__lead_unit", "ticket__category").iterator(
            chunk_size=2000):
        if rec.ticket_id != last:
            last = rec.ticket_id
            yield rec


def _auto_dispatched(ticket_ids: list[int]) -> dict[int, int | None]:
    """The orders auto-dispatched (by any of their recommendations, usually the latest) → the unit it chose."""
    rows = (DispatchRecommendation.objects.filter(ticket_id__in=ticket_ids, auto_dispatched=True)
            .order_by("created_at", "id").values_list("ticket_id", "top_unit_id"))
    return dict(rows)


def evaluate(since: datetime | None = None, batch: int = 2000) -> DispatchReport:
    """Compare first recommendations with final decisions (orders with no final decision are skipped)."""
    report = DispatchReport(bands={f"{lo:.2f}–{min(hi, 1):.2f}": [0, 0] for lo, hi in BANDS})
    pending: list[DispatchRecommendation] = []

    def flush() -> None:
        finals = final_units([r.ticket_id for r in pending])
        auto = _auto_dispatched([r.ticket_id for r in pending])
        for rec in pending:
            final = finals.get(rec.ticket_id)
            if final is None:
                continue
            report.orders += 1
            hit1 = rec.top_unit_id == final.pk
            report.top1 += hit1
            report.top3 += final.pk in rec.top3_ids
            if rec.ticket_id in auto:
                report.auto += 1
                report.auto_agreed += auto[rec.ticket_id] == final.pk
            for lo, hi in BANDS:
                if lo <= rec.confidence < hi:
                    band = report.bands[f"{lo:.2f}–{min(hi, 1):.2f}"]
                    band[0] += 1
                    band[1] += hit1
                    break
            if not hit1:
                report.corrections.append(Correction(
                    rec.ticket, rec.top_unit.name if rec.top_unit else "", final.name))
                if rec.rule is not None and rec.rule.lead_unit_id != final.pk:
                    report.rule_misses[(rec.rule_label, final.name)] += 1
        pending.clear()

    for rec in _first_recommendations(since):
        pending.append(rec)
        if len(pending) >= batch:
            flush()
    flush()
    return report


def read_training_base(text: str, name: str) -> list[list[str]]:
    """The rows of a labelled training CSV (its text already read), as correction rows with empty order columns.

    Refuses, naming the file, a file without a 留言详情 column or without a label column (一级标签 or 一级分类),
    so that a wrong file never becomes blank training rows.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [" 或 ".join(need) for need in ((DETAIL_COLUMN,), LABEL_COLUMNS)
               if not any(choice in columns for choice in need)]
    if missing:
        raise CorrectionsError(f"训练数据文件缺少列 {'、'.join(missing)}：{name}（现有列：{', '.join(columns) or '无'}）")
    rows = []
    for row in reader:
        label = next((row[c] for c in LABEL_COLUMNS if row.get(c)), "") or ""
        rows.append([row.get(TOPIC_COLUMN) or "", row.get(DETAIL_COLUMN) or "", label, "", "", "", ""])
    return rows


def write_corrections(report: DispatchReport, handle: TextIO, *, classes: set[str] | None = None,
                      base_rows: list[list[str]] | None = None) -> tuple[int, int]:
    """Write the corrections as training rows for `hotline train` (columns 留言主题, 留言详情, 一级标签, …).

    The label is the level-1 category the order finally carried. Rows whose label the classifier does
    not know (`classes`) or whose order has no category are skipped. With `base_rows` (from
    `read_training_base`, e.g. the shipped messages), those rows come first, so the file can be passed to
    `hotline train --data`. The caller opens `handle` (the command writes a temporary file and renames it).
    Returns (rows written from corrections, rows skipped).
    """
    written = skipped = 0
    writer = csv.writer(handle)
    writer.writerow(CORRECTION_COLUMNS)
    writer.writerows(base_rows or [])
    for c in report.corrections:
        category = c.ticket.category
        label = category.ancestors_and_self()[-1].name if category else ""
        if not label or (classes is not None and label not in classes):
            skipped += 1
            continue
        writer.writerow([c.ticket.title, c.ticket.description, label, c.ticket.number, c.recommended, c.final,
                         category.full_name if category else ""])
        written += 1
    return written, skipped
