"""Reads of the call centre: queue metrics per half-hour and per period, per-agent figures, screen pop.

The metric definitions are in docs/calls.md. Counts and averages are aggregated in SQL over the derived
`Call` records, grouped by the half-hour the call entered the queue; staffing and occupancy add up the
agents' state spans and the calls' talk and wrap-up time clipped to each half-hour. Raw events are
never read here.

Interface used by the planning and KPI apps: `offered_per_interval`, `interval_metrics`, `queue_summary`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from hotline.calls.choices import AgentState, Disposition
from hotline.calls.constants import INTERVAL_SECONDS, setting
from hotline.calls.derive import interval_of, local_day_bounds
from hotline.calls.models import Agent, AgentSpan, Call
from hotline.core import clock

HALF_HOUR = timedelta(seconds=INTERVAL_SECONDS)
_US = timedelta(microseconds=1)
#: Calls whose outcome is known and that count as offered (short abandons and calls still waiting do not).
OFFERED = (Disposition.ANSWERED, Disposition.ABANDONED, Disposition.MISSED)


@dataclass(frozen=True)
class IntervalMetrics:
    """The queue's figures over one half-hour (or a whole period, for `queue_summary`)."""

    start: datetime
    offered: int
    answered: int
    answered_within_15s: int
    abandoned: int
    short_abandoned: int
    asa_seconds: float | None
    avg_abandon_seconds: float | None
    aht_seconds: float | None
    agents_staffed: float
    occupancy: float | None
    missed: int = 0

    @property
    def connect_rate(self) -> float | None:
        """呼叫接通率 = answered / offered."""
        return self.answered / self.offered if self.offered else None

    @property
    def service_level(self) -> float | None:
        """15 秒应答率 as domain.md defines it: answered within 15 s / answered (None when no call was answered:
        the share of nothing, shown as — here and on the KPI pages alike)."""
        return self.answered_within_15s / self.answered if self.answered else None

    @property
    def service_level_of_offered(self) -> float | None:
        """The stricter reading: answered within 15 s / offered (abandoned calls count against it)."""
        return self.answered_within_15s / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        """放弃率 = abandoned / offered."""
        return self.abandoned / self.offered if self.offered else None


def _slots(start: datetime, end: datetime) -> list[datetime]:
    """Every half-hour start (aware, local time) in [start, end)."""
    t = interval_of(start)
    if t < start:
        t += HALF_HOUR
    out = []
    while t < end:
        out.append(timezone.localtime(t))
        t += HALF_HOUR
    return out


def _aggregates() -> dict[str, Any]:
    answered = Q(disposition=Disposition.ANSWERED)
    target = setting("ANSWER_TARGET_SECONDS")
    return {
        "offered": Count("pk", filter=Q(disposition__in=OFFERED)),
        "answered": Count("pk", filter=answered),
        "within": Count("pk", filter=answered & Q(wait_seconds__lte=target)),
        "abandoned": Count("pk", filter=Q(disposition=Disposition.ABANDONED)),
        "missed": Count("pk", filter=Q(disposition=Disposition.MISSED)),
        "short": Count("pk", filter=Q(disposition=Disposition.SHORT_ABANDONED)),
        "asa": Avg("wait_seconds", filter=answered),
        "abandon_wait": Avg("wait_seconds", filter=Q(disposition=Disposition.ABANDONED)),
        "aht": Avg(F("talk_seconds") + Coalesce("wrap_seconds", 0.0), filter=answered & Q(talk_seconds__isnull=False)),
    }


def _calls(start: datetime, end: datetime) -> QuerySet[Call]:
    return Call.objects.filter(interval_start__gte=start, interval_start__lt=end)


