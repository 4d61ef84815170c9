"""Seasonal early warnings: which past years count, the index, the expected orders and the thresholds."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.intelligence.seasonal import (
    KeyCounts,
    SeasonalParams,
    assess,
    assess_one,
    past_years,
    shift_years,
    warnings_of,
)

TODAY = date(2025, 11, 1)


def test_no_history_no_years_no_warning():
    assert past_years(TODAY, 30, first_day=None, today=TODAY) == []
    result = assess_one([], KeyCounts("heat", [], []))
    assert result.index is None and not result.is_warning


def test_one_partial_year_is_not_used():
    # Five months of orders: last year's baseline (Nov 2024 → Nov 2025) is not covered.
    assert past_years(TODAY, 30, first_day=date(2025, 6, 1), today=TODAY) == []


def test_one_full_year():
    years = past_years(TODAY, 30, first_day=date(2024, 10, 15), today=TODAY)
    assert [(y.offset, y.window_start, y.window_end, y.base_start, y.base_end) for y in years] == [
        (1, date(2024, 11, 1), date(2024, 12, 1), date(2024, 11, 1), date(2025, 11, 1))]
    assert years[0].base_days == 365 and years[0].label == "2024"


def test_seasonal_key_warns_with_index_and_expected():
    years = past_years(TODAY, 30, first_day=date(2022, 1, 1), today=TODAY)
    assert [y.offset for y in years] == [1, 2, 3]
    heat = KeyCounts("heat", window=[60, 50, 40], base=[365, 365, 366])
    result = assess_one(years, heat)
    normals = [base * 30 / y.base_days for base, y in zip([365, 365, 366], years, strict=True)]
    assert years[1].base_days == 366  # Nov 2023 → Nov 2024 holds Feb 29
    assert result.normal == pytest.approx(30.0)
    assert result.index == pytest.approx(150 / sum(normals))
    assert result.expected == pytest.approx(result.index * 30.0)
    assert result.excess == pytest.approx(result.expected - 30.0)
    assert result.is_warning and result.past == (60, 50, 40)


def test_flat_key_does_not_warn():
    years = past_years(TODAY, 30, first_day=date(2023, 1, 1), today=TODAY)
    flat = KeyCounts("flat", window=[30, 30], base=[365, 366])
    result = assess_one(years, flat)
    assert result.index == pytest.approx(1.0) and not result.is_warning


def test_key_first_seen_last_month_is_not_seasonal():
    years = past_years(TODAY, 30, first_day=date(2023, 1, 1), today=TODAY)
    new = KeyCounts("new", window=[0, 0], base=[40, 0])
    assert not assess_one(years, new).is_warning
    assert assess_one(years, KeyCounts("none", [0, 0], [0, 0])).index is None


def test_window_across_the_new_year():
    years = past_years(date(2025, 12, 20), 31, first_day=date(2023, 1, 1), today=date(2025, 12, 1))
    last = years[0]
    assert (last.window_start, last.window_end) == (date(2024, 12, 20), date(2025, 1, 20))
    assert last.label == "2024/25"
    # The baseline would end on 2025-12-20, after today: moved back to end today, still one year long.
    assert (last.base_start, last.base_end) == (date(2024, 12, 1), date(2025, 12, 1))
    result = assess_one(years, KeyCounts("snow", window=[40, 36], base=[200, 190]))
    assert result.is_warning


def test_window_reaching_past_today_skips_that_year():
    # Last year's window (2025-01-10 → 02-09) is not over when today is 2025-02-01: only 2024 and before.
    years = past_years(date(2026, 1, 10), 30, first_day=date(2020, 1, 1), today=date(2025, 2, 1))
    assert [y.offset for y in years] == [2, 3]


def test_leap_years():
    assert shift_years(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert shift_years(date(2024, 2, 29), -4) == date(2020, 2, 29)
    years = past_years(date(2025, 2, 1), 30, first_day=date(2020, 1, 1), today=date(2025, 2, 1))
    assert years[0].base_days == 366  # 2024-02-01 → 2025-02-01 holds Feb 29
    assert years[1].base_days == 365
    years = past_years(date(2028, 2, 29), 7, first_day=date(2020, 1, 1), today=date(2028, 2, 29))
    assert years[0].window_start == date(2027, 2, 28)


@pytest.mark.parametrize(("window", "warns"), [(44, False), (45, True)])
def test_index_threshold(window, warns):
    years = past_years(TODAY, 30, first_day=date(2024, 1, 1), today=TODAY)
    result = assess_one(years, KeyCounts("k", [window], [365]))  # normal 30: 45 is exactly 1.5×
    assert result.is_warning is warns


@pytest.mark.parametrize(("window", "warns"), [(4, False), (5, True)])
def test_minimum_expected(window, warns):
    years = past_years(TODAY, 30, first_day=date(2024, 1, 1), today=TODAY)
    result = assess_one(years, KeyCounts("k", [window], [12]))  # index ≥ 4, expected = window
    assert result.is_warning is warns


def test_params_and_ranking_by_excess():
    years = past_years(TODAY, 30, first_day=date(2024, 1, 1), today=TODAY)
    counts = [KeyCounts("small", [10], [36]), KeyCounts("big", [90], [600]), KeyCounts("flat", [30], [365])]
    ranked = warnings_of(assess(years, counts))
    assert [a.key for a in ranked] == ["big", "small"]  # excess 90 − 49.3 > 10 − 3
    strict = warnings_of(assess(years, counts, SeasonalParams(threshold=3.0, min_expected=5)))
    assert [a.key for a in strict] == ["small"]
