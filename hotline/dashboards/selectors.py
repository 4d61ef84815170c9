"""Reads behind the dashboards: every figure comes from the rollups, restricted to what the viewer may see.

A `Scope` is the set of units whose rows a person may read: None for centre staff (the all-units
rows), or a unit sub-tree for unit staff. Every function here takes one, so no query can forget it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.privacy import scrub_public_text
from hotline.dashboards.ledger import hour_of
from hotline.dashboards.models import ALL_UNITS, COUNTERS, DailyRollup, Kind, OpenLoad
from hotline.kpis.models import AssessmentSettings

logger = logging.getLogger(__name__)

#: Roles that may open the dashboards (unit admins see their own sub-tree only).
CENTRE_VIEWERS = frozenset({"supervisor", "inspector", "leader", "admin"})
UNIT_VIEWERS = frozenset({"unit_admin"})
TOP_CATEGORIES = 10
TOP_UNITS = 15
HOTSPOTS = 5


@dataclass(frozen=True)
class Scope:
    """Whose figures a viewer sees: `units` None means the whole centre."""

    units: tuple[int, ...] | None
    label: str

    @property
    def is_centre(self) -> bool:
        return self.units is None

    @property
    def volume(self) -> str:
        """The counter that measures volume: orders registered (centre) or received (a unit)."""
        return "created" if self.units is None else "dispatched"

    def rows(self, kind: str, start: date, end: date) -> QuerySet[DailyRollup]:
        """Rollup rows of one breakdown for days in [start, end), restricted to the scope."""
        qs = DailyRollup.objects.filter(kind=kind, day__gte=start, day__lt=end)
        return qs.filter(unit_id=ALL_UNITS) if self.units is None else qs.filter(unit_id__in=self.units)


def may_view(user: Any) -> bool:
    """Whether this person may open the dashboards: the centre's viewers (the whole city) and unit
    administrators (their own units and the units below them)."""
    active = user is not None and user.is_authenticated and user.is_active
    return bool(active and user.role in CENTRE_VIEWERS | UNIT_VIEWERS)


def scope_for(user: Any) -> Scope | None:
    """The viewer's scope, or None if this person may not see the dashboards at all."""
    if not may_view(user):
        return None
    if user.role in CENTRE_VIEWERS:
        return Scope(None, _("全市"))
    if user.role in UNIT_VIEWERS:
        from hotline.orgs.models import HandlingUnit

        own = list(user.units.all())
        ids = tuple(HandlingUnit.objects.subtree_of(own).order_by("id").values_list("id", flat=True))
        return Scope(ids, _("、").join(u.name for u in own) or _("（未关联单位）"))
    return None


# --- Helpers --------------------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of the month and of the next one."""
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _rate(num: float, den: float) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def basic_factor() -> float:
    """The 基本满意 weight of 满意率: the centre's setting, the one the assessment KPIs read."""
    return float(AssessmentSettings.current().basic_factor)


def satisfaction_rate(satisfied: int, basically: int, visits: int, factor: float) -> float | None:
    """满意率 = (满意 + 折算系数 × 基本满意) / 有效回访, in percent."""
    return _rate(satisfied + factor * basically, visits)


