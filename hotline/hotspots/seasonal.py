"""Reading the orders for seasonal early warnings (季节性预警, 未诉先办): what rose in these weeks of past years.

Citizens' orders only (`from_citizens`: not the centre's own 主动发现 orders), not praise (表扬).
Confidential orders (保密) are counted, never listed: the page shows numbers and links to the order
list, which applies each person's own visibility. All past years' windows and baselines are counted
in ONE grouped query (category at `SEASONAL_KEY_LEVEL` × district, one conditional count per window
and baseline); the city-wide key of a category is the sum of its district rows. The algorithm is
`hotline.intelligence.seasonal`. A report depends only on days before today, so it is cached for the day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Case, Count, F, Min, Q, When
from django.urls import reverse
from django.utils.translation import gettext as _

from hotline.core import clock
from hotline.hotspots.constants import setting
from hotline.hotspots.services import LOCAL, MAX_YEAR, MIN_YEAR
from hotline.intelligence.seasonal import (
    Assessment,
    KeyCounts,
    PastYear,
    SeasonalParams,
    assess,
    past_years,
)
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel
from hotline.tickets.models import Ticket, raised_by_citizens

#: The longest description put into the intake link (the form takes far more; the link must stay short).
DESCRIPTION_CHARS = 600


class SeasonalInputError(ValueError):
    """A start date or a number of days that cannot be read."""


@dataclass(frozen=True)
class Row:
    """One key of a warning: a category city-wide (district None) or in one district."""

    category_id: int
    category: str
    category_path: str
    district_id: int | None
    district: str
    season: Assessment

    @property
    def place(self) -> str:
        """The district's name, or 全市 for the whole city."""
        return self.district or _("全市")


@dataclass(frozen=True)
class Group:
    """One problem (a category): its city-wide row and the districts where it warns, listed once."""

    rank: int
    city: Row
    districts: tuple[Row, ...]

    @property
    def excess(self) -> float:
        """The largest expected excess of its warning rows."""
        return max(r.season.excess for r in (self.city, *self.districts) if r.season.is_warning)


@dataclass(frozen=True)
class Report:
    """The seasonal warnings for the window [start, start + days)."""

    start: date
    days: int
    today: date
    years: tuple[PastYear, ...]
    keys: int
    groups: tuple[Group, ...]
    threshold: float
    min_expected: float

    @property
    def end(self) -> date:
        """The last day of the window."""
        return self.start + timedelta(days=self.days - 1)


def parse_window(start: str | None, days: str | None) -> tuple[date, int]:
    """The window asked for (`?start=YYYY-MM-DD&days=30`; defaults today and SEASONAL_DAYS), or SeasonalInputError."""
    today = clock.now().astimezone(LOCAL).date()
    day = today
    if start:
        try:
            day = date.fromisoformat(start.strip())
        except ValueError as error:
            raise SeasonalInputError(_("无法识别的日期 %(value)s（格式：2025-11-01）") % {"value": start}) from error
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise SeasonalInputError(_("%(value)s 超出范围（年份须在 %(low)s 至 %(high)s 之间）")
                                     % {"value": start, "low": MIN_YEAR, "high": MAX_YEAR})
    length = int(setting("SEASONAL_DAYS"))
    if days:
        longest = int(setting("SEASONAL_MAX_DAYS"))
        value = days.strip()
        if not value.isdecimal() or not 1 <= int(value) <= longest:
            raise SeasonalInputError(_("天数须为 1 至 %(max)s 之间的整数：%(value)s") % {"max": longest, "value": days})
        length = int(value)
    return day, length


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL)


def _key_category(level: int) -> Any:
    """The order's category rolled up to `level` (a shallower category stays itself)."""
    whens = []
    if level < 3:
        whens.append(When(category__level=3, then=F("category__parent__parent_id" if level == 1
                                                     else "category__parent_id")))
    if level < 2:
        whens.append(When(category__level=2, then=F("category__parent_id")))
    return Case(*whens, default=F("category_id")) if whens else F("category_id")


