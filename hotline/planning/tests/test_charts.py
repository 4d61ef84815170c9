"""The planner's inline SVG charts."""

from __future__ import annotations

from hotline.planning import charts


def test_a_line_breaks_where_data_is_missing_and_steps_over_each_half_hour() -> None:
    chart = charts.line_chart("t", [("a", "forecast", [1.0, 2.0, None, 4.0]), ("b", "actual", [None] * 4)], ["d1"])
    first, second = chart.lines
    assert len(first.polylines) == 2 and second.polylines == []
    points = first.polylines[0].split()
    assert len(points) == 4  # two half-hours, two points each (a step)
    assert points[0].split(",")[1] == points[1].split(",")[1]  # flat within its half-hour
    assert chart.x_ticks[0] == (charts.LEFT, "d1")
    labels = [label for _, label in chart.y_ticks]
    assert labels[0] == "0" and float(labels[-1]) >= 4


def test_gap_bars_are_green_above_zero_and_red_below() -> None:
    chart = charts.gap_chart("gap", [2.0, -3.0, 0.0, None], ["d1"])
    assert [bar.css for bar in chart.bars] == ["over", "short"]
    over, short = chart.bars
    assert over.y + over.height == short.y == chart.zero_y  # both start at the zero line
    assert short.height > over.height


def test_empty_series_still_draw_axes() -> None:
    chart = charts.line_chart("t", [("a", "forecast", [])], [])
    assert chart.y_ticks and chart.lines[0].polylines == []
    assert charts.gap_chart("g", [None, None], []).bars == []
