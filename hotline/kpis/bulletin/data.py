"""What the monthly bulletin (月度通报) says, gathered once and drawn by the xlsx and pdf builders.

Headline figures with the change against the previous month, volume by channel and type, the ranking
of every tier, overdue and re-handled orders by unit, hot spots, and the series behind the charts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import import_module
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.privacy import scrub_public_text
from hotline.kpis import engine
from hotline.kpis.assessment import TierRanking, assess
from hotline.kpis.bases import LEADS, excluded_from_assessment
from hotline.kpis.choices import Indicator
from hotline.kpis.constants import BULLETIN_TOP_UNITS
from hotline.kpis.cuts import Cut
from hotline.kpis.definitions import KPIS, open_overdue
from hotline.kpis.engine import Figure
from hotline.kpis.models import AssessmentSettings
from hotline.kpis.periods import Period, PeriodError
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Channel
from hotline.tickets.models import Assignment, Ticket

logger = logging.getLogger(__name__)

#: The headline indicators, in the order the bulletin lists them.
HEADLINE = [Indicator.VOLUME, Indicator.DIRECT_ANSWER, Indicator.ONLINE_ACCEPT, Indicator.SIGN_TIMELY,
            Indicator.OPINION_TIMELY, Indicator.ON_TIME, Indicator.COMPLETION, Indicator.RETURN, Indicator.REHANDLE,
            Indicator.EXTENSION, Indicator.VISIT, Indicator.RESPONSE, Indicator.RESOLUTION,
            Indicator.FIRST_RESOLUTION, Indicator.SATISFACTION, Indicator.REPEAT, Indicator.CONNECT,
            Indicator.SERVICE_LEVEL]


@dataclass
class Headline:
    code: str
    name: str
    formula: str
    current: Figure | None
    previous: Figure | None

    @property
    def change(self) -> str:
        """+1.20 个百分点 / +35 / — (against the previous month)."""
        a = self.current.value if self.current else None
        b = self.previous.value if self.previous else None
        if a is None or b is None:
            return "—"
        if self.current.is_rate:
            return f"{(a - b) * 100:+.2f} pp"
        return f"{a - b:+.0f}"


@dataclass(frozen=True)
class NoPeriod(Period):
    """Stands for a previous month outside the years the platform reads (before 2000-01): no orders, and
    every comparison with it shows 「—」."""

    @property
    def label(self) -> str:
        return "—"


def previous_of(period: Period) -> Period:
    """The period to compare with, or an empty `NoPeriod` when the one before is out of range."""
    try:
        return period.previous()
    except PeriodError:
        return NoPeriod(period.start, period.start, "none", period.first_day, period.first_day)


@dataclass
class UnitCount:
    unit: HandlingUnit
    count: int
    of: int  # the population it is counted in
    extra: int = 0


@dataclass
class Hotspot:
    rank: int
    title: str
    place: str
    orders: int
    growth: str  # against the previous period, or the dates it was seen
    heat: float | None = None
    people: int | None = None


@dataclass
class Bulletin:
    period: Period
    previous: Period
    generated_at: datetime
    headline: list[Headline]
    by_channel: list[tuple[str, int, int]]  # label, this month, previous month
    by_type: list[tuple[str, int, int]]
    daily: list[tuple[date, int]]
    rankings: list[TierRanking]
    overdue: list[UnitCount]
    rehandled: list[UnitCount]
    hotspots: list[Hotspot]
    hotspot_source: str
    calls_available: bool
    weights: dict[str, Any] = field(default_factory=dict)
    basic_factor: Any = None
    min_volume: int = 0
    #: Printed under the title: a preview's 「预览，未发布」 or a published edition's number and date.
    status: str = ""

    @property
    def has_previous(self) -> bool:
        """Whether there is a previous month to compare with."""
        return not isinstance(self.previous, NoPeriod)


def _counts(period: Period, field_name: str, choices: Any) -> dict[str, int]:
    rows = (Ticket.objects.filter(registered_at__gte=period.start, registered_at__lt=period.end)
            .order_by().values(field_name).annotate(n=Count("pk")))
    found = {r[field_name]: r["n"] for r in rows}
    return {value: found.get(value, 0) for value in choices.values}


def _split(period: Period, previous: Period, field_name: str, choices: Any) -> list[tuple[str, int, int]]:
    now, before = _counts(period, field_name, choices), _counts(previous, field_name, choices)
    return [(str(choices(v).label), now[v], before[v]) for v in choices.values if now[v] or before[v]]


def _daily(period: Period) -> list[tuple[date, int]]:
    rows = (Ticket.objects.filter(registered_at__gte=period.start, registered_at__lt=period.end)
            .annotate(day=TruncDate("registered_at", tzinfo=timezone.get_current_timezone()))
            .order_by().values("day").annotate(n=Count("pk")))
    found = {r["day"]: r["n"] for r in rows}
    out, day = [], period.first_day
    while day <= period.last_day:
        out.append((day, found.get(day, 0)))
        day += timedelta(days=1)
    return out


def _overdue(ctx: engine.Context) -> list[UnitCount]:
    """Lead orders past the reply deadline by unit: late replies plus open overdue orders (在办超期).

    Judged in `ctx`'s scope: with the assessment context (as `gather` passes it) an order the unit won its
    appeal (申诉成立) or unreasonable claim (不合理诉求) on is out, as in the ranking's 按时办结率.
    """
    late = engine.by_unit(Indicator.ON_TIME, ctx)
    still_late = (Assignment.objects.filter(role=AssignmentRole.LEAD, dispatched_at__gte=ctx.start,
                                            dispatched_at__lt=ctx.end,
                                            status__in=[AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED])
                  .filter(open_overdue(ctx.as_of)).annotate(_unit=F("unit_id")))
    if ctx.assessment:
        still_late = still_late.exclude(excluded_from_assessment(LEADS))
    open_late = dict(still_late.order_by().values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    units = HandlingUnit.objects.in_bulk(list(late))
    rows = [UnitCount(units[u], int(f.denominator - (f.numerator or 0)), f.denominator, open_late.get(u, 0))
            for u, f in late.items() if u in units and f.denominator - (f.numerator or 0) > 0]
    rows.sort(key=lambda r: (-r.count, -r.extra, r.unit.name))
    return rows[:BULLETIN_TOP_UNITS]


def _rehandled(ctx: engine.Context) -> list[UnitCount]:
    """Re-handled lead orders (重办) by unit, in `ctx`'s scope (the assessment's, as `gather` passes it)."""
    found = engine.by_unit(Indicator.REHANDLE, ctx)
    units = HandlingUnit.objects.in_bulk(list(found))
    rows = [UnitCount(units[u], int(f.numerator or 0), f.denominator) for u, f in found.items()
            if u in units and f.numerator]
    rows.sort(key=lambda r: (-r.count, r.unit.name))
    return rows[:BULLETIN_TOP_UNITS]


def _growth(now: int, before: int) -> str:
    return _("新增") if not before else f"{(now - before) / before * 100:+.0f}%"


def hotspots(period: Period, previous: Period, limit: int = 5) -> tuple[list[Hotspot], str]:
    """Hot spots from `hotline.hotspots` when installed, else the busiest category × district pairs."""
    try:
        selector = import_module("hotline.hotspots.selectors").top_hotspots
    except (ImportError, AttributeError):
        selector = None
    if selector is not None:
        try:
            found = selector(period.start, period.end, limit=limit)
        except Exception:  # the bulletin must not fail because clustering did; say so and fall back
            logger.exception("hot spots of %s failed; falling back to category × district", period.label)
        else:
            return [Hotspot(rank=h.rank, title=scrub_public_text(str(h.title)),
                            place=scrub_public_text(str(h.place or "—")), orders=int(h.orders),
                            growth=f"{timezone.localtime(h.first_at):%m-%d} ~ {timezone.localtime(h.last_at):%m-%d}",
                            heat=round(float(h.heat), 1), people=getattr(h, "people", None)) for h in found], \
                _("热点聚类（热点问题模块）")
    return _top_pairs(period, previous, limit), _("按分类 × 区的工单量与环比增长统计（热点问题模块不可用）")


def _top_pairs(period: Period, previous: Period, limit: int) -> list[Hotspot]:
    def pairs(p: Period) -> dict[tuple[int | None, int | None], int]:
        rows = (Ticket.objects.filter(registered_at__gte=p.start, registered_at__lt=p.end,
                                      category__isnull=False)
                .order_by().values("category_id", "district_id").annotate(n=Count("pk")))
        return {(r["category_id"], r["district_id"]): r["n"] for r in rows}

    now, before = pairs(period), pairs(previous)
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], -(kv[1] - before.get(kv[0], 0))))[:limit]
    cats = Category.objects.in_bulk([k[0] for k, _n in ranked])
    places = HandlingUnit.objects.in_bulk([k[1] for k, _n in ranked if k[1]])
    return [Hotspot(rank=i, title=cats[c].full_name, place=str(places[d]) if d in places else "—", orders=n,
                    growth=_growth(n, before.get((c, d), 0)) if not isinstance(previous, NoPeriod) else "—")
            for i, ((c, d), n) in enumerate(ranked, start=1)]


def gather(period: Period, *, as_of: datetime | None = None) -> Bulletin:
    """Everything the bulletin of `period` shows: the headline figures in operations terms; the ranking and the
    per-unit sheets that repeat its rates (超期工单's 按时办结率, 重办工单's 重办率) in assessment terms."""
    from hotline.core import clock

    settings = AssessmentSettings.current()
    previous = previous_of(period)
    ctx = engine.context(period, as_of=as_of, settings=settings)
    ctx_before = (engine.context(previous, as_of=as_of, settings=settings)
                  if not isinstance(previous, NoPeriod) else None)
    assessed = engine.context(period, assessment=True, as_of=as_of, settings=settings)  # as `assess` ranks
    headline = []
    for code in HEADLINE:
        kpi = KPIS[code]
        if kpi.base is None and not engine.calls_available():
            continue
        headline.append(Headline(code, str(kpi.name), str(kpi.formula), engine.figure(kpi, ctx, Cut()),
                                 engine.figure(kpi, ctx_before, Cut()) if ctx_before else None))
    spots, source = hotspots(period, previous)
    return Bulletin(
        period=period, previous=previous, generated_at=clock.now(), headline=headline,
        by_channel=_split(period, previous, "channel", Channel),
        by_type=_split(period, previous, "request_type", RequestType),
        daily=_daily(period), rankings=assess(period, settings=settings, as_of=as_of),
        overdue=_overdue(assessed), rehandled=_rehandled(assessed), hotspots=spots, hotspot_source=source,
        calls_available=engine.calls_available(),
        weights={str(KPIS[c].name): w for c, w in settings.weights().items()},
        basic_factor=settings.basic_factor, min_volume=settings.min_volume,
    )