def counted_orders() -> Any:
    """The orders seasons are read from: citizens' demand with a category, praise left out (保密 counted)."""
    return (Ticket.objects.from_citizens().exclude(request_type=RequestType.PRAISE)
            .filter(category__isnull=False))


def first_day() -> date | None:
    """The day of the first order counted (the history starts there)."""
    first = counted_orders().order_by().aggregate(first=Min("registered_at"))["first"]
    return first.astimezone(LOCAL).date() if first else None


def count_keys(years: list[PastYear], *, level: int) -> dict[tuple[int, int | None], KeyCounts]:
    """Per (category, district) and per (category, None) for the whole city: the years' window and baseline
    counts, in ONE grouped query."""
    if not years:
        return {}
    low = min(y.base_start for y in years)
    high = max(max(y.base_end, y.window_end) for y in years)
    counts: dict[str, Any] = {}
    for i, y in enumerate(years):
        counts[f"w{i}"] = Count("id", filter=Q(registered_at__gte=_moment(y.window_start),
                                               registered_at__lt=_moment(y.window_end)))
        counts[f"b{i}"] = Count("id", filter=Q(registered_at__gte=_moment(y.base_start),
                                               registered_at__lt=_moment(y.base_end)))
    rows = (counted_orders().filter(registered_at__gte=_moment(low), registered_at__lt=_moment(high))
            .annotate(key=_key_category(level)).values("key", "district_id").annotate(**counts).order_by())
    n = len(years)
    found: dict[tuple[int, int | None], list[list[int]]] = defaultdict(lambda: [[0] * n, [0] * n])
    for row in rows:
        for key in {(row["key"], row["district_id"]), (row["key"], None)}:  # no district: the city key once
            window, base = found[key]
            for i in range(n):
                window[i] += row[f"w{i}"]
                base[i] += row[f"b{i}"]
    return {key: KeyCounts(key, tuple(w), tuple(b)) for key, (w, b) in found.items()}


def _groups(seasons: list[Assessment]) -> tuple[Group, ...]:
    """One group per category with any warning: its city-wide row and its warning districts, by excess."""
    by_category: dict[int, list[Assessment]] = defaultdict(list)
    city: dict[int, Assessment] = {}
    for s in seasons:
        category_id, district_id = s.key
        if district_id is None:
            city[category_id] = s
        elif s.is_warning:
            by_category[category_id].append(s)
    chosen = [c for c in city if city[c].is_warning or by_category.get(c)]
    names = {c.pk: (c.name, c.full_name) for c in Category.objects.filter(pk__in=chosen)}
    district_ids = {s.key[1] for c in chosen for s in by_category.get(c, [])}
    districts = dict(HandlingUnit.objects.filter(pk__in=district_ids).values_list("pk", "name"))

    def row(s: Assessment) -> Row:
        name, path = names.get(s.key[0], ("?", "?"))
        return Row(s.key[0], name, path, s.key[1], districts.get(s.key[1], "") if s.key[1] else "", s)

    built = []
    for c in chosen:
        local = sorted(by_category.get(c, []), key=lambda s: (-s.excess, s.key[1] or 0))
        built.append(Group(0, row(city[c]), tuple(row(s) for s in local)))
    built.sort(key=lambda g: (-g.excess, g.city.category_path))
    return tuple(Group(i, g.city, g.districts) for i, g in enumerate(built, start=1))


def compute(start: date, days: int, *, today: date | None = None) -> Report:
    """The seasonal warnings of [start, start + days) as of today (no cache)."""
    today = today or clock.now().astimezone(LOCAL).date()
    years = past_years(start, days, first_day=first_day(), today=today, max_years=int(setting("SEASONAL_YEARS")))
    params = SeasonalParams(threshold=setting("SEASONAL_THRESHOLD"), min_expected=setting("SEASONAL_MIN_EXPECTED"))
    keyed = count_keys(years, level=int(setting("SEASONAL_KEY_LEVEL")))
    seasons = assess(years, keyed.values(), params)
    return Report(start, days, today, tuple(years), len(keyed), _groups(seasons),
                  params.threshold, params.min_expected)


