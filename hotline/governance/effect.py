"""The effect of a theme (治理成效): how many matching orders came in each month, before and after it was taken on.

Matching orders are those registered in the theme's category (or below it), in its district, and naming
one of its keywords (ignoring case, alike on SQLite and PostgreSQL) — each condition only when the theme
sets it. Counted in one query (one conditional COUNT per month), straight from the orders, so merged
duplicates count too: each was a caller. The centre's own orders (主动发现, 未诉先办: raised for the theme,
nobody called) are not citizens' demand and are never counted (`citizens`).

The baseline (基线) is the average of the whole months before the theme's month, from MONTHS_BEFORE
months before it but never before the first month the platform has any citizen's order (one MIN over
the indexed `registered_at`): months before that would count as 0 and inflate the change. That first month is
marked partial when its first order came after the 1st, and left out of the baseline; with fewer than
MIN_BASELINE whole months left, the baseline is 「基线不足」 and no change is given.

A theme whose month lies outside the years MIN_YEAR–MAX_YEAR (stored before the form and `services.adopt`
refused such months) has an empty, not-measurable effect: its months cannot be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from hotline.core import clock
from hotline.governance.models import Theme
from hotline.hotspots.services import MAX_YEAR, MIN_YEAR
from hotline.tickets.models import Ticket, raised_by_citizens

#: Months counted before the theme's own month (the baseline) and at most after it.
MONTHS_BEFORE = 3
MONTHS_AFTER = 12
#: Whole months the baseline needs before a change is given.
MIN_BASELINE = 2


@dataclass(frozen=True)
class Month:
    first: date
    orders: int
    partial: bool  # the current month, still running
    partial_start: bool = False  # the platform's first month, its first order after the 1st

    @property
    def whole(self) -> bool:
        return not (self.partial or self.partial_start)

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")


@dataclass(frozen=True)
class Effect:
    """Orders per month around the theme, and the average before it against the average since."""

    measurable: bool  # the theme says what to count (category, district or keywords), in a month in range
    months: list[Month]
    month: date  # the theme's own month

    @property
    def month_out_of_range(self) -> bool:
        """The theme's month lies outside the years MIN_YEAR–MAX_YEAR: nothing is counted."""
        return not MIN_YEAR <= self.month.year <= MAX_YEAR

    @property
    def baseline(self) -> list[Month]:
        """The whole months before the theme's month."""
        return [m for m in self.months if m.first < self.month and m.whole]

    @property
    def baseline_short(self) -> bool:
        """Fewer than MIN_BASELINE whole months before the theme's month (基线不足)."""
        return self.measurable and len(self.baseline) < MIN_BASELINE

    @property
    def before(self) -> float | None:
        """Average matching orders per whole month before the theme's month (基线); None when too short."""
        rows = [m.orders for m in self.baseline]
        return sum(rows) / len(rows) if len(rows) >= MIN_BASELINE else None

    @property
    def after(self) -> float | None:
        """Average per whole month after the theme's month (the month it was taken on is left out)."""
        rows = [m.orders for m in self.months if m.first > self.month and not m.partial]
        return sum(rows) / len(rows) if rows else None

    @property
    def change(self) -> float | None:
        """Relative change of the monthly average (−0.4 = 40 % fewer orders); None until both are known."""
        if self.before in (None, 0) or self.after is None:
            return None
        return (self.after - self.before) / self.before


def _add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def matching(theme: Theme) -> Q:
    """The orders a theme's effect is measured on (an empty Q when it sets nothing)."""
    q = Q()
    if theme.category_id is not None:
        c = theme.category_id
        q &= Q(category_id=c) | Q(category__parent_id=c) | Q(category__parent__parent_id=c)
    if theme.district_id is not None:
        q &= Q(district_id=theme.district_id)
    words = theme.keyword_list
    if words:
        any_word = Q()
        for word in words:
            any_word |= Q(title__icontains=word) | Q(description__icontains=word)
        q &= any_word
    return q


def citizens(q: Q) -> Q:
    """`q`, of citizens' orders only: the centre's proactive orders (主动发现) are no one's demand."""
    return q & raised_by_citizens()


def midnight(first: date) -> datetime:
    """Midnight of the first day, in the centre's time zone."""
    return datetime(first.year, first.month, first.day, tzinfo=timezone.get_current_timezone())


def first_order_at() -> datetime | None:
    """When the platform's first citizen's order was registered (None before any): one MIN over an indexed
    column (read in order until the first order that is not proactive)."""
    return Ticket.objects.from_citizens().aggregate(first=Min("registered_at"))["first"]


def effect(theme: Theme, *, now: datetime | None = None) -> Effect:
    """The theme's monthly counts from MONTHS_BEFORE months before its month (not before the platform's
    first order) to now (at most MONTHS_AFTER after); empty and not measurable for a month out of range."""
    if not MIN_YEAR <= theme.month.year <= MAX_YEAR:
        return Effect(measurable=False, months=[], month=theme.month)
    now = timezone.localtime(now or clock.now())
    this_month = now.date().replace(day=1)
    first = _add_months(theme.month, -MONTHS_BEFORE)
    started = first_order_at() if matching(theme) else None
    start_month = timezone.localtime(started).date().replace(day=1) if started is not None else None
    if start_month is not None and start_month > first:
        first = start_month
    partial_start = started is not None and timezone.localtime(started) > midnight(start_month)
    last = min(this_month, _add_months(theme.month, MONTHS_AFTER))
    q = matching(theme)
    if not q or last < first:
        return Effect(measurable=bool(q), months=[], month=theme.month)
    firsts = []
    cursor = first
    while cursor <= last:
        firsts.append(cursor)
        cursor = _add_months(cursor, 1)
    counts = Ticket.objects.filter(citizens(q), registered_at__gte=midnight(firsts[0]),
                                   registered_at__lt=midnight(_add_months(firsts[-1], 1))).aggregate(
        **{f"m{i}": Count("pk", filter=Q(registered_at__gte=midnight(m), registered_at__lt=midnight(_add_months(m, 1))))
           for i, m in enumerate(firsts)})
    return Effect(measurable=True, month=theme.month,
                  months=[Month(m, counts[f"m{i}"] or 0, partial=m == this_month,
                                partial_start=partial_start and m == start_month) for i, m in enumerate(firsts)])
