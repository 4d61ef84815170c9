"""The bulletin as an Excel workbook: one sheet per section, native Excel charts (openpyxl).

Every cell is written by `_put`: text as text (a hot spot's title that starts with `=` is not a formula).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from hotline.kpis.bulletin.data import Bulletin
from hotline.kpis.definitions import KPIS
from hotline.kpis.engine import Figure

_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="EEF1F4")
_TITLE = Font(bold=True, size=14)


def _value(fig: Figure | None) -> float | int | None:
    """A rate as a fraction (shown as %), a count as a number, nothing as empty."""
    if fig is None or fig.value is None:
        return None
    return fig.value if fig.is_rate else int(fig.denominator)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell. Text is stored as text, never as a formula, even when it starts with `=` (a hot
    spot's title is a citizen's words), and loses the control characters Excel refuses; numbers (a
    negative one too) and dates are stored as they are."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # openpyxl made it a formula if it starts with "="
    else:
        cell.value = value
    return cell


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = _put(ws, row, col, label)
        cell.font, cell.fill = _HEAD, _FILL


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width


def _overview(ws: Worksheet, b: Bulletin) -> None:
    ws.title = _("概览")
    _put(ws, 1, 1, _("12345 热线月度通报 %(month)s") % {"month": b.period.label}).font = _TITLE
    _put(ws, 2, 1, _("统计周期 %(first)s 至 %(last)s；对比上月 %(previous)s；生成于 %(at)s") % {
        "first": b.period.first_day, "last": b.period.last_day, "previous": b.previous.label,
        "at": f"{timezone.localtime(b.generated_at):%Y-%m-%d %H:%M}"})
    if b.status:
        _put(ws, 3, 1, b.status)
    _header(ws, 4, [_("指标"), _("本月"), _("上月"), _("变化"), _("分子"), _("分母"), _("口径")])
    row = 5
    for h in b.headline:
        _put(ws, row, 1, h.name)
        for col, fig in ((2, h.current), (3, h.previous)):
            cell = _put(ws, row, col, _value(fig))
            if fig is not None and fig.is_rate:
                cell.number_format = "0.00%"
        _put(ws, row, 4, h.change)
        if h.current is not None and h.current.is_rate:
            _put(ws, row, 5, float(h.current.numerator or 0))
        _put(ws, row, 6, h.current.denominator if h.current else None)
        _put(ws, row, 7, h.formula).alignment = Alignment(wrap_text=True)
        row += 1
    if not b.calls_available:
        _put(ws, row, 1, _("接通率、15 秒应答率：话务模块未安装，本期无数据"))
        row += 1
    row += 1
    for title, rows in ((_("按渠道"), b.by_channel), (_("按诉求类型"), b.by_type)):
        _put(ws, row, 1, title).font = _HEAD
        _header(ws, row + 1, [title, _("本月"), _("上月")])
        first = row + 2
        for i, (label, now, before) in enumerate(rows):
            _put(ws, first + i, 1, label)
            _put(ws, first + i, 2, now)
            _put(ws, first + i, 3, before if b.has_previous else "—")
        if rows:
            chart = BarChart()
            chart.title = _("受理量%(title)s") % {"title": title}
            chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=row + 1, max_row=first + len(rows) - 1),
                           titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + len(rows) - 1))
            chart.height, chart.width = 7, 14
            ws.add_chart(chart, f"I{row}")
        row = first + max(len(rows), 14) + 1
    _widths(ws, [18, 12, 12, 14, 10, 10, 80])


def _rankings(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet(_("考核排名"))
    _put(ws, 1, 1, _("综合得分 = Σ 权重 × 指标得分 ÷ Σ 权重；权重：%(weights)s；基本满意折算系数 %(factor)s；"
                     "当月主办工单少于 %(minimum)s 件的单位不参与排名") % {
        "weights": _("，").join(f"{k} {v}" for k, v in b.weights.items()), "factor": b.basic_factor,
        "minimum": b.min_volume})
    row = 3
    codes = [c for c in KPIS if KPIS[c].unit_attributed]
    for ranking in b.rankings:
        _put(ws, row, 1, ranking.label).font = _TITLE
        _header(ws, row + 1, [_("名次"), _("单位"), _("主办工单"), _("综合得分"),
                              *[str(KPIS[c].name) for c in codes], _("说明")])
        first = row + 2
        for i, r in enumerate(ranking.results):
            line = first + i
            _put(ws, line, 1, r.rank)
            _put(ws, line, 2, r.unit.name)
            _put(ws, line, 3, r.volume)
            _put(ws, line, 4, r.score)
            for j, code in enumerate(codes):
                cell = _put(ws, line, 5 + j, _value(r.figures.get(code)))
                cell.number_format = "0.00%"
            _put(ws, line, 5 + len(codes), r.reason)
        ranked = len(ranking.ranked)
        if ranked:
            chart = BarChart()
            chart.type = "bar"
            chart.title = _("%(tier)s综合得分") % {"tier": ranking.label}
            chart.add_data(Reference(ws, min_col=4, min_row=row + 1, max_row=first + ranked - 1),
                           titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=first + ranked - 1))
            chart.height, chart.width = max(5, ranked * 0.6), 14
            ws.add_chart(chart, f"{chr(ord('A') + 6 + len(codes))}{row}")
        row = first + max(len(ranking.results), int(max(5, ranked * 0.6) * 2)) + 2
    _widths(ws, [6, 24, 10, 10, *[11] * len(codes), 36])


def _units(wb: Workbook, title: str, note: str, labels: list[str], rows: list[list], *, rate_column: int) -> None:
    """A by-unit sheet; the values of `rate_column` (1-based) are fractions shown as percentages."""
    ws = wb.create_sheet(title)
    _put(ws, 1, 1, note)
    _header(ws, 2, labels)
    for i, values in enumerate(rows, start=3):
        for col, value in enumerate(values, start=1):
            cell = _put(ws, i, col, value)
            if col == rate_column:
                cell.number_format = "0.00%"
    if rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        chart.add_data(Reference(ws, min_col=2, min_row=2, max_row=2 + len(rows)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + len(rows)))
        chart.height, chart.width = max(5, len(rows) * 0.6), 14
        ws.add_chart(chart, "G2")
    _widths(ws, [26, 14, 14, 16, 14])


def _daily(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet(_("每日受理量"))
    _header(ws, 1, [_("日期"), _("受理量")])
    for i, (day, n) in enumerate(b.daily, start=2):
        _put(ws, i, 1, day).number_format = "yyyy-mm-dd"
        _put(ws, i, 2, n)
    chart = LineChart()
    chart.title = _("每日受理量")
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + len(b.daily)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(b.daily)))
    chart.height, chart.width = 8, 20
    ws.add_chart(chart, "D2")
    _widths(ws, [12, 10])


def build(b: Bulletin) -> bytes:
    """The workbook's bytes."""
    wb = Workbook()
    _overview(wb.active, b)
    _rankings(wb, b)
    _units(wb, _("超期工单"), _("主办工单中超过答复时限的（含逾期答复和超期在办），按单位"),
           [_("单位"), _("超期工单"), _("其中在办超期"), _("应办结工单"), _("按时办结率")],
           [[r.unit.name, r.count, r.extra, r.of, (1 - r.count / r.of) if r.of else None] for r in b.overdue],
           rate_column=5)
    _units(wb, _("重办工单"), _("审核退回、回访不满意或未解决、办结后重新启用的主办工单，按单位"),
           [_("单位"), _("重办工单"), _("主办工单"), _("重办率")],
           [[r.unit.name, r.count, r.of, r.count / r.of if r.of else None] for r in b.rehandled], rate_column=4)
    spots = wb.create_sheet(_("热点问题"))
    _put(spots, 1, 1, _("来源：%(source)s") % {"source": b.hotspot_source})
    _header(spots, 2, [_("排名"), _("热点"), _("地点"), _("工单量"), _("诉求人数"), _("环比/时间"), _("热度")])
    for i, h in enumerate(b.hotspots, start=3):
        for col, value in enumerate([h.rank, h.title, h.place, h.orders, h.people, h.growth, h.heat], start=1):
            _put(spots, i, col, value)
    _widths(spots, [6, 40, 20, 10, 10, 16, 10])
    _daily(wb, b)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
