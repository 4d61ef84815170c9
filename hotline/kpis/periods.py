"""Reporting periods (统计周期): a month, a week, a day or any range of days, in the centre's time zone.

A period is half-open, [start, end), from midnight to midnight local time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: The years a period may fall in (0001-01-01 or 9999-12-31 would overflow the time-zone arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period the person typed cannot be read (the message says why, in Chinese)."""


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    """[start, end) with a label for pages and the bulletin."""

    start: datetime
    end: datetime
    kind: str  # month | week | day | range
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "day":
            return f"{self.first_day:%Y-%m-%d}"
        return f"{self.first_day:%Y-%m-%d} ~ {self.last_day:%Y-%m-%d}"

    def params(self) -> dict[str, str]:
        """The query-string form of this period (for links)."""
        if self.kind == "month":
            return {"month": self.label}
        return {"start": f"{self.first_day:%Y-%m-%d}", "end": f"{self.last_day:%Y-%m-%d}"}

    def previous(self) -> Period:
        """The period just before, of the same length (the previous month for a month)."""
        if self.kind == "month":
            prev = self.first_day - timedelta(days=1)
            return month(prev.year, prev.month)
        days = (self.last_day - self.first_day).days + 1
        return days_between(self.first_day - timedelta(days=days), self.first_day - timedelta(days=1))


def days_between(first: date, last: date) -> Period:
    """The days from `first` to `last`, both included."""
    if not (FIRST_YEAR <= first.year <= LAST_YEAR and FIRST_YEAR <= last.year <= LAST_YEAR):
        raise PeriodError(_("日期须在 %(first)s 至 %(last)s 年之间") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    if last < first:
        raise PeriodError(_("结束日期不能早于开始日期"))
    if (last - first).days > 366:
        raise PeriodError(_("统计区间不能超过一年"))
    kind = "day" if first == last else ("week" if (last - first).days == 6 and first.weekday() == 0 else "range")
    return Period(_midnight(first), _midnight(last + timedelta(days=1)), kind, first, last)


def month(year: int, number: int) -> Period:
    """One calendar month."""
    if not 1 <= number <= 12:
        raise PeriodError(_("月份无效：%(month)s") % {"month": f"{year:04d}-{number:02d}"})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(_("月份须在 %(first)s 至 %(last)s 年之间：%(month)s")
                          % {"first": FIRST_YEAR, "last": LAST_YEAR, "month": f"{year:04d}-{number:02d}"})
    first = date(year, number, 1)
    nxt = date(year + (number == 12), number % 12 + 1, 1)
    return Period(_midnight(first), _midnight(nxt), "month", first, nxt - timedelta(days=1))


def parse_month(text: str) -> Period:
    """A month written YYYY-MM (e.g. 2026-10)."""
    found = _MONTH.match((text or "").strip())
    if not found:
        raise PeriodError(_("月份格式应为 YYYY-MM（例如 2026-10），收到「%(text)s」") % {"text": text})
    return month(int(found.group(1)), int(found.group(2)))


def week_of(day: date) -> Period:
    """The Monday-to-Sunday week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return days_between(monday, monday + timedelta(days=6))


def parse_days(first: str, last: str) -> Period:
    """A range written as two dates YYYY-MM-DD."""
    try:
        a, b = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError as exc:
        raise PeriodError(_("日期格式应为 YYYY-MM-DD：%(error)s") % {"error": exc}) from exc
    return days_between(a, b)


def current_month() -> Period:
    """The month we are in (by the domain clock, local time)."""
    from hotline.core import clock

    today = timezone.localtime(clock.now()).date()
    return month(today.year, today.month)


def last_full_month() -> Period:
    """The month before the current one: the month a bulletin is normally about."""
    return current_month().previous()
