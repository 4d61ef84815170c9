"""The staffing plan (排班测算) for a run of days: forecast, required agents and seats, staffing, gap.

For each half-hour: the forecast offered calls (fitted on history before the plan's first day, so a
past week shows what would have been forecast), the agents Erlang C and Erlang A require for the
targets, the scheduled seats after shrinkage, the agents actually staffed (history; for half-hours
still to come, the same half-hour a week earlier, "as rostered last week"), and the gap = staffed −
required agents of the chosen model. Handle time and patience come from the week of history before
the first day (or today, for a plan ahead) where there is enough of it (`aht_by_slot`,
`estimate_patience`), else from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st
from hotline.planning import history
from hotline.planning.calendar import day_type
from hotline.planning.constants import setting

HALF_HOUR = timedelta(minutes=30)
#: Where a half-hour's staffed agents come from.
ACTUAL = "actual"
LAST_WEEK = "last_week"


@dataclass(frozen=True)
class PlanParams:
    """What the planner asked for (fractions, seconds)."""

    start: date
    days: int
    targets: st.Targets
    patience: float | None = None  # None: estimate from history, else the default
    aht: float | None = None  # None: from history per half-hour of the day, else the default
    model: str = st.ERLANG_A  # the model the gap is measured against
    history_days: int = 91
    folds: int = 4


@dataclass(frozen=True)
class PlanRow:
    """One half-hour of the plan."""

    start: datetime
    day_type: str
    forecast: float  # offered calls in the half-hour
    actual_offered: int | None  # known for half-hours already over
    aht: float
    erlang_c: st.Requirement
    erlang_a: st.Requirement
    staffed: float | None  # agents available (logged in, not "not ready")
    staffed_source: str | None  # ACTUAL or LAST_WEEK
    gap: float | None  # staffed − required agents of the plan's model

    @property
    def calls_per_hour(self) -> float:
        """The forecast as an hourly rate."""
        return self.forecast * 2


@dataclass(frozen=True)
class DaySummary:
    """One day of the plan, added up."""

    day: date
    day_type: str
    forecast: float
    actual_offered: int | None
    peak_agents_c: int
    peak_agents_a: int
    peak_seats_c: int
    peak_seats_a: int
    seat_hours_c: float
    seat_hours_a: float
    staffed_hours: float | None
    short_intervals: int  # half-hours whose staffing falls short of the requirement


@dataclass
class Plan:
    """The planner's answer; `error` says why there is none (e.g. too little history), `staffing_error` why
    the forecast could not be staffed (e.g. more agents than can be planned for)."""

    params: PlanParams
    rows: list[PlanRow] = field(default_factory=list)
    days: list[DaySummary] = field(default_factory=list)
    backtest: fc.Backtest | None = None
    backtest_error: str = ""
    error: str = ""
    staffing_error: str = ""
    history_days: int = 0
    aht: float = 0.0  # the calls-weighted average handle time used
    aht_from_history: bool = False
    patience: float = 0.0
    patience_from_history: bool = False


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=timezone.get_current_timezone())


def aht_by_slot(metrics: Sequence[history.IntervalMetrics], default: float, min_calls: int) -> tuple[list[float], bool]:
    """Average handle time for each half-hour of the day, weighted by answered calls.

    A half-hour of the day with fewer than `min_calls` answered calls takes the overall average;
    with fewer than that overall, every half-hour takes `default`. Also says whether history was used.
    """
    seconds, calls = np.zeros(fc.SLOTS), np.zeros(fc.SLOTS)
    for m in metrics:
        if m.aht_seconds is not None and m.answered:
            local = timezone.localtime(m.start)
            slot = local.hour * 2 + local.minute // 30
            seconds[slot] += m.aht_seconds * m.answered
            calls[slot] += m.answered
    if calls.sum() < min_calls:
        return [default] * fc.SLOTS, False
    overall = seconds.sum() / calls.sum()
    return [float(seconds[s] / calls[s]) if calls[s] >= min_calls else float(overall) for s in range(fc.SLOTS)], True


def estimate_patience(metrics: Sequence[history.IntervalMetrics], min_abandons: int) -> float | None:
    """Mean patience by maximum likelihood for exponential patience: Σ waiting time / abandons.

    Every caller's wait counts (answered callers' waits are censored patience times); None with
    fewer than `min_abandons` abandoned calls.
    """
    abandons = sum(m.abandoned for m in metrics)
    if abandons < max(min_abandons, 1):
        return None
    waited = sum((m.asa_seconds or 0.0) * m.answered + (m.avg_abandon_seconds or 0.0) * m.abandoned for m in metrics)
    return waited / abandons if waited > 0 else None


def forecast_error_text(exc: fc.ForecastError) -> str:
    """Why no forecast could be made, in the reader's language."""
    if exc.code == fc.TOO_FEW_DAYS:
        return _("需要至少 7 个整天的历史话务，目前只有 %(days)d 天") % {"days": exc.params.get("days", 0)}
    if exc.code == fc.NO_WORKDAY_CALLS:
        return _("历史话务中工作日没有来电")
    return _("历史话务无法用于预测")


def staffing_error_text(exc: st.StaffingError) -> str:
    """Why no agents could be worked out for these parameters, in the reader's language."""
    if exc.code == st.TOO_MANY_AGENTS:
        return _("按当前目标，有的半小时可能需要超过 %(agents)d 名坐席，超出可测算的范围："
                 "请检查平均处理时长和最高占用率") % {"agents": exc.params.get("agents", st.MAX_AGENTS)}
    if exc.code == st.LOAD_TOO_HIGH:
        return _("预测话务量乘以平均处理时长超出可测算的范围：请检查平均处理时长")
    return _("按当前参数无法测算所需坐席：请检查规划参数")


