"""Call forecasting (话务预测): offered calls per half-hour for the coming days, from history.

The model is multiplicative: calls(day, slot) = level × factor[day key] × shape[day group][slot].

* Day keys come from the working calendar through a `day_type(date) -> str` callable (so this
  module needs no Django): ordinary workdays keep their weekday (Monday differs from Friday),
  a 调休 working weekend day is an "adjusted" workday, rest days keep their weekday, and statutory
  holidays share one "holiday" key.
* A day's factor is its total over the average ordinary workday around it (±14 days), averaged
  over the profile window (the last `profile_days`); holidays are rare, so their factor uses the
  whole history. Missing keys fall back: adjusted workdays → average workday (调休 Saturdays are
  workdays), holidays → average rest day × `holiday_scale`.
* The level is recent: the mean de-seasonalised daily total of the last `level_days` days.
* Intraday shapes are the slot shares of the profile window's days, per group (workday, rest day,
  holiday; holidays fall back to rest days when the history has fewer than two).

`backtest` measures it by rolling origin (fit on everything before an origin, forecast the next
`horizon_days`, compare) and reports WAPE, MAPE and bias, next to the seasonal-naive forecast
(same half-hour one week earlier). Pure Python + numpy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from hotline.intelligence.callsim import INTRADAY_PROFILE

TZ = ZoneInfo("Asia/Shanghai")
SLOTS = 48  # half-hours a day
SLOT = timedelta(minutes=30)

WORKDAY = "workday"  # an ordinary working day, Monday to Friday
ADJUSTED_WORKDAY = "adjusted_workday"  # 调休: a weekend day made a working day
WEEKEND = "weekend"  # an ordinary rest day
HOLIDAY = "holiday"  # a statutory holiday (and the rest days of its break)
DAY_TYPES = (WORKDAY, ADJUSTED_WORKDAY, WEEKEND, HOLIDAY)

DayType = Callable[[date], str]


def typical_shape() -> tuple[float, ...]:
    """48 half-hour shares (summing to 1) of a typical 12345 day: the calls simulator's intraday profile."""
    weights = np.asarray(INTRADAY_PROFILE, dtype=float)
    return tuple(float(w) for w in weights / weights.sum())