def _names(model: Any, ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    return dict(model.objects.filter(pk__in=wanted).values_list("id", "name")) if wanted else {}


# --- Panels ---------------------------------------------------------------------------------------


def totals(scope: Scope, start: date, end: date) -> dict[str, int]:
    """Every counter summed over [start, end)."""
    got = scope.rows(Kind.ALL, start, end).aggregate(**{c: Sum(c) for c in COUNTERS})
    return {c: int(got[c] or 0) for c in COUNTERS}


def kpis(scope: Scope, start: date, end: date) -> dict[str, Any]:
    """The month's headline figures and rates (formulas in docs/dashboards.md)."""
    t = totals(scope, start, end)
    return t | {
        "volume": t[scope.volume],
        # The KPI page's 直接答复率: by registration day, without merged and proactive (未诉先办) orders.
        "direct_rate": _rate(t["direct_answered"], t["direct_base"]) if scope.is_centre else None,
        "return_rate": _rate(t["returned"], t["dispatched"]),
        "rehandle_rate": _rate(t["rehandled"], t["dispatched"]),
        "resolve_rate": _rate(t["resolved"], t["visits"]),
        "satisfaction_rate": satisfaction_rate(t["satisfied"], t["basically"], t["visits"], basic_factor()),
    }


def series_by(scope: Scope, kind: str, start: date, end: date, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Daily volume per key of one breakdown (channel or request type), biggest first."""
    days = _days(start, end)
    index = {d: i for i, d in enumerate(days)}
    data: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    rows = (scope.rows(kind, start, end).values("key", "day").annotate(n=Sum(scope.volume)).order_by())
    for row in rows:
        if row["n"]:
            data[row["key"]][index[row["day"]]] += int(row["n"])
    series = [{"key": k, "name": str(labels.get(k, k or _("未填"))), "data": v, "total": sum(v)}
              for k, v in data.items()]
    return sorted(series, key=lambda s: -s["total"])


def ranked(scope: Scope, kind: str, start: date, end: date, *, limit: int | None = None) -> list[tuple[str, int]]:
    """(key, volume) of one breakdown over [start, end), biggest first."""
    rows = (scope.rows(kind, start, end).values("key").annotate(n=Sum(scope.volume)).order_by("-n", "key"))
    found = [(r["key"], int(r["n"] or 0)) for r in rows if r["n"]]
    return found[:limit] if limit else found


def top_categories(scope: Scope, start: date, end: date) -> list[dict[str, Any]]:
    """The month's biggest level-1 categories."""
    from hotline.taxonomy.models import Category

    rows = ranked(scope, Kind.CATEGORY, start, end, limit=TOP_CATEGORIES)
    names = _names(Category, [int(k) for k, _n in rows])
    return [{"id": int(k), "name": names.get(int(k), _("未分类")), "count": n} for k, n in rows]


def districts(scope: Scope, start: date, end: date) -> list[dict[str, Any]]:
    """The month's volume per district of the incident address."""
    from hotline.orgs.models import HandlingUnit

    rows = ranked(scope, Kind.DISTRICT, start, end)
    names = _names(HandlingUnit, [int(k) for k, _n in rows])
    return [{"id": int(k), "name": names.get(int(k), _("未填区")), "count": n} for k, n in rows]


def open_load(scope: Scope, now: datetime) -> dict[int, dict[str, int]]:
    """Per lead unit: orders open now and how many are past their running deadline (to the hour)."""
    qs = OpenLoad.objects.filter(open__gt=0)
    if scope.units is not None:
        qs = qs.filter(unit_id__in=scope.units)
    current = hour_of(now)
    rows = qs.values("unit_id").annotate(
        open_n=Sum("open"), overdue=Sum("open", filter=Q(due_hour__gt=0, due_hour__lt=current)),
    ).order_by()
    return {r["unit_id"]: {"open": int(r["open_n"] or 0), "overdue": int(r["overdue"] or 0)} for r in rows}


def units(scope: Scope, start: date, end: date, now: datetime) -> list[dict[str, Any]]:
    """The overdue-by-unit panel: open and overdue now, and the month's received, returned, closed."""
    from hotline.orgs.models import HandlingUnit

    rows = DailyRollup.objects.filter(kind=Kind.ALL, day__gte=start, day__lt=end).exclude(unit_id=ALL_UNITS)
    if scope.units is not None:
        rows = rows.filter(unit_id__in=scope.units)
    month = {r["unit_id"]: r for r in rows.values("unit_id").annotate(
        received=Sum("dispatched"), returned_n=Sum("returned"), finished_n=Sum("finished"),
        supervised_n=Sum("supervised")).order_by()}
    load = open_load(scope, now)
    ids = set(month) | set(load)
    names = _names(HandlingUnit, ids)
    table = []
    for uid in ids:
        m, lo = month.get(uid, {}), load.get(uid, {})
        table.append({
            "id": uid, "name": names.get(uid, str(uid)), "open": lo.get("open", 0), "overdue": lo.get("overdue", 0),
            "received": int(m.get("received") or 0), "returned": int(m.get("returned_n") or 0),
            "finished": int(m.get("finished_n") or 0), "supervised": int(m.get("supervised_n") or 0),
        })
    table.sort(key=lambda r: (-r["overdue"], -r["open"], -r["received"], r["name"]))
    return table[:TOP_UNITS]


def satisfaction_trend(scope: Scope, month: date, *, months: int = 12) -> list[dict[str, Any]]:
    """满意率 and 解决率 of each of the last `months` months up to this one."""
    start = month.replace(day=1)
    for _i in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    _s, end = month_bounds(month)
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = scope.rows(Kind.ALL, start, end).values("day", "visits", "resolved", "satisfied", "basically",
                                                     "unsatisfied")
    for r in rows.iterator(5000):
        bucket = by_month[r["day"].strftime("%Y-%m")]
        for c in ("visits", "resolved", "satisfied", "basically", "unsatisfied"):
            bucket[c] += r[c]
    trend = []
    factor = basic_factor()
    cursor = start
    while cursor < end:
        key = cursor.strftime("%Y-%m")
        b = by_month.get(key, {})
        visits = b.get("visits", 0)
        trend.append({"month": key, "visits": visits, "satisfied": b.get("satisfied", 0),
                      "basically": b.get("basically", 0), "unsatisfied": b.get("unsatisfied", 0),
                      "satisfaction_rate": satisfaction_rate(b.get("satisfied", 0), b.get("basically", 0), visits,
                                                             factor),
                      "resolve_rate": _rate(b.get("resolved", 0), visits)})
        cursor = month_bounds(cursor)[1]
    return trend


def hotspots(scope: Scope, start: date, end: date, *, limit: int = HOTSPOTS,
             today: date | None = None) -> dict[str, Any]:
    """Hot spots of the month: mined by `hotline.hotspots` when it is installed and found any (centre only),
    otherwise the category × district pairs (for a unit: categories) with the most orders, from the rollups,
    compared with the same days of the previous calendar month (`previous` gives them, last day included)."""
    if scope.is_centre:
        found = _mined_hotspots(start, end, limit)
        if found:
            return {"source": "mined", "items": found}
    before, until = previous_span(start, end, today or timezone.localdate())
    return {"source": "rollups", "by": "category_district" if scope.is_centre else "category",
            "previous": [before.isoformat(), (until - timedelta(days=1)).isoformat()],
            "items": growth_hotspots(scope, start, end, limit=limit, today=today)}


def previous_span(start: date, end: date, today: date) -> tuple[date, date]:
    """The days [from, to) of the previous calendar month to compare the month [start, end) with: the whole
    previous month, or, while the month is running, as many of its first days as have begun this month."""
    before, until = month_bounds(start - timedelta(days=1))
    if start <= today < end:
        until = min(until, before + (today - start) + timedelta(days=1))
    return before, until


def _mined_hotspots(start: date, end: date, limit: int) -> list[dict[str, Any]] | None:
    try:
        from hotline.hotspots.selectors import top_hotspots
    except ImportError:
        return None
    since, until = (timezone.make_aware(datetime.combine(d, datetime.min.time())) for d in (start, end))
    try:
        mined = top_hotspots(since, until, limit=limit)
    except Exception:  # the dashboard must still answer: fall back to the rollups' hot spots
        logger.exception("hot spots for %s–%s could not be mined", start, end)
        return None
    items = []
    for h in mined:
        items.append({
            "rank": h.rank, "title": scrub_public_text(str(h.title)), "place": scrub_public_text(str(h.place or "")), "heat": round(float(h.heat), 1),
            "orders": h.orders, "people": getattr(h, "people", None),
            "first_at": timezone.localtime(h.first_at).strftime("%m-%d %H:%M") if h.first_at else "",
            "last_at": timezone.localtime(h.last_at).strftime("%m-%d %H:%M") if h.last_at else "",
            "growth": getattr(h, "growth", None),
        })
    return items


def growth_hotspots(scope: Scope, start: date, end: date, *, limit: int = HOTSPOTS,
                    today: date | None = None) -> list[dict[str, Any]]:
    """Category × district pairs (for a unit: categories) with the most orders this month, and their growth.

    Growth (较上月) is this month's volume minus the previous calendar month's over the same days
    (`previous_span`: the whole month, or its first N days while this month is N days old).
    """
    from hotline.orgs.models import HandlingUnit
    from hotline.taxonomy.models import Category

    kind = Kind.HOT if scope.is_centre else Kind.CATEGORY
    before, until = previous_span(start, end, today or timezone.localdate())
    now_rows = dict(ranked(scope, kind, start, end))
    then_rows = dict(ranked(scope, kind, before, until))
    top = sorted(now_rows.items(), key=lambda kv: (-kv[1], -(kv[1] - then_rows.get(kv[0], 0)), kv[0]))[:limit]
    cat_ids, dist_ids = set(), set()
    for key, _n in top:
        cat, _sep, dist = key.partition("-")
        cat_ids.add(int(cat))
        if dist:
            dist_ids.add(int(dist))
    cats, dists = _names(Category, cat_ids), _names(HandlingUnit, dist_ids)
    items = []
    for rank, (key, n) in enumerate(top, start=1):
        cat, _sep, dist = key.partition("-")
        items.append({
            "rank": rank, "title": cats.get(int(cat), _("未分类")),
            "place": dists.get(int(dist), _("未填区")) if dist else "", "heat": n, "orders": n, "people": None,
            "first_at": "", "last_at": "", "growth": n - then_rows.get(key, 0),
        })
    return items


def month_payload(scope: Scope, month: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the monthly dashboard shows, as plain JSON-ready data."""
    from hotline.taxonomy.choices import RequestType
    from hotline.tickets.choices import Channel

    now = now or timezone.now()
    start, end = month_bounds(month)
    return {
        "month": start.strftime("%Y-%m"),
        "scope": scope.label,
        "volume_label": _("受理量") if scope.is_centre else _("收件量"),
        "days": [d.isoformat() for d in _days(start, end)],
        "kpis": kpis(scope, start, end),
        "by_channel": series_by(scope, Kind.CHANNEL, start, end, dict(Channel.choices)),
        "by_type": series_by(scope, Kind.TYPE, start, end, dict(RequestType.choices)),
        "categories": top_categories(scope, start, end),
        "districts": districts(scope, start, end),
        "units": units(scope, start, end, now),
        "satisfaction": satisfaction_trend(scope, month),
        "hotspots": hotspots(scope, start, end, today=timezone.localdate(now)),
    }


def screen_payload(scope: Scope, *, now: datetime | None = None) -> dict[str, Any]:
    """The big screen: today's live figures, the month's daily trend, districts, overdue units, hot spots."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = month_bounds(today)
    tomorrow = today + timedelta(days=1)
    day = totals(scope, today, tomorrow)
    load = open_load(scope, now)
    trend_rows = dict(scope.rows(Kind.ALL, start, tomorrow).values("day").annotate(n=Sum(scope.volume))
                      .order_by().values_list("day", "n"))
    days = _days(start, tomorrow)
    month_totals = totals(scope, start, end)
    return {
        "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        "scope": scope.label,
        "volume_label": _("受理量") if scope.is_centre else _("收件量"),
        "today": {"volume": day[scope.volume], "answered": day["answered"], "dispatched": day["dispatched"],
                  "finished": day["finished"], "visits": day["visits"],
                  "open": sum(v["open"] for v in load.values()),
                  "overdue": sum(v["overdue"] for v in load.values())},
        "month": {"volume": month_totals[scope.volume], "finished": month_totals["finished"],
                  "satisfaction_rate": satisfaction_rate(month_totals["satisfied"], month_totals["basically"],
                                                         month_totals["visits"], basic_factor())},
        "days": [d.strftime("%m-%d") for d in days],
        "trend": [int(trend_rows.get(d) or 0) for d in days],
        "districts": districts(scope, start, end)[:12],
        "units": units(scope, start, end, now)[:10],
        "hotspots": hotspots(scope, start, end, today=today)["items"],
    }
