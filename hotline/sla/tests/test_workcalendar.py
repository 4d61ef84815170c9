"""The working calendar (official holidays, 调休, overrides) and arithmetic on the working-time axis."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import OperationalError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.core import workcalendar as wc
from hotline.sla.choices import Basis, LimitUnit

SH = ZoneInfo("Asia/Shanghai")
DAY = 86_400
WD = LimitUnit.WORKING_DAYS


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def days(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def working_weekend_days(first: date, last: date) -> set[date]:
    return {d for d in days(first, last) if d.weekday() >= 5 and wc.is_working_day(d)}


def weekday_holidays(first: date, last: date) -> set[date]:
    return {d for d in days(first, last) if d.weekday() < 5 and not wc.is_working_day(d)}


@pytest.fixture(autouse=True)
def _no_overrides() -> Iterator[None]:
    """Each test starts from the official calendar alone and leaves lazy loading as it found it."""
    wc.set_overrides({})
    yield
    wc.invalidate_overrides()


# --- The official calendar -------------------------------------------------------------------


def test_2025_national_day_and_mid_autumn() -> None:
    for d in days(date(2025, 10, 1), date(2025, 10, 8)):
        assert not wc.is_working_day(d), d
    assert wc.is_working_day(date(2025, 9, 28))  # Sunday, 调休
    assert wc.is_working_day(date(2025, 10, 11))  # Saturday, 调休
    assert wc.is_working_day(date(2025, 9, 30))
    assert wc.is_working_day(date(2025, 10, 9))
    assert working_weekend_days(date(2025, 9, 1), date(2025, 10, 31)) == {date(2025, 9, 28), date(2025, 10, 11)}


def test_2026_national_day_and_mid_autumn() -> None:
    for d in days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not wc.is_working_day(d), d
    assert wc.is_working_day(date(2026, 10, 8))
    assert not wc.is_working_day(date(2026, 9, 25))  # Friday, Mid-Autumn
    assert working_weekend_days(date(2026, 9, 1), date(2026, 10, 31)) == {date(2026, 9, 20), date(2026, 10, 10)}
    assert weekday_holidays(date(2026, 9, 1), date(2026, 10, 31)) == {
        date(2026, 9, 25), date(2026, 10, 1), date(2026, 10, 2),
        date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7),
    }


def test_2026_spring_festival() -> None:
    # 2026-02-17 is the Spring Festival; the holiday runs Sunday 02-15 to Monday 02-23 (9 days).
    for d in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not wc.is_working_day(d), d
    assert wc.is_working_day(date(2026, 2, 13))
    assert wc.is_working_day(date(2026, 2, 24))
    assert working_weekend_days(date(2026, 1, 1), date(2026, 3, 31)) == {
        date(2026, 1, 4),  # New Year's Day 调休
        date(2026, 2, 14), date(2026, 2, 28),  # Spring Festival 调休
    }


@pytest.mark.parametrize("year", [2025, 2026])
def test_working_days_in_a_year(year: int) -> None:
    assert sum(wc.is_working_day(d) for d in days(date(year, 1, 1), date(year, 12, 31))) == 248
    assert wc.working_seconds_between(at(year, 1, 1), at(year + 1, 1, 1)) == 248 * DAY


def test_unknown_year_falls_back_to_monday_to_friday(caplog: pytest.LogCaptureFixture) -> None:
    wc._warned_years.discard(2031)
    with caplog.at_level(logging.WARNING, logger=wc.__name__):
        week = days(date(2031, 3, 3), date(2031, 3, 9))  # Monday to Sunday
        assert [wc.is_working_day(d) for d in week] == [True] * 5 + [False] * 2
        assert wc.is_working_day(date(2031, 3, 10))
    assert len([r for r in caplog.records if "2031" in r.getMessage()]) == 1  # warned once per year
    assert wc.is_working_day(date(2027, 1, 4))  # a 2027 Monday: no data, so a working day
    assert not wc.is_working_day(date(2027, 1, 2))


def test_unknown_year_still_knows_the_fixed_date_holidays() -> None:
    """元旦, 劳动节 (1–2 May since 2025) and 国庆节 (1–3 Oct) fall on fixed dates; weekdays among them are off."""
    assert not wc.has_official_calendar(2027) and wc.has_official_calendar(2026)
    for d in [date(2027, 1, 1), date(2028, 5, 1), date(2028, 5, 2), date(2027, 10, 1), date(2029, 10, 3)]:
        assert d.weekday() < 5 and not wc.is_working_day(d), d
    assert wc.is_working_day(date(2027, 10, 4)) and wc.is_working_day(date(2027, 5, 3))
    assert wc.add_limit(at(2026, 12, 31, 10), 1, WD) == at(2027, 1, 4, 10)  # Fri 01-01 is 元旦
    wc.set_overrides({date(2027, 1, 1): True})  # an override still beats the fallback
    assert wc.is_working_day(date(2027, 1, 1))


def test_uncovered_years_are_those_without_data_or_overrides() -> None:
    assert wc.uncovered_years([2026, 2027, 2028]) == [2027, 2028]
    wc.set_overrides({date(2027, 2, 11): False})
    assert wc.uncovered_years([2026, 2027, 2028]) == [2028]


@pytest.mark.django_db
def test_the_system_check_warns_about_this_or_next_year_without_a_calendar() -> None:
    from django.core import checks

    from hotline.sla.checks import calendar_coverage
    from hotline.sla.models import CalendarOverride

    wc.invalidate_overrides()  # read them from the database
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        assert checks.run_checks(tags=[checks.Tags.database]) == []  # no database named: no query
        found = calendar_coverage(databases=["default"])
        assert [(w.id, w.level) for w in found] == [("sla.W001", checks.WARNING)] and "2027" in found[0].msg
        CalendarOverride.objects.create(date=date(2027, 2, 11), is_working_day=False, note="春节")
        assert calendar_coverage(databases=["default"]) == []
    with time_machine.travel(at(2025, 6, 1, 9), tick=False):
        assert calendar_coverage(databases=["default"]) == []


# --- Limits ----------------------------------------------------------------------------------


def test_one_working_day_across_national_day() -> None:
    # Tuesday 2025-09-30 16:00: the next working day is Thursday 10-09.
    assert wc.add_limit(at(2025, 9, 30, 16), 1, WD) == at(2025, 10, 9, 16)


def test_five_working_days_across_national_day_week() -> None:
    # Friday 09-26 10:00 → Sun 09-28 (调休), Mon 09-29, Tue 09-30, Thu 10-09, Fri 10-10.
    assert wc.add_limit(at(2025, 9, 26, 10), 5, WD) == at(2025, 10, 10, 10)
    # Seven working days reach the 调休 Saturday and the Monday after.
    assert wc.add_limit(at(2025, 9, 26, 10), 6, WD) == at(2025, 10, 11, 10)
    assert wc.add_limit(at(2025, 9, 26, 10), 7, WD) == at(2025, 10, 13, 10)


def test_ordinary_week() -> None:
    assert wc.add_limit(at(2025, 11, 14, 16), 1, WD) == at(2025, 11, 17, 16)  # Friday → Monday
    assert wc.add_limit(at(2025, 11, 15, 10), 1, WD) == at(2025, 11, 18, 0)  # Saturday → end of Monday
    assert wc.add_limit(at(2025, 10, 10, 16), 1, WD) == at(2025, 10, 11, 16)  # Friday → 调休 Saturday
    assert wc.add_limit(at(2025, 11, 14, 16), 10, LimitUnit.WORKING_HOURS) == at(2025, 11, 17, 2)


def test_order_registered_on_a_holiday() -> None:
    with time_machine.travel(at(2025, 10, 3, 14), tick=False):
        registered = timezone.now()
    assert wc.add_limit(registered, 15, LimitUnit.MINUTES) == at(2025, 10, 3, 14, 15)
    assert wc.add_limit(registered, 2, LimitUnit.HOURS) == at(2025, 10, 3, 16)
    assert wc.add_limit(registered, 3, LimitUnit.DAYS) == at(2025, 10, 6, 14)
    assert wc.add_limit(registered, 2, LimitUnit.WORKING_HOURS) == at(2025, 10, 9, 2)
    assert wc.add_limit(registered, 1, WD) == at(2025, 10, 10, 0)  # the end of Thursday 10-09
    assert wc.working_seconds_between(registered, at(2025, 10, 9, 9)) == 9 * 3600


def test_limit_across_spring_festival() -> None:
    start = at(2026, 2, 13, 9)  # Friday before the holiday
    assert wc.add_limit(start, 1, WD) == at(2026, 2, 14, 9)  # 调休 Saturday
    assert wc.add_limit(start, 2, WD) == at(2026, 2, 24, 9)
    assert wc.add_limit(start, 7, WD) == at(2026, 3, 2, 9)  # ... 02-27 Fri, 02-28 Sat (调休), 03-02 Mon
    assert wc.add_limit(start, 15, LimitUnit.DAYS) == at(2026, 2, 28, 9)  # wall clock ignores the holiday


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unit"):
        wc.add_limit(at(2025, 1, 6), 1, "fortnights")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        wc.add_limit(datetime(2025, 1, 6, 9), 1, WD)


# --- The working-time axis -------------------------------------------------------------------


def test_working_seconds_between_across_holidays() -> None:
    assert wc.working_seconds_between(at(2025, 9, 30, 16), at(2025, 10, 9, 16)) == DAY
    assert wc.working_seconds_between(at(2025, 10, 1), at(2025, 10, 8, 23, 59)) == 0
    # 12 h of Friday 02-13, the whole 调休 Saturday, 12 h of Tuesday 02-24.
    assert wc.working_seconds_between(at(2026, 2, 13, 12), at(2026, 2, 24, 12)) == 2 * DAY
    assert wc.working_seconds_between(at(2025, 10, 9, 16), at(2025, 9, 30, 16)) == 0
    assert wc.working_seconds_between(at(2025, 10, 9, 16), at(2025, 10, 9, 17, 30)) == 5400


def test_other_time_zones_are_read_in_beijing_time() -> None:
    utc_start = at(2025, 9, 30, 16).astimezone(ZoneInfo("UTC"))  # 08:00 UTC
    assert wc.add_limit(utc_start, 1, WD) == at(2025, 10, 9, 16)
    assert wc.working_seconds_between(utc_start, at(2025, 10, 9, 16).astimezone(ZoneInfo("UTC"))) == DAY


def test_adding_zero() -> None:
    moment = at(2025, 9, 30, 16, 7)
    assert wc.add_working_seconds(moment, 0) == moment
    assert wc.add_working_seconds(at(2025, 10, 3, 14), 0) == at(2025, 10, 9)  # off the axis: next 00:00
    with pytest.raises(ValueError):
        wc.add_working_seconds(moment, -1)


def test_elapsed_and_shift_on_both_axes() -> None:
    a, b = at(2025, 9, 30, 12), at(2025, 10, 9, 12)
    assert wc.elapsed(a, b, Basis.CLOCK) == 9 * DAY
    assert wc.elapsed(a, b, Basis.WORKING) == DAY
    assert wc.elapsed(b, a, Basis.CLOCK) == 0
    # A reply deadline paused across the holiday moves by the paused working time.
    due = at(2025, 10, 10, 12)
    assert wc.shift(due, wc.elapsed(a, b, Basis.WORKING), Basis.WORKING) == at(2025, 10, 11, 12)
    assert wc.shift(due, wc.elapsed(a, b, Basis.CLOCK), Basis.CLOCK) == at(2025, 10, 19, 12)
    end_of_holiday_eve = at(2025, 10, 1)  # 24:00 of 09-30
    assert wc.shift(end_of_holiday_eve, 0, Basis.WORKING) == end_of_holiday_eve
    assert wc.shift(end_of_holiday_eve, 3600, Basis.WORKING) == at(2025, 10, 9, 1)
    with pytest.raises(ValueError, match="basis"):
        wc.elapsed(a, b, "lunar")


def test_yellow_at() -> None:
    assert wc.yellow_at(at(2025, 11, 3, 10), at(2025, 11, 3, 12), 0.8, Basis.CLOCK) == at(2025, 11, 3, 11, 36)
    start = at(2025, 9, 30, 16)
    due = wc.add_limit(start, 1, WD)
    # 0.8 × 24 h = 19 h 12 min: 8 h of 09-30, then 11 h 12 min of 10-09.
    assert wc.yellow_at(start, due, 0.8, Basis.WORKING) == at(2025, 10, 9, 11, 12)
    # Registered on a holiday: the clock starts on the next working day.
    assert wc.yellow_at(at(2025, 10, 3, 14), at(2025, 10, 10), 0.5, Basis.WORKING) == at(2025, 10, 9, 12)
    assert wc.yellow_at(start, start, 0.8, Basis.WORKING) == start


def test_a_long_span_is_fast() -> None:
    start = at(2024, 1, 2, 9)
    due = wc.add_working_seconds(start, 400 * DAY)
    assert wc.working_seconds_between(start, due) == 400 * DAY
    assert due.time() == start.time()


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 10, 31), timezones=st.just(SH)
    ),
    seconds=st.floats(min_value=0, max_value=90 * DAY, allow_nan=False, allow_infinity=False),
)
def test_add_then_measure_round_trip(start: datetime, seconds: float) -> None:
    if not wc.is_working_day(start.date()):
        start = wc.add_working_seconds(start, 0)  # move onto the axis
    end = wc.add_working_seconds(start, seconds)
    assert end >= start
    assert abs(wc.working_seconds_between(start, end) - seconds) <= 1e-6
    assert wc.elapsed(start, wc.shift(start, seconds, Basis.WORKING), Basis.WORKING) == pytest.approx(
        seconds, abs=1e-6
    )


@settings(max_examples=200, deadline=None)
@given(
    a=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(SH)),
    b=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(SH)),
)
def test_measure_then_add_lands_on_the_same_working_moment(a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    back = wc.add_working_seconds(a, wc.working_seconds_between(a, b))
    # Same place on the axis: `b` itself, or another name for it (24:00 of the last working day
    # before `b` is the same working moment as anything up to 00:00 of the next working day).
    assert wc.working_seconds_between(b, back) == 0
    assert wc.working_seconds_between(back, b) == 0
    if wc.is_working_day(b.date()) and b.time() != time(0):
        assert back == b


# --- Overrides -------------------------------------------------------------------------------


def test_overrides_change_days_and_limits() -> None:
    friday, saturday, monday = date(2027, 1, 8), date(2027, 1, 9), date(2027, 1, 11)
    assert wc.add_limit(at(2027, 1, 8, 16), 1, WD) == at(2027, 1, 11, 16)
    assert not wc.is_working_day(saturday)

    wc.set_overrides({saturday: True, monday: False})  # a working Saturday, a holiday Monday
    assert wc.is_working_day(friday)
    assert wc.is_working_day(saturday)
    assert not wc.is_working_day(monday)
    assert wc.add_limit(at(2027, 1, 8, 16), 1, WD) == at(2027, 1, 9, 16)
    assert wc.add_limit(at(2027, 1, 8, 16), 2, WD) == at(2027, 1, 12, 16)

    wc.set_overrides({})
    assert not wc.is_working_day(saturday)
    assert wc.is_working_day(monday)


def test_overrides_beat_the_official_calendar() -> None:
    wc.set_overrides({date(2025, 10, 8): True, date(2025, 9, 30): False})
    assert wc.is_working_day(date(2025, 10, 8))
    assert not wc.is_working_day(date(2025, 9, 30))
    assert wc.add_limit(at(2025, 9, 29, 16), 1, WD) == at(2025, 10, 8, 16)


def test_without_database_access_the_official_calendar_still_answers() -> None:
    wc.invalidate_overrides()  # lazy load attempted; pytest-django blocks the database here
    assert not wc.is_working_day(date(2025, 10, 1))
    assert wc.is_working_day(date(2025, 10, 11))


def test_overrides_are_not_loaded_before_apps_are_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apps, "ready", False)
    wc.invalidate_overrides()
    calls: list[None] = []
    monkeypatch.setattr(wc, "load_overrides_from_db", lambda: calls.append(None))
    assert wc.is_working_day(date(2025, 10, 11))
    assert calls == []


@pytest.mark.django_db
def test_overrides_are_loaded_lazily_from_the_database() -> None:
    from hotline.sla.models import CalendarOverride

    CalendarOverride.objects.bulk_create(  # bulk_create sends no signals
        [CalendarOverride(date=date(2027, 2, 8), is_working_day=False, note="春节"),
         CalendarOverride(date=date(2027, 2, 20), is_working_day=True, note="调休")]
    )
    assert wc.is_working_day(date(2027, 2, 8))  # explicit (empty) overrides in force
    wc.invalidate_overrides()
    assert not wc.is_working_day(date(2027, 2, 8))
    assert wc.is_working_day(date(2027, 2, 20))


@pytest.mark.django_db
def test_a_database_error_means_no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.sla.models import CalendarOverride

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("no such table: sla_calendaroverride")

    monkeypatch.setattr(CalendarOverride.objects, "values_list", broken)
    wc.invalidate_overrides()
    assert not wc.is_working_day(date(2025, 10, 1))
    assert wc.is_working_day(date(2027, 2, 8))


@pytest.mark.django_db
def test_saving_and_deleting_an_override_is_picked_up() -> None:
    from hotline.sla.models import CalendarOverride

    saturday = date(2027, 1, 9)
    start = at(2027, 1, 8, 16)
    assert wc.add_limit(start, 1, WD) == at(2027, 1, 11, 16)

    row = CalendarOverride.objects.create(date=saturday, is_working_day=True, note="调休上班")
    assert wc.is_working_day(saturday)
    assert wc.add_limit(start, 1, WD) == at(2027, 1, 9, 16)

    row.is_working_day = False
    row.save()
    assert not wc.is_working_day(saturday)

    holiday = CalendarOverride.objects.create(date=date(2027, 1, 11), is_working_day=False, note="放假")
    assert wc.add_limit(start, 1, WD) == at(2027, 1, 12, 16)

    holiday.delete()
    row.delete()
    assert not wc.is_working_day(saturday)
    assert wc.is_working_day(date(2027, 1, 11))
    assert wc.add_limit(start, 1, WD) == at(2027, 1, 11, 16)