class ForecastError(ValueError):
    """History too short or malformed to forecast from.

    `code` names the case for callers that word it themselves (e.g. a translated page): TOO_FEW_DAYS
    (with `params["days"]`, the whole days found) or NO_WORKDAY_CALLS; empty for other cases.
    """

    def __init__(self, message: str, code: str = "", **params: int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


#: ForecastError codes.
TOO_FEW_DAYS = "too_few_days"
NO_WORKDAY_CALLS = "no_workday_calls"


def weekday_day_type(d: date) -> str:
    """Monday–Friday work, weekends rest: the calendar without holidays (for tests and a fallback)."""
    return WORKDAY if d.weekday() < 5 else WEEKEND


@dataclass(frozen=True)
class IntervalForecast:
    """Forecast offered calls of one half-hour."""

    start: datetime
    offered: float
    day_type: str


def _key(d: date, kind: str) -> str:
    """The day-total key: weekday for ordinary days, one key each for 调休 workdays and holidays."""
    if kind == HOLIDAY:
        return HOLIDAY
    if kind == ADJUSTED_WORKDAY:
        return "adjusted"
    if kind == WORKDAY:
        return f"work{d.weekday()}"
    if kind == WEEKEND:
        return f"rest{d.weekday()}"
    raise ForecastError(f"unknown day type {kind!r} for {d}; expected one of {', '.join(DAY_TYPES)}")


def _group(kind: str) -> str:
    """The intraday-shape group of a day type."""
    return {WORKDAY: "work", ADJUSTED_WORKDAY: "work", WEEKEND: "rest", HOLIDAY: "holiday"}[kind]


def daily_matrix(history: Iterable[tuple[datetime, float]], tz: ZoneInfo = TZ) -> dict[date, np.ndarray]:
    """Whole days of history: local date → 48 half-hour counts.

    Days missing a half-hour are dropped, and so are the silent days before the first call (a
    zero-filled history that starts before the centre recorded any calls).
    """
    days: dict[date, np.ndarray] = {}
    seen: dict[date, set[int]] = defaultdict(set)
    for start, offered in history:
        if start.tzinfo is None:
            raise ForecastError(f"interval start {start} has no time zone")
        if offered is None or not math.isfinite(offered) or offered < 0:
            raise ForecastError(f"interval {start.isoformat()}: offered calls must be ≥ 0, got {offered!r}")
        local = start.astimezone(tz)
        if local.minute not in (0, 30) or local.second or local.microsecond:
            raise ForecastError(f"interval {start.isoformat()} does not start on a half-hour")
        slot = local.hour * 2 + local.minute // 30
        row = days.setdefault(local.date(), np.zeros(SLOTS))
        row[slot] += offered
        seen[local.date()].add(slot)
    whole = {d: row for d, row in sorted(days.items()) if len(seen[d]) == SLOTS}
    while whole and not next(iter(whole.values())).any():  # zero-filled days before the first call: no history
        del whole[next(iter(whole))]
    return whole


@dataclass(frozen=True)
class Model:
    """A fitted forecast: recent level, day factors and intraday shapes."""

    level: float  # calls on an average ordinary workday, now
    factors: dict[str, float]  # day key → total relative to an average workday
    shapes: dict[str, tuple[float, ...]]  # group → 48 shares
    last_day: date  # the last whole day of history used
    days_used: int
    holiday_scale: float = 1.0  # holidays without history: average rest day × this

    def factor(self, d: date, kind: str) -> float:
        """The day factor of `d`, with the fallbacks for keys the history did not show."""
        key = _key(d, kind)
        if key in self.factors:
            return self.factors[key]
        work = [v for k, v in self.factors.items() if k.startswith("work")] or [1.0]
        rest = [v for k, v in self.factors.items() if k.startswith("rest")] or work
        if kind == ADJUSTED_WORKDAY or kind == WORKDAY:
            return float(np.mean(work))
        if kind == HOLIDAY:
            return float(np.mean(rest)) * self.holiday_scale
        return float(np.mean(rest))

    def shape(self, kind: str) -> tuple[float, ...]:
        """The intraday shape of a day type, with fallbacks (holiday → rest → work → typical)."""
        for group in {"holiday": ("holiday", "rest", "work"), "rest": ("rest", "work"),
                      "work": ("work", "rest")}[_group(kind)]:
            if group in self.shapes:
                return self.shapes[group]
        return typical_shape()

    def predict(self, days: Sequence[date], day_type: DayType, tz: ZoneInfo = TZ) -> list[IntervalForecast]:
        """Half-hour forecasts for the given days."""
        out: list[IntervalForecast] = []
        for d in days:
            kind = day_type(d)
            total = self.level * self.factor(d, kind)
            midnight = datetime.combine(d, time(0), tzinfo=tz)
            for slot, share in enumerate(self.shape(kind)):
                out.append(IntervalForecast(midnight + slot * SLOT, total * share, kind))
        return out


def fit(history: Iterable[tuple[datetime, float]], day_type: DayType, *, profile_days: int = 56,
        level_days: int = 14, holiday_scale: float = 1.0, tz: ZoneInfo = TZ) -> Model:
    """Fit the model on half-hour history (at least 7 whole days)."""
    days = daily_matrix(history, tz)
    if len(days) < 7:
        raise ForecastError(f"need at least 7 whole days of half-hour history, got {len(days)}", TOO_FEW_DAYS,
                            days=len(days))
    if profile_days < 7 or level_days < 1 or holiday_scale <= 0:
        raise ForecastError("profile_days ≥ 7, level_days ≥ 1 and holiday_scale > 0 are required")
    dates = list(days)
    kinds = {d: day_type(d) for d in dates}
    totals = {d: float(days[d].sum()) for d in dates}
    work_dates = [d for d in dates if kinds[d] == WORKDAY]
    work_totals = np.array([totals[d] for d in work_dates])
    all_work = float(work_totals.mean()) if work_dates else float(np.mean(list(totals.values())))
    if all_work <= 0:
        raise ForecastError("the history has no calls on working days", NO_WORKDAY_CALLS)
    ordinals = np.array([d.toordinal() for d in work_dates])

    def base(d: date) -> float:
        """The average ordinary workday within ±14 days of `d` (the whole history's if too few)."""
        near = np.abs(ordinals - d.toordinal()) <= 14 if work_dates else np.zeros(0, bool)
        return float(work_totals[near].mean()) if near.sum() >= 2 and work_totals[near].mean() > 0 else all_work

    window_start = dates[-1] - timedelta(days=profile_days - 1)
    ratios: dict[str, list[float]] = defaultdict(list)
    for d in dates:
        key = _key(d, kinds[d])
        if d >= window_start or key == HOLIDAY:  # holidays are rare: use them all
            ratios[key].append(totals[d] / base(d))
    factors = {key: float(np.mean(values)) for key, values in ratios.items()}
    model = Model(1.0, factors, {}, dates[-1], len(dates), holiday_scale)

    recent = [d for d in dates if d > dates[-1] - timedelta(days=level_days)]
    level = float(np.mean([totals[d] / max(model.factor(d, kinds[d]), 1e-9) for d in recent]))

    shapes: dict[str, tuple[float, ...]] = {}
    for group in ("work", "rest", "holiday"):
        chosen = [d for d in dates if _group(kinds[d]) == group and (d >= window_start or group == "holiday")]
        summed = np.sum([days[d] for d in chosen], axis=0) if chosen else np.zeros(SLOTS)
        if len(chosen) >= 2 and summed.sum() > 0:
            shapes[group] = tuple(float(s) for s in summed / summed.sum())
    return Model(level, factors, shapes, dates[-1], len(dates), holiday_scale)


def forecast(history: Iterable[tuple[datetime, float]], day_type: DayType, start: date, days: int = 7,
             **options: float) -> list[IntervalForecast]:
    """Half-hour forecasts for `days` days from `start`, fitted on `history`."""
    if days < 1:
        raise ForecastError("days must be ≥ 1")
    model = fit(history, day_type, **options)  # type: ignore[arg-type]
    return model.predict([start + timedelta(days=i) for i in range(days)], day_type)


# --- Backtest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """One rolling origin: the days forecast and the errors."""

    origin: date
    days: int
    wape: float
    naive_wape: float | None


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin errors over every fold's half-hours (WAPE = Σ|F − A| / ΣA)."""

    folds: list[Fold]
    intervals: int
    wape: float
    mape: float  # mean |F − A| / A over half-hours with A > 0
    daily_wape: float  # WAPE of the daily totals
    bias: float  # Σ(F − A) / ΣA
    naive_wape: float | None  # the seasonal-naive forecast (same half-hour a week earlier)


def _errors(forecasts: np.ndarray, actuals: np.ndarray) -> tuple[float, float, float]:
    total = actuals.sum()
    wape = float(np.abs(forecasts - actuals).sum() / total) if total else math.nan
    positive = actuals > 0
    mape = float(np.mean(np.abs(forecasts[positive] - actuals[positive]) / actuals[positive])) if positive.any() \
        else math.nan
    bias = float((forecasts - actuals).sum() / total) if total else math.nan
    return wape, mape, bias


def backtest(history: Sequence[tuple[datetime, float]], day_type: DayType, *, folds: int = 4,
             horizon_days: int = 7, min_train_days: int = 21, tz: ZoneInfo = TZ, **options: float) -> Backtest:
    """Rolling-origin backtest over the last `folds` × `horizon_days` days of the history."""
    if folds < 1 or horizon_days < 1:
        raise ForecastError("folds and horizon_days must be ≥ 1")
    days = daily_matrix(history, tz)
    dates = list(days)
    if len(dates) < min_train_days + horizon_days:
        raise ForecastError(f"a backtest needs at least {min_train_days + horizon_days} whole days, got {len(dates)}")
    history_by_day = {d: [(datetime.combine(d, time(0), tzinfo=tz) + s * SLOT, float(days[d][s]))
                          for s in range(SLOTS)] for d in dates}
    results: list[Fold] = []
    all_f, all_a, all_n, day_f, day_a = [], [], [], [], []
    end = dates[-1] + timedelta(days=1)
    for k in range(folds, 0, -1):
        origin = end - timedelta(days=k * horizon_days)
        train = [d for d in dates if d < origin]
        if len(train) < min_train_days:
            continue
        targets = [origin + timedelta(days=i) for i in range(horizon_days) if origin + timedelta(days=i) in days]
        model = fit([row for d in train for row in history_by_day[d]], day_type, tz=tz, **options)  # type: ignore[arg-type]
        predicted = np.array([f.offered for f in model.predict(targets, day_type, tz)]).reshape(-1, SLOTS)
        actual = np.array([days[d] for d in targets])
        naive_rows = [days.get(d - timedelta(days=7)) for d in targets]
        naive = np.array(naive_rows) if all(r is not None for r in naive_rows) else None
        wape = _errors(predicted.ravel(), actual.ravel())[0]
        naive_wape = _errors(naive.ravel(), actual.ravel())[0] if naive is not None else None
        results.append(Fold(origin, len(targets), wape, naive_wape))
        all_f.append(predicted.ravel())
        all_a.append(actual.ravel())
        if naive is not None:
            all_n.append((naive.ravel(), actual.ravel()))
        day_f.append(predicted.sum(axis=1))
        day_a.append(actual.sum(axis=1))
    if not results:
        raise ForecastError("no fold had enough history before its origin")
    f, a = np.concatenate(all_f), np.concatenate(all_a)
    wape, mape, bias = _errors(f, a)
    daily_wape = _errors(np.concatenate(day_f), np.concatenate(day_a))[0]
    naive_wape = _errors(np.concatenate([n for n, _ in all_n]), np.concatenate([x for _, x in all_n]))[0] \
        if len(all_n) == len(results) else None
    return Backtest(results, int(a.size), wape, mape, daily_wape, bias, naive_wape)


# --- Synthetic history (tests, benchmarks, the docs' worked case) -------------------------------


def synthetic_history(start: date, days: int, calls_per_workday: float, day_type: DayType, *,
                      weekday_factors: Sequence[float] = (1.08, 1.0, 0.98, 0.97, 0.95, 0.55, 0.5),
                      adjusted_factor: float = 0.9, holiday_factor: float = 0.45,
                      shape: Sequence[float] | None = None, seed: int = 0, tz: ZoneInfo = TZ
                      ) -> list[tuple[datetime, int]]:
    """Poisson half-hour counts with a weekday pattern, 调休 workdays and holidays (known truth)."""
    rng = np.random.default_rng(seed)
    curve = np.asarray(shape if shape is not None else typical_shape())
    rest_curve = np.roll(curve, 2) * 0.5 + curve * 0.5  # rest days start later
    rows: list[tuple[datetime, int]] = []
    for i in range(days):
        d = start + timedelta(days=i)
        kind = day_type(d)
        factor = {WORKDAY: weekday_factors[d.weekday()], ADJUSTED_WORKDAY: adjusted_factor,
                  WEEKEND: weekday_factors[d.weekday()], HOLIDAY: holiday_factor}[kind]
        profile = curve if kind in (WORKDAY, ADJUSTED_WORKDAY) else rest_curve
        counts = rng.poisson(calls_per_workday * factor * profile)
        midnight = datetime.combine(d, time(0), tzinfo=tz)
        rows.extend((midnight + s * SLOT, int(c)) for s, c in enumerate(counts))
    return rows