def build_plan(params: PlanParams, now: datetime) -> Plan:
    """The plan for `params.days` days from `params.start`, with history read up to `now`."""
    plan = Plan(params)
    today = timezone.localdate(now)
    history_end = _midnight(min(params.start, today))
    history_start = history_end - timedelta(days=params.history_days)
    offered = history.offered_history(history_start, history_end)
    try:
        model = fc.fit(offered, day_type)
    except fc.ForecastError as exc:
        plan.error = forecast_error_text(exc)
        return plan
    plan.history_days = model.days_used
    try:
        plan.backtest = fc.backtest(offered, day_type, folds=params.folds)
    except fc.ForecastError:
        plan.backtest_error = _("历史不足，未回测（回测至少需要四周整天的话务记录）")

    days = [params.start + timedelta(days=i) for i in range(params.days)]
    forecasts = model.predict(days, day_type, tz=timezone.get_current_timezone())
    plan_start, plan_end = _midnight(params.start), _midnight(days[-1] + timedelta(days=1))
    metrics_end = min(plan_end, now)
    metrics_start = plan_start - timedelta(days=7)
    metrics = history.interval_metrics(metrics_start, metrics_end) if metrics_end > metrics_start else []
    by_start = {m.start: m for m in metrics}
    # handle time and patience: the week before the forecast's history ends, however far ahead the plan is
    sample_start = history_end - timedelta(days=7)
    if metrics_start <= sample_start and history_end <= metrics_end:
        sample = [m for m in metrics if sample_start <= m.start < history_end]
    else:
        sample = history.interval_metrics(sample_start, history_end)
    past = [m for m in sample if m.start + HALF_HOUR <= now]

    slot_aht, plan.aht_from_history = aht_by_slot(past, setting("AHT_SECONDS"), int(setting("MIN_CALLS_FOR_AHT")))
    if params.aht is not None:
        slot_aht, plan.aht_from_history = [params.aht] * fc.SLOTS, False
    estimated = estimate_patience(past, int(setting("MIN_ABANDONS_FOR_PATIENCE")))
    plan.patience_from_history = params.patience is None and estimated is not None
    plan.patience = params.patience or estimated or setting("PATIENCE_SECONDS")

    starts = [f.start for f in forecasts]
    rates = np.array([f.offered * 2 for f in forecasts])
    ahts = np.array([slot_aht[s.hour * 2 + s.minute // 30] for s in starts])
    plan.aht = float((ahts * rates).sum() / rates.sum()) if rates.sum() else float(ahts.mean())
    targets_c = st.Targets(params.targets.service_level, params.targets.answer_within, 0.0,
                           params.targets.max_occupancy, params.targets.shrinkage)
    try:
        need_c = st.plan(rates, ahts, targets_c, st.ERLANG_C)
        need_a = st.plan(rates, ahts, params.targets, st.ERLANG_A, plan.patience)
    except st.StaffingError as exc:  # e.g. a 2-hour handle time capped at 1 % occupancy: too many agents
        plan.staffing_error = staffing_error_text(exc)
        return plan

    for f, aht, c, a in zip(forecasts, ahts, need_c, need_a, strict=True):
        staffed, source = _staffed(f.start, by_start, now)
        actual = by_start.get(f.start)
        required = (a if params.model == st.ERLANG_A else c).agents
        plan.rows.append(PlanRow(
            start=f.start, day_type=f.day_type, forecast=f.offered,
            actual_offered=actual.offered if actual is not None and f.start + HALF_HOUR <= now else None,
            aht=float(aht), erlang_c=c, erlang_a=a, staffed=staffed, staffed_source=source,
            gap=None if staffed is None else staffed - required,
        ))
    plan.days = [_summary(d, plan.rows[i * fc.SLOTS:(i + 1) * fc.SLOTS]) for i, d in enumerate(days)]
    return plan


def _staffed(start: datetime, by_start: dict[datetime, history.IntervalMetrics], now: datetime
             ) -> tuple[float | None, str | None]:
    """Agents staffed in a half-hour already over, else in the same half-hour a week earlier."""
    if start + HALF_HOUR <= now and start in by_start:
        return by_start[start].agents_staffed, ACTUAL
    earlier = start - timedelta(days=7)
    if earlier + HALF_HOUR <= now and earlier in by_start:
        return by_start[earlier].agents_staffed, LAST_WEEK
    return None, None


def _summary(d: date, rows: list[PlanRow]) -> DaySummary:
    actual = [r.actual_offered for r in rows]
    staffed = [r.staffed for r in rows]
    return DaySummary(
        day=d, day_type=rows[0].day_type, forecast=sum(r.forecast for r in rows),
        actual_offered=sum(a for a in actual if a is not None) if all(a is not None for a in actual) else None,
        peak_agents_c=max(r.erlang_c.agents for r in rows), peak_agents_a=max(r.erlang_a.agents for r in rows),
        peak_seats_c=max(r.erlang_c.seats for r in rows), peak_seats_a=max(r.erlang_a.seats for r in rows),
        seat_hours_c=sum(r.erlang_c.seats for r in rows) / 2, seat_hours_a=sum(r.erlang_a.seats for r in rows) / 2,
        staffed_hours=sum(s for s in staffed if s is not None) / 2 if any(s is not None for s in staffed) else None,
        short_intervals=sum(1 for r in rows if r.gap is not None and r.gap < 0),
    )