def offered_per_interval(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Calls offered in every half-hour of [start, end), zero-filled (the forecaster's history)."""
    counts = dict(_calls(start, end).filter(disposition__in=OFFERED).values("interval_start")
                  .annotate(n=Count("pk")).values_list("interval_start", "n"))
    return [(slot, counts.get(slot, 0)) for slot in _slots(start, end)]


def _state_spans(start: datetime, end: datetime, *,
                 agents: Iterable[int] | None = None) -> list[tuple[int, str, datetime, datetime]]:
    """The agents' state spans that overlap [start, end): (agent id, state, start, end), each end known.

    A span still open (the agent's last state of its day) lasts until the agent's next day with spans, or
    until now: a state carries over midnight and over days without events, as when deriving the spans
    (an agent logged in over midnight who sent nothing since is still logged in).
    """
    now = clock.now()
    first_day, last_day = timezone.localdate(start), timezone.localdate(end - _US)
    agents = None if agents is None else list(agents)
    people = Agent.objects.all() if agents is None else Agent.objects.filter(pk__in=agents)
    # Each agent's last span before the period (one index look-up per agent): carried in when still open.
    last = AgentSpan.objects.filter(agent_id=OuterRef("pk"), day__lt=first_day).order_by("-day", "-start")
    carried = people.annotate(span=Subquery(last.values("pk")[:1])).values("span")
    within = Q(day__gte=first_day, day__lte=last_day, start__lt=end)
    if agents is not None:
        within &= Q(agent_id__in=agents)
    rows = list(AgentSpan.objects.filter(within | Q(pk__in=carried, end__isnull=True))
                .values_list("agent_id", "state", "start", "end", "day"))
    days: dict[int, list[date]] = defaultdict(list)
    for agent_id, _state, _s, _e, day in rows:
        days[agent_id].append(day)
    out = []
    for agent_id, state, s, e, day in rows:
        if e is None:
            later = [d for d in days[agent_id] if d > day]
            e = min(local_day_bounds(min(later))[0], now) if later else max(now, s)
        if e > start:
            out.append((agent_id, state, s, e))
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HALF_US = INTERVAL_SECONDS * 1_000_000


def _us(moment: datetime) -> int:
    """Whole microseconds since the epoch (exact integer arithmetic: sums do not depend on row order)."""
    return (moment - _EPOCH) // _US


def _overlaps(start: datetime, end: datetime) -> tuple[dict[datetime, int], dict[datetime, int]]:
    """Microseconds available (logged in, not 'not ready') and busy (talk + wrap-up) in each half-hour.

    Half-hours are counted on the local clock with the zone's offset at `start` (Asia/Shanghai has no
    daylight saving time).
    """
    now = clock.now()
    offset = _us(timezone.localtime(start).replace(tzinfo=UTC)) - _us(start)
    lo, hi = _us(start), _us(end)
    available: dict[int, int] = defaultdict(int)
    busy: dict[int, int] = defaultdict(int)
    for _agent, state, s, e in _state_spans(start, end):
        if state != AgentState.NOT_READY:
            _spread(available, max(_us(s), lo), min(_us(e), hi), offset)
    calls = (Call.objects.filter(answered_at__lt=end, answered_at__gte=start - timedelta(days=1))
             .values_list("answered_at", "ended_at", "wrap_end_at"))
    for answered_at, ended_at, wrap_end in calls:
        finish = wrap_end or ended_at or now
        if finish > start:
            _spread(busy, max(_us(answered_at), lo), min(_us(finish), hi), offset)

    def slots(values: dict[int, int]) -> dict[datetime, int]:
        return {timezone.localtime(_EPOCH + timedelta(microseconds=k * _HALF_US - offset)): v
                for k, v in values.items()}

    return slots(available), slots(busy)


def _spread(into: dict[int, int], a: int, b: int, offset: int) -> None:
    """Add the microseconds of [a, b) to the local half-hours (by index) they fall in."""
    while a < b:
        slot = (a + offset) // _HALF_US
        stop = min(b, (slot + 1) * _HALF_US - offset)
        into[slot] += stop - a
        a = stop


def _round(value: float | None) -> float | None:
    """Six decimals: sums in a different row order must not change a figure."""
    return None if value is None else round(value, 6)


def _metrics(start: datetime, row: dict[str, Any], staffed: float, occupancy: float | None) -> IntervalMetrics:
    return IntervalMetrics(
        start=start, offered=row.get("offered") or 0, answered=row.get("answered") or 0,
        answered_within_15s=row.get("within") or 0, abandoned=row.get("abandoned") or 0,
        short_abandoned=row.get("short") or 0, asa_seconds=_round(row.get("asa")),
        avg_abandon_seconds=_round(row.get("abandon_wait")), aht_seconds=_round(row.get("aht")),
        agents_staffed=round(staffed, 6), occupancy=_round(occupancy), missed=row.get("missed") or 0,
    )


def interval_metrics(start: datetime, end: datetime) -> list[IntervalMetrics]:
    """The queue's figures for every half-hour of [start, end), zero-filled."""
    rows = {r["interval_start"]: r for r in _calls(start, end).values("interval_start").annotate(**_aggregates())}
    available, busy = _overlaps(start, end)
    out = []
    for slot in _slots(start, end):
        free = available.get(slot, 0)
        occupancy = busy.get(slot, 0) / free if free else None
        out.append(_metrics(slot, rows.get(slot, {}), free / 1e6 / INTERVAL_SECONDS, occupancy))
    return out


def queue_summary(start: datetime, end: datetime) -> IntervalMetrics:
    """The queue's figures over the whole period [start, end) (agents_staffed: average over the period)."""
    row = _calls(start, end).aggregate(**_aggregates())
    available, busy = _overlaps(start, end)
    free, used = sum(available.values()), sum(busy.values())
    length = max((end - start).total_seconds(), 1.0)
    return _metrics(start, row, free / 1e6 / length, used / free if free else None)


def daily_summaries(first: date, days: int) -> list[IntervalMetrics]:
    """The queue's counts and averages per local day (one query; no staffing figures: 0 and None)."""
    start, end = local_day_bounds(first)[0], local_day_bounds(first + timedelta(days=days - 1))[1]
    rows = {r["day"]: r for r in _calls(start, end).annotate(
        day=TruncDate("interval_start", tzinfo=timezone.get_current_timezone())).values("day").annotate(**_aggregates())}
    out = []
    for n in range(days):
        d = first + timedelta(days=n)
        out.append(_metrics(local_day_bounds(d)[0], rows.get(d, {}), 0.0, None))
    return out


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as [start, end)."""
    return local_day_bounds(day)


@dataclass(frozen=True)
class AgentFigures:
    """One agent's day: calls, handle time, logged-in and not-ready time, occupancy.

    `calls` and `aht_seconds` count the calls by queue entry (like the day's answered calls); `talk_seconds`
    and `wrap_seconds` are the talk and wrap-up time inside the period, like the logged-in time (a call
    across midnight is split between the two days, as the day's occupancy splits it).
    """

    agent: Agent
    calls: int
    aht_seconds: float | None
    talk_seconds: float
    wrap_seconds: float
    logged_in_seconds: float
    not_ready_seconds: float

    @property
    def occupancy(self) -> float | None:
        """(talk + wrap-up) / (logged in − not ready)."""
        free = self.logged_in_seconds - self.not_ready_seconds
        return (self.talk_seconds + self.wrap_seconds) / free if free > 0 else None


def agent_figures(start: datetime, end: datetime, *, agents: Iterable[int] | None = None) -> list[AgentFigures]:
    """Per-agent figures over [start, end), for the agents who logged in or answered calls (only the `agents`
    ids when given: one person's extensions, without reading the whole centre's month)."""
    logged: dict[int, int] = defaultdict(int)  # microseconds
    not_ready: dict[int, int] = defaultdict(int)
    agents = None if agents is None else list(agents)
    only = Q() if agents is None else Q(agent_id__in=agents)
    for agent_id, state, s, e in _state_spans(start, end, agents=agents):
        seconds = max(0, (min(e, end) - max(s, start)) // _US)
        logged[agent_id] += seconds
        if state == AgentState.NOT_READY:
            not_ready[agent_id] += seconds
    calls, talk, wrap = _calls_per_agent(start, end, only)
    people = Agent.objects.filter(pk__in=set(logged) | set(calls) | set(talk) | set(wrap)).select_related("user")
    out = []
    for a in people:
        n, timed, handled = calls.get(a.pk, (0, 0, 0))
        out.append(AgentFigures(agent=a, calls=n, aht_seconds=_round(handled / 1e6 / timed) if timed else None,
                                talk_seconds=round(talk.get(a.pk, 0) / 1e6, 3),
                                wrap_seconds=round(wrap.get(a.pk, 0) / 1e6, 3),
                                logged_in_seconds=logged.get(a.pk, 0) / 1e6,
                                not_ready_seconds=not_ready.get(a.pk, 0) / 1e6))
    return sorted(out, key=lambda f: f.agent.extension)


def _calls_per_agent(start: datetime, end: datetime,
                     only: Q) -> tuple[dict[int, tuple[int, int, int]], dict[int, int], dict[int, int]]:
    """Each agent's answered calls by queue entry in [start, end) — (calls, calls ended, their talk + wrap-up
    in microseconds), like the day's answered calls (`queue_summary`): the two always agree — and the talk (answer to
    end) and wrap-up (end to wrap-up end) in [start, end), in microseconds, clipped as in `_overlaps` (a call
    still under way counts until now). One query.
    """
    now = clock.now()
    lo, hi = _us(start), _us(end)
    counted: dict[int, tuple[int, int, int]] = {}
    talk: dict[int, int] = defaultdict(int)
    wrap: dict[int, int] = defaultdict(int)
    by_entry = Q(interval_start__gte=start, interval_start__lt=end, disposition=Disposition.ANSWERED)
    rows = (Call.objects.filter(only, agent__isnull=False)
            .filter(by_entry | Q(answered_at__lt=end, answered_at__gte=start - timedelta(days=1)))
            .values_list("agent_id", "interval_start", "disposition", "talk_seconds", "wrap_seconds",
                                        "answered_at", "ended_at", "wrap_end_at"))
    for agent_id, entered, disposition, talked, wrapped, answered_at, ended_at, wrap_end in rows:
        if disposition == Disposition.ANSWERED and entered is not None and start <= entered < end:
            n, timed, handled = counted.get(agent_id, (0, 0, 0))
            if talked is not None:  # exact integer sums: the figure does not depend on row order
                timed, handled = timed + 1, handled + round((talked + (wrapped or 0.0)) * 1e6)
            counted[agent_id] = (n + 1, timed, handled)
        if answered_at is None or answered_at >= end:
            continue
        finish = ended_at or now
        if finish > start:
            talk[agent_id] += max(0, min(_us(finish), hi) - max(_us(answered_at), lo))
        if ended_at is not None and wrap_end is not None and wrap_end > start:
            wrap[agent_id] += max(0, min(_us(wrap_end), hi) - max(_us(ended_at), lo))
    return counted, {k: v for k, v in talk.items() if v}, {k: v for k, v in wrap.items() if v}


def current_call(user: Any) -> Call | None:
    """This person's call in progress (answered, not ended), for the screen pop (来电弹屏)."""
    if not getattr(user, "is_authenticated", False):
        return None
    since = clock.now() - timedelta(minutes=setting("POP_MAX_MINUTES"))
    return (Call.objects.filter(agent__user=user, answered_at__isnull=False, answered_at__gte=since,
                                ended_at__isnull=True).order_by("-answered_at").first())
