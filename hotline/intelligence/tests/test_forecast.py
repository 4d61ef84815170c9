"""The half-hour call forecast: day types (调休, holidays), recent level, shapes, backtest, bad history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hotline.intelligence import forecast as fc

# A made-up October: a seven-day holiday with two 调休 working Sundays/Saturdays around it.
HOLIDAYS = {date(2026, 10, 1) + timedelta(days=i) for i in range(7)}
ADJUSTED = {date(2026, 9, 27), date(2026, 10, 10)}


def calendar(d: date) -> str:
    if d in HOLIDAYS:
        return fc.HOLIDAY
    if d in ADJUSTED:
        return fc.ADJUSTED_WORKDAY
    return fc.weekday_day_type(d)


@pytest.fixture(scope="module")
def history() -> list[tuple[datetime, int]]:
    """16 weeks from 2026-08-01 (a Saturday) to 2026-11-20, 5,000 calls on an average Monday."""
    return fc.synthetic_history(date(2026, 8, 1), 112, 5000, calendar, seed=4)


def _total(forecasts: list[fc.IntervalForecast]) -> float:
    return sum(f.offered for f in forecasts)


def test_shape_is_a_day_of_half_hours() -> None:
    shape = fc.typical_shape()
    assert len(shape) == 48 and sum(shape) == pytest.approx(1.0)
    assert max(range(48), key=shape.__getitem__) in range(18, 24)  # the peak is mid-morning


def test_forecast_follows_weekdays_adjusted_workdays_and_holidays(history: list) -> None:
    model = fc.fit(history, calendar)
    week = model.predict([date(2026, 11, 23) + timedelta(days=i) for i in range(7)], calendar)  # Mon–Sun
    assert len(week) == 7 * 48
    assert week[0].start == datetime(2026, 11, 23, tzinfo=fc.TZ)
    assert week[1].start - week[0].start == timedelta(minutes=30)
    days = [_total(week[i * 48:(i + 1) * 48]) for i in range(7)]
    truth = [5000 * f for f in (1.08, 1.0, 0.98, 0.97, 0.95, 0.55, 0.5)]
    for got, want in zip(days, truth, strict=True):
        assert got == pytest.approx(want, rel=0.04)
    # A 调休 Saturday is forecast like a workday, a holiday like the holidays in the history
    adjusted = _total(model.predict([date(2027, 2, 20)], lambda d: fc.ADJUSTED_WORKDAY))
    holiday = _total(model.predict([date(2027, 2, 17)], lambda d: fc.HOLIDAY))  # a Wednesday off
    assert adjusted == pytest.approx(5000 * 0.9, rel=0.06)
    assert holiday == pytest.approx(5000 * 0.45, rel=0.06)
    assert model.factors["holiday"] == pytest.approx(0.45, rel=0.06)


def test_without_holiday_history_holidays_fall_back_to_rest_days(history: list) -> None:
    model = fc.fit(history, fc.weekday_day_type, holiday_scale=0.8)  # a calendar that never saw a holiday
    assert "holiday" not in model.factors and "adjusted" not in model.factors
    sunday = _total(model.predict([date(2026, 11, 29)], fc.weekday_day_type))
    saturday = _total(model.predict([date(2026, 11, 28)], fc.weekday_day_type))
    holiday = _total(model.predict([date(2026, 12, 2)], lambda d: fc.HOLIDAY))
    assert holiday == pytest.approx((sunday + saturday) / 2 * 0.8, rel=1e-9)
    adjusted = _total(model.predict([date(2026, 11, 28)], lambda d: fc.ADJUSTED_WORKDAY))
    workdays = [_total(model.predict([date(2026, 11, 23) + timedelta(days=i)], fc.weekday_day_type)) for i in range(5)]
    assert adjusted == pytest.approx(sum(workdays) / 5, rel=1e-9)
    # a holiday keeps the rest-day shape (no holiday history to learn one from)
    assert model.shape(fc.HOLIDAY) == model.shape(fc.WEEKEND)


def test_recent_level_follows_growth() -> None:
    flat = fc.synthetic_history(date(2026, 8, 3), 56, 4000, fc.weekday_day_type, seed=1)
    grown = fc.synthetic_history(date(2026, 9, 28), 14, 6000, fc.weekday_day_type, seed=2)
    model = fc.fit(flat + grown, fc.weekday_day_type, level_days=14)
    assert model.level == pytest.approx(6000 * 0.996, rel=0.05)


def test_backtest_beats_the_seasonal_naive_forecast(history: list) -> None:
    bt = fc.backtest(history, calendar, folds=4, horizon_days=7)
    assert [f.origin for f in bt.folds] == [date(2026, 10, 24), date(2026, 10, 31), date(2026, 11, 7),
                                            date(2026, 11, 14)]
    assert bt.intervals == 4 * 7 * 48
    assert bt.wape < 0.1  # Poisson noise alone is about 0.075 at these volumes
    assert bt.naive_wape is not None and bt.wape < bt.naive_wape
    assert bt.daily_wape < 0.03 and abs(bt.bias) < 0.02
    assert bt.mape > bt.wape  # quiet night half-hours weigh more in MAPE


def test_partial_days_and_silent_days_before_the_first_call_are_left_out() -> None:
    rows = fc.synthetic_history(date(2026, 8, 3), 8, 1000, fc.weekday_day_type)
    days = fc.daily_matrix(rows[5:-3])
    assert list(days) == [date(2026, 8, 4) + timedelta(days=i) for i in range(6)]
    silent = [(start - timedelta(days=3), 0) for start, _ in rows[:3 * 48]]
    assert list(fc.daily_matrix(silent + rows)) == [date(2026, 8, 3) + timedelta(days=i) for i in range(8)]


@pytest.mark.parametrize(("rows", "message"), [
    ([], "at least 7 whole days"),
    ([(datetime(2026, 8, 3, 9, 0), 5)], "time zone"),  # noqa: DTZ001 - a naive moment on purpose
    ([(datetime(2026, 8, 3, 9, 0, tzinfo=fc.TZ), -1)], "≥ 0"),
    ([(datetime(2026, 8, 3, 9, 10, tzinfo=fc.TZ), 1)], "half-hour"),
])
def test_bad_history_is_refused(rows: list, message: str) -> None:
    with pytest.raises(fc.ForecastError, match=message):
        fc.fit(rows, fc.weekday_day_type)


def test_unknown_day_type_is_refused() -> None:
    rows = fc.synthetic_history(date(2026, 8, 3), 14, 1000, fc.weekday_day_type)
    with pytest.raises(fc.ForecastError, match="unknown day type"):
        fc.fit(rows, lambda d: "festival")


def test_backtest_needs_enough_history() -> None:
    rows = fc.synthetic_history(date(2026, 8, 3), 20, 1000, fc.weekday_day_type)
    with pytest.raises(fc.ForecastError, match="backtest needs"):
        fc.backtest(rows, fc.weekday_day_type)
    assert len(fc.forecast(rows, fc.weekday_day_type, date(2026, 8, 23), days=2)) == 96
