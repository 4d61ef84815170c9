"""China's working calendar (工作日历) and arithmetic on the working-time axis.

Which days are working days: an administrator's override (`CalendarOverride`) first, then the
official State Council calendar with its 调休 (working weekends, weekday holidays) from the
`chinesecalendar` package, and for a year that package does not know, Monday to Friday less the
fixed-date statutory holidays (`FIXED_HOLIDAYS`). The lunar holidays (春节, 清明, 端午, 中秋), 调休
and 补休 of such a year need a State Council notice and are entered as overrides; `uncovered_years`
says which years still lack both.

The working-time axis: every working day counts as 24 hours (00:00–24:00 Beijing time) and
non-working days do not exist on it. A limit of "1 working day" from Friday 16:00 therefore ends
on the next working day at 16:00; from a Saturday it ends at 24:00 of the next working day.

This module imports no Django models at import time: it works without a database. Overrides are
loaded lazily from the database the first time a day is looked up once Django apps are ready, are
reloaded by `hotline.sla.signals` when an override is saved or deleted, and are re-read every
`OVERRIDES_MAX_AGE` seconds so that other processes (web workers) pick up an administrator's change.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.sla.choices import Basis, LimitUnit

logger = logging.getLogger(__name__)

#: The official calendar is defined in Beijing time, whatever the server's time zone.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
#: Seconds a working day counts for on the working-time axis.
WORKING_DAY_SECONDS = 86_400
#: The longest limit of each unit (时限上限) a policy may set and `add_limit` computes: 100 days in minutes,
#: hours or working hours, two years in natural days, one year in working days (see docs/sla.md).
LIMIT_MAXIMUMS = {LimitUnit.MINUTES: 144_000, LimitUnit.HOURS: 2_400, LimitUnit.WORKING_HOURS: 2_400,
                  LimitUnit.DAYS: 730, LimitUnit.WORKING_DAYS: 365}
#: Overrides loaded from the database are re-read after this many seconds.
OVERRIDES_MAX_AGE = 300.0

_DAY_US = WORKING_DAY_SECONDS * 1_000_000
_ONE_DAY = timedelta(days=1)
#: Statutory holidays on fixed Gregorian dates (全国年节及纪念日放假办法, as revised in 2024), used for a year
#: the official calendar does not know: 元旦 1 Jan, 劳动节 1–2 May, 国庆节 1–3 Oct. The lunar holidays
#: cannot be computed without a table, and 调休 / 补休 depend on each year's State Council notice.
FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})
#: A safety net: no stretch of the calendar has this many non-working days in a row.
_MAX_HOLIDAY_RUN = 3660


@dataclass
class _State:
    """The overrides in force and the day lookups computed from them (replaced whole, never mutated)."""

    overrides: dict[date, bool] = field(default_factory=dict)
    cache: dict[date, bool] = field(default_factory=dict)
    loaded: bool = False  # overrides were loaded (or set explicitly)
    from_db: bool = False  # they came from the database, so they expire after OVERRIDES_MAX_AGE
    loaded_at: float = 0.0  # time.monotonic() of the load


_state = _State()
_lock = threading.RLock()
_warned_years: set[int] = set()


# --- Which days are working days -------------------------------------------------------------


def set_overrides(mapping: dict[date, bool]) -> None:
    """Replace the administrator overrides in force (date → is a working day) and forget cached days."""
    global _state
    with _lock:
        _state = _State(overrides=dict(mapping), loaded=True)


def invalidate_overrides() -> None:
    """Forget the overrides; they are loaded from the database again at the next lookup."""
    global _state
    with _lock:
        _state = _State()


def load_overrides_from_db() -> None:
    """Read every `CalendarOverride` row and put them in force.

    If the database cannot be read (no table yet, no access), no overrides are in force and the
    load is retried after `OVERRIDES_MAX_AGE` seconds.
    """
    global _state
    try:
        from django.db import connection, transaction

        from hotline.sla.models import CalendarOverride

        rows = CalendarOverride.objects.values_list("date", "is_working_day")
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failed read must not break the caller's transaction
                mapping = dict(rows)
        else:
            mapping = dict(rows)
    except Exception as exc:  # a missing table, a blocked or async context: the calendar must still work
        logger.warning("Calendar overrides not loaded, using the official calendar only: %s", exc)
        logger.debug("Calendar override load failure", exc_info=True)
        mapping = {}
    with _lock:
        set_overrides(mapping)
        _state.from_db = True
        _state.loaded_at = _time.monotonic()


def _current_state() -> _State:
    """The state to answer from, loading overrides from the database when due."""
    state = _state
    if state.loaded and not (state.from_db and _time.monotonic() - state.loaded_at > OVERRIDES_MAX_AGE):
        return state
    from django.apps import apps

    if apps.ready:
        load_overrides_from_db()
        return _state
    return state  # Django not set up (yet): the official calendar alone, try again next time


def has_official_calendar(year: int) -> bool:
    """Whether the `chinesecalendar` package knows the State Council's arrangement for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def uncovered_years(years: list[int]) -> list[int]:
    """The `years` with neither official calendar data nor a single override (only the fallback answers)."""
    overrides = _current_state().overrides
    return [y for y in years if not has_official_calendar(y) and not any(d.year == y for d in overrides)]