def report(start: date, days: int) -> Report:
    """`compute`, cached for up to `SEASONAL_CACHE_SECONDS`, never past midnight (it reads only days before today)."""
    today = clock.now().astimezone(LOCAL).date()
    key = (f"hotline:seasonal:{today}:{start}:{days}:{setting('SEASONAL_KEY_LEVEL')}:"
           f"{setting('SEASONAL_THRESHOLD')}:{setting('SEASONAL_MIN_EXPECTED')}:{setting('SEASONAL_YEARS')}")
    found = cache.get(key)
    if found is None:
        found = compute(start, days, today=today)
        now = clock.now().astimezone(LOCAL)
        midnight = _moment(today + timedelta(days=1))
        cache.set(key, found, max(1, min(int(setting("SEASONAL_CACHE_SECONDS")), int((midnight - now).total_seconds()))))
    return found


def orders_url(row: Row, year: PastYear) -> str:
    """The order list filtered to the row's category and district in that year's window."""
    params: dict[str, Any] = {"category": row.category_id, "registered_from": year.window_start.isoformat(),
                              "registered_to": (year.window_end - timedelta(days=1)).isoformat()}
    if row.district_id:
        params["district"] = row.district_id
    return f"{reverse('orders')}?{urlencode(params)}"


def raised_since(found: Report) -> date:
    """Proactive orders registered from this day on answer the report's season: one window-length ahead of it."""
    return found.start - timedelta(days=found.days)


def raised(found: Report) -> dict[tuple[int, int | None], int]:
    """The 主动发现 (未诉先办) orders already raised per key since `raised_since`: (category, district) and
    (category, None) for the city. Not cached: one appears as soon as a dispatcher raises it."""
    level = int(setting("SEASONAL_KEY_LEVEL"))
    rows = (Ticket.objects.exclude(raised_by_citizens()).filter(
        category__isnull=False, registered_at__gte=_moment(raised_since(found)))
        .annotate(key=_key_category(level)).values("key", "district_id").annotate(n=Count("id")).order_by())
    found_keys: dict[tuple[int, int | None], int] = defaultdict(int)
    for row in rows:
        found_keys[(row["key"], row["district_id"])] += row["n"]
        if row["district_id"] is not None:
            found_keys[(row["key"], None)] += row["n"]
    return dict(found_keys)


def raised_url(row: Row, found: Report) -> str:
    """The order list of the proactive orders already raised on the row's problem."""
    params: dict[str, Any] = {"channel": Channel.PROACTIVE, "category": row.category_id,
                              "registered_from": raised_since(found).isoformat()}
    if row.district_id:
        params["district"] = row.district_id
    return f"{reverse('orders')}?{urlencode(params)}"


def _count(n: float) -> str:
    """An expected number of orders as the text says it: one decimal under 10 (so 8 ÷ 1.3 reads right)."""
    return f"{n:.1f}" if n < 10 else f"{n:.0f}"


def intake_url(row: Row, found: Report) -> str:
    """The intake page filled in for a 未诉先办 order on the row's problem (channel 主动发现)."""
    place = row.district or "全市"  # the order's own text, in the centre's language
    past = "，".join(f"{y.label}年 {n} 件" for y, n in zip(found.years, row.season.past, strict=True))
    first = found.years[0]
    description = (
        f"季节性预警：往年同期（{first.window_start:%m-%d} 至 {first.window_end - timedelta(days=1):%m-%d}）"
        f"{row.category_path}（{place}）的群众诉求：{past}。"
        f"预计 {found.start:%Y-%m-%d} 起 {found.days} 天约 {_count(row.season.expected)} 件，"
        f"为平时同等时长（约 {_count(row.season.normal)} 件）的 {row.season.index:.1f} 倍。"
        "请提前排查、通知承办单位做好准备。")
    params: dict[str, Any] = {"channel": Channel.PROACTIVE, "title": f"季节性预警：{row.category}（{place}）",
                              "description": description[:DESCRIPTION_CHARS], "category": row.category_id}
    if row.district_id:
        params["district"] = row.district_id
    return f"{reverse('intake')}?{urlencode(params)}"
