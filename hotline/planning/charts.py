"""Inline SVG charts for the planner (no JavaScript): line series over the plan's half-hours, gap bars."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 960, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24  # margins for the axes


@dataclass(frozen=True)
class Line:
    """One series: its label, CSS class and the polylines (a gap in the data breaks the line)."""

    label: str
    css: str
    polylines: list[str]


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart."""

    x: float
    y: float
    width: float
    height: float
    css: str


@dataclass
class Chart:
    """Everything a template needs to draw one chart."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    zero_y: float | None = None
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def _nice_step(span: float) -> float:
    """A round tick step giving about five ticks over `span`."""
    raw = max(span, 1e-9) / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _scale(lo: float, hi: float) -> tuple[float, float, list[float]]:
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi <= lo:
        hi = lo + step
    ticks = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
    return lo, hi, ticks


def _x(i: float, n: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (i / max(n, 1))


def _y(v: float, lo: float, hi: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - lo) / (hi - lo))


def _label(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _x_ticks(n: int, day_labels: Sequence[str]) -> list[tuple[float, str]]:
    """One tick at the start of each day (48 half-hours)."""
    per_day = n // max(len(day_labels), 1) if day_labels else n
    return [(_x(i * per_day, n), label) for i, label in enumerate(day_labels)]


def line_chart(title: str, series: Sequence[tuple[str, str, Sequence[float | None]]],
               day_labels: Sequence[str]) -> Chart:
    """Lines over the half-hours (step-like: each value spans its half-hour)."""
    n = max((len(values) for _, _, values in series), default=0)
    known = [v for _, _, values in series for v in values if v is not None]
    lo, hi, ticks = _scale(min(0.0, *known) if known else 0.0, max(known, default=1.0) or 1.0)
    chart = Chart(title, y_ticks=[(_y(t, lo, hi), _label(t)) for t in ticks], x_ticks=_x_ticks(n, day_labels))
    for label, css, values in series:
        polylines, current = [], []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    polylines.append(" ".join(current))
                current = []
                continue
            y = _y(v, lo, hi)
            current += [f"{_x(i, n):.1f},{y:.1f}", f"{_x(i + 1, n):.1f},{y:.1f}"]
        if current:
            polylines.append(" ".join(current))
        chart.lines.append(Line(label, css, polylines))
    return chart


def gap_chart(title: str, gaps: Sequence[float | None], day_labels: Sequence[str]) -> Chart:
    """Bars of staffed − required per half-hour: above zero over-staffed, below short."""
    n = len(gaps)
    known = [g for g in gaps if g is not None]
    lo, hi, ticks = _scale(min(0.0, *known) if known else -1.0, max(0.0, *known) if known else 1.0)
    chart = Chart(title, y_ticks=[(_y(t, lo, hi), _label(t)) for t in ticks], x_ticks=_x_ticks(n, day_labels),
                  zero_y=_y(0.0, lo, hi))
    width = (WIDTH - LEFT - RIGHT) / max(n, 1)
    for i, g in enumerate(gaps):
        if g is None or g == 0:
            continue
        top, bottom = sorted((_y(g, lo, hi), _y(0.0, lo, hi)))
        chart.bars.append(Bar(_x(i, n), top, max(width - 0.3, 0.5), bottom - top, "over" if g > 0 else "short"))
    return chart
