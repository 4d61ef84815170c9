"""The bulletin as a PDF (reportlab): Chinese set in the built-in CID font STSong-Light, charts drawn natively.

Every paragraph is plain text (`_para`): what it shows (hot spots' titles, places, units' names) is escaped.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hotline.kpis.bulletin.data import Bulletin
from hotline.kpis.definitions import KPIS
from hotline.kpis.engine import Figure

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
_SMALL = ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=10)
_H1 = ParagraphStyle("h1", fontName=FONT, fontSize=18, leading=24, spaceAfter=6)
_H2 = ParagraphStyle("h2", fontName=FONT, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
_GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT, 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF1F4")),
    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#C8CDD3")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
_BLUE = colors.HexColor("#1F5FAD")
#: The indicators each ranking table shows next to the composite score (三率 first, then timeliness).
RANKING_CODES = ["response", "resolution", "first_resolution", "satisfaction", "on_time", "sign_timely"]
_GREY = colors.HexColor("#9AA5B1")


def _para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: `<`, `>` and `&` are shown as written, never read as ReportLab markup
    (a hot spot's title is a citizen's words, a unit's or a category's name an administrator's)."""
    return Paragraph(escape(str(text)), style)


def _show(fig: Figure | None) -> str:
    return "—" if fig is None else fig.display()


def _table(rows: list[list], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_GRID)
    return table


def _bars(title: str, labels: list[str], series: list[list[float]], *, horizontal: bool = False,
          width: float = 170 * mm, height: float = 60 * mm) -> Drawing:
    drawing = Drawing(width, height + 14)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = (70 if horizontal else 30), 15, width - 90, height - 25
    chart.data = series if series and series[0] else [[0]]  # a month without orders: an empty chart
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = _BLUE
    if len(chart.data) > 1:
        chart.bars[1].fillColor = _GREY
    drawing.add(chart)
    drawing.add(String(width / 2, height + 2, title, fontName=FONT, fontSize=9, textAnchor="middle"))
    return drawing


def _line(title: str, labels: list[str], values: list[int]) -> Drawing:
    width, height = 170 * mm, 55 * mm
    drawing = Drawing(width, height + 14)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 15, width - 45, height - 25
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor = _BLUE
    drawing.add(chart)
    drawing.add(String(width / 2, height + 2, title, fontName=FONT, fontSize=9, textAnchor="middle"))
    return drawing


def _headline(b: Bulletin) -> list:
    rows = [[_("指标"), _("本月"), _("上月"), _("变化"), _("口径")]]
    for h in b.headline:
        rows.append([h.name, _show(h.current), _show(h.previous), h.change, _para(h.formula, _SMALL)])
    story: list = [_para(_("一、总体情况"), _H2), _table(rows, [28 * mm, 20 * mm, 20 * mm, 20 * mm, 92 * mm])]
    if not b.calls_available:
        story.append(_para(_("接通率、15 秒应答率：话务模块未安装，本期无数据"), _SMALL))
    for title, data in ((_("按渠道"), b.by_channel), (_("按诉求类型"), b.by_type)):
        story += [Spacer(1, 4 * mm),
                  _bars(_("受理量%(title)s（蓝：本月，灰：上月）") % {"title": title}, [d[0] for d in data],
                        [[d[1] for d in data], [d[2] for d in data]])]
    days = [f"{d:%d}" for d, _n in b.daily]
    story += [Spacer(1, 4 * mm), _line(_("每日受理量"), days, [n for _d, n in b.daily])]
    return story


def _rankings(b: Bulletin) -> list:
    codes = RANKING_CODES
    story: list = [PageBreak(), _para(_("二、承办单位考核排名"), _H2), _para(
        _("综合得分 = Σ 权重 × 指标得分 ÷ Σ 权重；权重：%(weights)s；基本满意折算系数 %(factor)s；"
          "当月主办工单少于 %(minimum)s 件的单位不参与排名；已认定不合理诉求和申诉成立的工单不计入考核") % {
            "weights": _("，").join(f"{k} {v}" for k, v in b.weights.items()), "factor": b.basic_factor,
            "minimum": b.min_volume}, _SMALL)]
    for ranking in b.rankings:
        rows = [[_("名次"), _("单位"), _("工单"), _("综合得分"), *[str(KPIS[c].name) for c in codes]]]
        for r in ranking.results:
            rows.append([r.rank or "—", _para(r.unit.name, _SMALL), r.volume,
                         "—" if r.score is None else f"{r.score:.2f}",
                         *[_show(r.figures.get(c)) for c in codes]])
        story += [_para(ranking.label, _H2), _table(rows, [12 * mm, 36 * mm, 12 * mm, 18 * mm, *[17 * mm] * len(codes)])]
        ranked = ranking.ranked[:15]
        if ranked:
            story.append(_bars(_("%(tier)s综合得分") % {"tier": ranking.label},
                               [r.unit.name[:12] for r in reversed(ranked)],
                               [[r.score or 0 for r in reversed(ranked)]], horizontal=True,
                               height=max(35 * mm, len(ranked) * 6 * mm)))
    return story


def _units(b: Bulletin) -> list:
    story: list = [PageBreak(), _para(_("三、超期工单（按单位）"), _H2)]
    rows = [[_("单位"), _("超期工单"), _("其中在办超期"), _("应办结工单")]]
    rows += [[r.unit.name, r.count, r.extra, r.of] for r in b.overdue]
    story.append(_table(rows, [70 * mm, 30 * mm, 30 * mm, 30 * mm]) if b.overdue else _para(_("本月无超期工单。"), _BODY))
    story.append(_para(_("四、重办工单（按单位）"), _H2))
    rows = [[_("单位"), _("重办工单"), _("主办工单"), _("重办率")]]
    rows += [[r.unit.name, r.count, r.of, f"{r.count / r.of * 100:.2f}%" if r.of else "—"] for r in b.rehandled]
    story.append(_table(rows, [70 * mm, 30 * mm, 30 * mm, 30 * mm]) if b.rehandled
                 else _para(_("本月无重办工单。"), _BODY))
    story.append(_para(_("五、热点问题"), _H2))
    story.append(_para(_("来源：%(source)s") % {"source": b.hotspot_source}, _SMALL))
    rows = [[_("排名"), _("热点"), _("地点"), _("工单量"), _("环比/时间")]]
    rows += [[h.rank, _para(h.title, _SMALL), h.place, h.orders, h.growth] for h in b.hotspots]
    story.append(_table(rows, [12 * mm, 78 * mm, 30 * mm, 20 * mm, 30 * mm]) if b.hotspots
                 else _para(_("本月无热点问题。"), _BODY))
    return story


def build(b: Bulletin) -> bytes:
    """The PDF's bytes."""
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("12345 热线月度通报 %(month)s") % {"month": b.period.label},
                            author="hotline")
    story: list = [
        _para(_("12345 热线月度通报 %(month)s") % {"month": b.period.label}, _H1),
        _para(_("统计周期 %(first)s 至 %(last)s；对比上月 %(previous)s；生成于 %(at)s") % {
            "first": b.period.first_day, "last": b.period.last_day, "previous": b.previous.label,
            "at": f"{timezone.localtime(b.generated_at):%Y-%m-%d %H:%M}"}, _BODY),
        *([_para(b.status, _BODY)] if b.status else []),
        *_headline(b), *_rankings(b), *_units(b),
    ]

    def footer(canvas, document) -> None:  # noqa: ANN001
        canvas.setFont(FONT, 7)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, _("第 %(page)s 页") % {"page": document.page})

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
