"""Seasonal early warnings (季节性预警) for 未诉先办: which problems rose in the same weeks of past years.

Plain Python, no database. The caller counts, per key (e.g. (category, district)), the orders of each
past year's *window* (the coming window, moved back one, two … years) and of that year's *baseline*
(a whole year around it), for the years `past_years` chose; `assess` turns those counts into
seasonal indexes and `warnings_of` keeps the warnings.

Definitions (for the coming window [start, start + days)):

* Past year k (k = 1 last year, 2 the year before …): the window [start − k years, + days) and the
  baseline, the 12 months beginning at that window's start, cut at today (a baseline that would reach
  past today is moved back so that it ends today; it is always one calendar year long, 365 or 366 days,
  Feb 29 moving to Feb 28). A year is used only if the history covers its whole baseline (the first
  order is no later than the baseline's start) and its window lies inside the baseline: a centre with
  five months of orders has no past year, and a key first seen last month has nothing in it.
* Normal (平时同等时长) of year k: what an average window of that length held that year,
  baseline count × days ÷ baseline days.
* Seasonal index (倍数) = Σ window counts ÷ Σ normals over the years used (pooled, so that a year with
  more orders weighs more).
* Expected (预计) for the coming window = index × the current normal (the normal of the most recent year
  used): the season of past years scaled to the level the problem has now, so a problem that doubled
  since keeps its season and its new size. Excess (超出) = expected − current normal; warnings rank by it.
* A key warns when index ≥ `threshold` (default 1.5) and expected ≥ `min_expected` (default 5).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: Defaults: the index from which a key warns, the fewest expected orders worth a warning, years looked back.
THRESHOLD = 1.5
MIN_EXPECTED = 5.0
MAX_YEARS = 3


def shift_years(day: date, years: int) -> date:
    """The same calendar day `years` later (negative: earlier); Feb 29 becomes Feb 28 in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 in a year without it
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class PastYear:
    """One past year used for comparison: its window (同期) and its baseline year, both [start, end)."""

    offset: int
    window_start: date
    window_end: date
    base_start: date
    base_end: date

    @property
    def window_days(self) -> int:
        """The window's length in days."""
        return (self.window_end - self.window_start).days

    @property
    def base_days(self) -> int:
        """The baseline's length in days (365, or 366 across a Feb 29)."""
        return (self.base_end - self.base_start).days

    @property
    def label(self) -> str:
        """The window's year, or "2024/25" for a window across the new year."""
        last = self.window_end - timedelta(days=1)
        if last.year == self.window_start.year:
            return str(self.window_start.year)
        return f"{self.window_start.year}/{last.year % 100:02d}"


def past_years(start: date, days: int, *, first_day: date | None, today: date,
               max_years: int = MAX_YEARS) -> list[PastYear]:
    """The past years (most recent first) whose window and whole baseline the history covers.

    `first_day` is the day of the first order the centre holds (None: no orders, no years).
    """
    if first_day is None or days < 1:
        return []
    found = []
    for k in range(1, max_years + 1):
        window_start = shift_years(start, -k)
        window_end = window_start + timedelta(days=days)
        base_end = min(shift_years(window_start, 1), today)
        base_start = shift_years(base_end, -1)
        if window_end > base_end or first_day > base_start:
            continue
        found.append(PastYear(k, window_start, window_end, base_start, base_end))
    return found


@dataclass(frozen=True)
class KeyCounts:
    """A key's orders in each past year's window and baseline, in the order of the years."""

    key: Hashable
    window: Sequence[int]
    base: Sequence[int]


@dataclass(frozen=True)
class SeasonalParams:
    """When a key warns: index ≥ threshold and expected orders ≥ min_expected."""

    threshold: float = THRESHOLD
    min_expected: float = MIN_EXPECTED


@dataclass(frozen=True)
class Assessment:
    """A key's season for the coming window: past counts, normal, expected, index and excess."""

    key: Hashable
    past: tuple[int, ...]
    normal: float
    expected: float
    index: float | None
    is_warning: bool

    @property
    def excess(self) -> float:
        """Expected orders above the normal of a window that long (what the season adds)."""
        return self.expected - self.normal


def assess_one(years: Sequence[PastYear], counts: KeyCounts,
               params: SeasonalParams = SeasonalParams()) -> Assessment:  # noqa: B008 - frozen
    """The seasonal index and expected orders of one key (index None when its baselines are empty)."""
    if not years:
        return Assessment(counts.key, (), 0.0, 0.0, None, False)
    window = tuple(int(counts.window[i]) for i in range(len(years)))
    normals = [counts.base[i] * y.window_days / y.base_days for i, y in enumerate(years)]
    total_normal = sum(normals)
    if total_normal <= 0:
        return Assessment(counts.key, window, 0.0, 0.0, None, False)
    index = sum(window) / total_normal
    current = normals[0]
    expected = index * current
    warns = index >= params.threshold and expected >= params.min_expected
    return Assessment(counts.key, window, current, expected, index, warns)


def assess(years: Sequence[PastYear], counts: Iterable[KeyCounts],
           params: SeasonalParams = SeasonalParams()) -> list[Assessment]:  # noqa: B008 - frozen
    """Every key's assessment, in the order given."""
    return [assess_one(years, c, params) for c in counts]


def warnings_of(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The warnings, largest expected excess first (ties: higher index, then the key)."""
    return sorted((a for a in assessments if a.is_warning),
                  key=lambda a: (-a.excess, -(a.index or 0.0), str(a.key)))