def _official_is_working_day(d: date) -> bool:
    """The official calendar; for a year it does not cover, Monday to Friday less `FIXED_HOLIDAYS` (warned once)."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            logger.warning(
                "No official working calendar for %s: counting Monday to Friday less the fixed-date holidays "
                "(元旦, 劳动节, 国庆节) as working days; lunar holidays and 调休 are missing. "
                "Add calendar overrides or upgrade chinesecalendar.", d.year,
            )
        return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS


def is_working_day(d: date) -> bool:
    """Whether `d` is a working day: overrides first, then the official calendar with its 调休."""
    if isinstance(d, datetime):
        d = _local(d).date()
    state = _current_state()
    result = state.cache.get(d)
    if result is None:
        result = state.overrides[d] if d in state.overrides else _official_is_working_day(d)
        state.cache[d] = result
    return result


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    for _ in range(_MAX_HOLIDAY_RUN):
        d += _ONE_DAY
        if is_working_day(d):
            return d
    raise ValueError(f"no working day within {_MAX_HOLIDAY_RUN} days after {d}")


# --- The working-time axis -------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    """`moment` in Beijing time; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the working calendar needs timezone-aware datetimes")
    return moment.astimezone(CALENDAR_TZ)


def _us_into_day(local: datetime) -> int:
    """Microseconds since local midnight."""
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond


def _at(d: date, us_into_day: int) -> datetime:
    """The aware moment `us_into_day` microseconds after local midnight of `d` (may be 24:00)."""
    naive = datetime.combine(d, time(0)) + timedelta(microseconds=us_into_day)
    return naive.replace(tzinfo=CALENDAR_TZ)


def working_seconds_between(a: datetime, b: datetime) -> float:
    """Working time elapsed from `a` to `b`, in seconds (0 if `b` is not after `a`)."""
    if b <= a:
        return 0.0
    la, lb = _local(a), _local(b)
    da, db = la.date(), lb.date()
    if da == db:
        return (_us_into_day(lb) - _us_into_day(la)) / 1e6 if is_working_day(da) else 0.0
    total_us = _DAY_US - _us_into_day(la) if is_working_day(da) else 0
    d = da + _ONE_DAY
    while d < db:
        if is_working_day(d):
            total_us += _DAY_US
        d += _ONE_DAY
    if is_working_day(db):
        total_us += _us_into_day(lb)
    return total_us / 1e6


def add_working_seconds(start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of working time after `start`.

    From a non-working day the count starts at 00:00 of the next working day. A count that ends
    exactly at the end of a working day gives 24:00 of it, i.e. 00:00 of the following calendar day.
    """
    if seconds < 0:
        raise ValueError("add_working_seconds() only moves forward")
    local = _local(start)
    d = local.date()
    if is_working_day(d):
        offset = _us_into_day(local)
    else:
        d, offset = next_working_day(d), 0
    remaining = round(seconds * 1_000_000)
    if remaining == 0 and d == local.date():
        return start  # already on the axis: unchanged
    while remaining > _DAY_US - offset:
        remaining -= _DAY_US - offset
        d, offset = next_working_day(d), 0
    return _at(d, offset + remaining)


def add_limit(start: datetime, amount: int, unit: str) -> datetime:
    """The deadline of a limit of `amount` `unit`s starting at `start`.

    Minutes, hours and days count on the wall clock; working hours and working days on the
    working-time axis (a working day is 24 working hours). A limit above the unit's maximum
    (`LIMIT_MAXIMUMS`, e.g. a typo'd 3 000 000 自然日) is refused with a `RuleViolation` naming it, never
    computed into an OverflowError or a walk over thousands of years.
    """
    _local(start)
    if unit in LIMIT_MAXIMUMS and amount > LIMIT_MAXIMUMS[unit]:
        from django.utils.translation import gettext as _

        from hotline.tickets.exceptions import RuleViolation  # tickets imports core: import here, not at load

        raise RuleViolation(_("时限 %(amount)s %(unit)s 超过上限 %(max)s，无法计算期限：请在「时限规则」中改正") % {
            "amount": amount, "unit": LimitUnit(unit).label, "max": LIMIT_MAXIMUMS[unit]})
    if unit == LimitUnit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == LimitUnit.HOURS:
        return start + timedelta(hours=amount)
    if unit == LimitUnit.DAYS:
        return start + timedelta(days=amount)
    if unit == LimitUnit.WORKING_HOURS:
        return add_working_seconds(start, amount * 3600)
    if unit == LimitUnit.WORKING_DAYS:
        return add_working_seconds(start, amount * WORKING_DAY_SECONDS)
    raise ValueError(f"unknown limit unit: {unit!r}")


def elapsed(a: datetime, b: datetime, basis: str) -> float:
    """Seconds from `a` to `b` on the given axis (0 if `b` is not after `a`)."""
    if basis == Basis.CLOCK:
        _local(a)
        _local(b)
        return max(0.0, (b - a).total_seconds())
    if basis == Basis.WORKING:
        return working_seconds_between(a, b)
    raise ValueError(f"unknown basis: {basis!r}")


def shift(due: datetime, seconds: float, basis: str) -> datetime:
    """Move a deadline `seconds` later on the given axis (e.g. by a paused span measured by `elapsed`)."""
    if basis not in (Basis.CLOCK, Basis.WORKING):
        raise ValueError(f"unknown basis: {basis!r}")
    _local(due)
    if seconds <= 0:
        return due
    if basis == Basis.CLOCK:
        return due + timedelta(seconds=seconds)
    return add_working_seconds(due, seconds)


def yellow_at(start: datetime, due: datetime, ratio: float, basis: str) -> datetime:
    """The moment `ratio` of the allowed time (from `start` to `due`, on the given axis) has elapsed."""
    allowed = elapsed(start, due, basis)
    if basis == Basis.CLOCK:
        moment = start + timedelta(seconds=allowed * float(ratio))
    else:
        moment = add_working_seconds(start, allowed * float(ratio))
    return min(moment, due) if due > start else due
