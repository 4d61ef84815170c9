"""Deriving a call's record and an agent's day from their raw events, in event-time order.

Plain functions over plain rows (no queries): the same events in any arrival order give the same result.
Events at the same moment are applied in `EVENT_RANK` order, then by event id.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from hotline.calls.choices import EVENT_RANK, AgentState, Disposition, EventType
from hotline.calls.constants import INTERVAL_SECONDS

#: `call.ended` reasons meaning the system, not the caller, ended an unanswered call (a missed call).
SYSTEM_END_REASONS = frozenset({"queue_timeout", "overflow", "no_agent", "closed", "system", "busy"})


@dataclass(frozen=True)
class Row:
    """One stored event, as the derivations need it."""

    event_id: str
    type: str
    at: datetime
    agent_id: int | None
    payload: dict[str, Any]

    @property
    def key(self) -> tuple[datetime, int, str]:
        return (self.at, EVENT_RANK.get(self.type, 99), self.event_id)


def interval_of(moment: datetime) -> datetime:
    """The start of the local (Asia/Shanghai) half-hour holding `moment`."""
    local = timezone.localtime(moment)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    start = seconds - seconds % INTERVAL_SECONDS
    return local.replace(hour=start // 3600, minute=start % 3600 // 60, second=0, microsecond=0)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight of `day` and of the next day (aware)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a is not None and b is not None else None


def derive_call(rows: list[Row], *, short_abandon: float) -> dict[str, Any]:
    """The fields of a `Call` from all its events (see docs/calls.md for the rules)."""
    rows = sorted(rows, key=lambda r: r.key)
    first: dict[str, Row] = {}
    for r in rows:
        first.setdefault(r.type, r)
    caller = next((str(r.payload.get("caller")) for r in rows if r.payload.get("caller")), "")
    offered = first.get(EventType.CALL_OFFERED)
    queued = first.get(EventType.CALL_QUEUED)
    answered = first.get(EventType.CALL_ANSWERED)
    abandoned = first.get(EventType.CALL_ABANDONED)
    transferred = next((r for r in rows if r.type == EventType.CALL_TRANSFERRED), None)
    ended = first.get(EventType.CALL_ENDED)
    offered_at = offered.at if offered else rows[0].at
    queued_at = queued.at if queued else (offered_at if answered else None)
    answered_at = answered.at if answered else None
    ended_at = ended.at if ended else None
    end_reason = str(ended.payload.get("reason", "")) if ended else ""
    abandoned_at = None
    if answered_at is not None:
        disposition = Disposition.ANSWERED
    elif queued_at is None:
        disposition = Disposition.IVR if (ended or abandoned) else Disposition.IN_PROGRESS
    elif abandoned is not None or (ended is not None and end_reason not in SYSTEM_END_REASONS):
        abandoned_at = abandoned.at if abandoned else ended_at
        short = (abandoned_at - queued_at).total_seconds() < short_abandon
        disposition = Disposition.SHORT_ABANDONED if short else Disposition.ABANDONED
    elif ended is not None:
        disposition = Disposition.MISSED
    else:
        disposition = Disposition.IN_PROGRESS
    agent_id = answered.agent_id if answered else None
    return {
        "caller": caller[:32],
        "agent_id": agent_id,
        "disposition": disposition,
        "offered_at": offered_at,
        "queued_at": queued_at,
        "answered_at": answered_at,
        "abandoned_at": abandoned_at,
        "ended_at": ended_at,
        "transferred_to": str(transferred.payload.get("to", ""))[:32] if transferred else "",
        "end_reason": end_reason[:32],
        "interval_start": interval_of(queued_at) if queued_at else None,
        "wait_seconds": _seconds(queued_at, answered_at or abandoned_at or (ended_at if disposition == Disposition.MISSED else None)),
        "talk_seconds": _seconds(answered_at, ended_at) if answered_at else None,
        "events_count": len({r.event_id for r in rows}),
    }


_STATE_OF = {
    EventType.AGENT_LOGIN: AgentState.READY,
    EventType.AGENT_READY: AgentState.READY,
    EventType.AGENT_NOT_READY: AgentState.NOT_READY,
    EventType.AGENT_WRAPUP: AgentState.WRAPUP,
    EventType.AGENT_LOGOUT: None,
}


@dataclass(frozen=True)
class Span:
    """A stretch of time in one agent state."""

    state: str
    start: datetime
    end: datetime | None


def state_after(rows: list[Row]) -> str | None:
    """The agent's state after these events (None: logged out)."""
    state = None
    for r in sorted(rows, key=lambda r: r.key):
        state = _STATE_OF.get(r.type, state)
    return state


def derive_spans(carried: str | None, rows: list[Row], day_start: datetime, day_end: datetime) -> list[Span]:
    """The agent's states over one local day, from the state carried over midnight and the day's events.

    Logging in makes the agent ready; a state event without a log-in logs the agent in implicitly.
    The last state stays open (end None): it carries over midnight, into the following days (docs/calls.md).
    """
    spans: list[Span] = []
    state, since = carried, day_start
    for r in sorted(rows, key=lambda r: r.key):
        new = _STATE_OF.get(r.type, state)
        if new == state:
            continue
        if state is not None and r.at > since:
            spans.append(Span(state, since, r.at))
        state, since = new, r.at
    if state is not None:
        spans.append(Span(state, since, None))
    return spans


#: A wrap-up belongs to a call that ended at most this long before it began (or this little after).
WRAP_AFTER_END = timedelta(seconds=60)
WRAP_EARLY = timedelta(seconds=2)

Wrap = tuple[datetime, datetime | None]


def wrapups(state: str | None, rows: list[Row]) -> list[Wrap]:
    """The agent's wrap-ups (话后处理) begun in these events: from entering the wrap-up state to the next state.

    `state` is the agent's state before the first row; a wrap-up already under way then is not one of these.
    The end is None when no later row leaves the state (the next state event is not among the rows).
    """
    found: list[Wrap] = []
    since: datetime | None = None
    for r in sorted(rows, key=lambda r: r.key):
        new = _STATE_OF.get(r.type, state)
        if new == state:
            continue
        if since is not None:
            if r.at > since:  # as in `derive_spans`: a state left at the instant it began leaves no trace
                found.append((since, r.at))
            since = None
        if new == AgentState.WRAPUP:
            since = r.at
        state = new
    if since is not None:
        found.append((since, None))
    return found


def assign_wrapups(calls: list[tuple[Any, datetime, str]], wraps: list[Wrap]) -> dict[Any, Wrap]:
    """One agent's wrap-ups given to its calls: (key, ended at, call id) → the call's wrap-up.

    A wrap-up belongs only to the agent's latest call that ended before it began (`WRAP_EARLY` of
    tolerance), and only if that call ended at most `WRAP_AFTER_END` before; a call keeps its first one.
    Calls ending at the same instant are told apart by call id.
    """
    ordered = sorted(calls, key=lambda c: (c[1], c[2]))
    ends = [(c[1], c[2]) for c in ordered]
    owned: dict[Any, Wrap] = {}
    for wrap in sorted(wraps, key=lambda w: w[0]):
        index = bisect_right(ends, (wrap[0] + WRAP_EARLY, "\U0010ffff")) - 1
        if index < 0:
            continue
        key, ended_at, _call_id = ordered[index]
        if wrap[0] - ended_at <= WRAP_AFTER_END:
            owned.setdefault(key, wrap)
    return owned
