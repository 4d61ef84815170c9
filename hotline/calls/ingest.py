"""Taking in CTI events (话务事件接入): validate, store once, recompute what they touch.

`ingest(source, items)` stores every valid event of a batch (a repeated event id is a harmless
duplicate), reports every invalid one with its index and reason, then recomputes the derived `Call`
records, the agents' `AgentSpan`s of the days touched, the calls' wrap-up and the callbacks — all in
one transaction. The derived records are a function of the stored events only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hotline.calls import callbacks
from hotline.calls.choices import AGENT_EVENTS, AgentState, Disposition, EventType
from hotline.calls.constants import setting
from hotline.calls.derive import (
    WRAP_AFTER_END,
    WRAP_EARLY,
    Row,
    assign_wrapups,
    derive_call,
    derive_spans,
    local_day_bounds,
    state_after,
    wrapups,
)
from hotline.calls.models import Agent, AgentSpan, Call, CallEvent, PbxSource
from hotline.core import clock
from hotline.workbench.intake.selectors import normalise_phone

#: Fields an event may need besides id, type and at.
_NEEDS: dict[str, tuple[str, ...]] = {
    EventType.CALL_ANSWERED: ("call_id", "agent"),
    EventType.CALL_TRANSFERRED: ("call_id", "to"),
}
_MAX_ID = 64
_MAX_AGENT = 32
_TYPES = frozenset(EventType.values)


@dataclass
class IngestResult:
    """What a batch did: stored, duplicates, and the rejected events with their reasons."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "calls_updated": self.calls}


@dataclass(frozen=True)
class Parsed:
    """A valid event, ready to store."""

    event_id: str
    type: str
    at: datetime
    call_id: str
    agent: str
    payload: dict[str, Any]


def _nul_at(item: dict[str, Any]) -> str | None:
    """Where in the event a NUL character sits (a key or a string value, at any depth), or None.

    PostgreSQL stores NUL neither in text nor in jsonb: one such event would fail the whole batch.
    """
    stack: list[tuple[str, Any]] = [("", item)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return where
        elif isinstance(value, dict):
            for key, inner in value.items():
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in str(key):
                    return name.replace("\x00", "\\u0000")
                stack.append((name, inner))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", inner) for i, inner in enumerate(value))
    return None


def parse_event(item: Any) -> Parsed:
    """A valid event from one JSON object, or ValueError saying what is wrong with it."""
    if not isinstance(item, dict):
        raise ValueError("an event must be a JSON object")
    if (where := _nul_at(item)) is not None:
        raise ValueError(f"'{where}' contains a NUL character (\\u0000), which cannot be stored")
    event_id = item.get("id")
    if not isinstance(event_id, str | int) or not str(event_id).strip() or len(str(event_id)) > _MAX_ID:
        raise ValueError(f"'id' must be a non-empty string of at most {_MAX_ID} characters")
    kind = item.get("type")
    if kind not in _TYPES:
        raise ValueError(f"unknown 'type' {kind!r}; expected one of {', '.join(EventType.values)}")
    raw_at = item.get("at")
    at = parse_datetime(raw_at) if isinstance(raw_at, str) else None
    if at is None:
        raise ValueError("'at' must be an ISO-8601 date-time, e.g. 2026-10-12T09:30:05+08:00")
    if timezone.is_naive(at):
        raise ValueError("'at' must carry a UTC offset (e.g. +08:00 or Z)")
    window = setting("EVENT_WINDOW_DAYS")
    if abs(at - clock.now()) > timedelta(days=window):  # a difference: no overflow even at year 1 or 9999
        raise ValueError(f"'at' must be within {int(window)} days of the server clock")
    needs = _NEEDS.get(kind) or (("agent",) if kind in AGENT_EVENTS else ("call_id",))
    for name in needs:
        value = item.get(name)
        if not isinstance(value, str | int) or not str(value).strip() or len(str(value)) > _MAX_ID:
            raise ValueError(f"'{name}' is required for {kind}")
    agent = item.get("agent")
    if agent is not None and (not isinstance(agent, str | int) or len(str(agent).strip()) > _MAX_AGENT):
        raise ValueError(f"'agent' must be an agent id / extension of at most {_MAX_AGENT} characters")
    caller = item.get("caller")
    if caller is not None and (not isinstance(caller, str | int) or len(str(caller)) > 32):
        raise ValueError("'caller' must be a phone number of at most 32 characters")
    payload = {k: v for k, v in item.items() if k not in {"id", "type", "at", "call_id", "agent"}}
    if caller is not None:
        number = normalise_phone(str(caller))
        payload["caller"] = number if callbacks.dialable(number) else ""  # withheld: "anonymous", "0" …
    return Parsed(event_id=str(event_id).strip(), type=kind, at=at, call_id=str(item.get("call_id") or "").strip(),
                  agent=str(item.get("agent") or "").strip(), payload=payload)


@transaction.atomic
def ingest(source: PbxSource, items: list[Any]) -> IngestResult:
    """Store a batch of CTI events from `source` and bring every derived record up to date."""
    result = IngestResult()
    parsed: dict[str, Parsed] = {}
    for index, item in enumerate(items):
        try:
            event = parse_event(item)
        except ValueError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            result.rejected.append({"index": index, "id": ident, "reason": str(exc)})
            continue
        if event.event_id in parsed:
            result.duplicates += 1
            continue
        parsed[event.event_id] = event
    known = set(CallEvent.objects.filter(source=source, event_id__in=list(parsed)).values_list("event_id", flat=True))
    fresh = [e for e in parsed.values() if e.event_id not in known]
    result.duplicates += len(parsed) - len(fresh)
    agents = agents_for({e.agent for e in fresh if e.agent})
    now = clock.now()
    rows = [CallEvent(source=source, event_id=e.event_id, type=e.type, at=e.at, call_id=e.call_id,
                      agent_id=agents[e.agent].pk if e.agent else None, payload=e.payload, received_at=now)
            for e in fresh]
    CallEvent.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    result.accepted = len(rows)
    call_ids = {e.call_id for e in fresh if e.call_id}
    # A call event names its agent too: the agent's day is derived even when no state event came that day
    # (logged in over midnight), so that batching does not change the result.
    agent_days = {(agents[e.agent].pk, timezone.localdate(e.at)) for e in fresh if e.agent}
    agent_days |= _following_days(agent_days)
    calls = recompute_calls(source, call_ids)
    wrapped = recompute_agent_days(agent_days)
    keys = agent_days | wrapped | {(c.agent_id, timezone.localdate(c.ended_at)) for c in calls
                                   if c.agent_id and c.ended_at}
    # A wrap-up may follow a call of the day before, or run past midnight: that day's calls are given theirs again.
    attach_wrapups(keys | {(a, d - timedelta(days=1)) for a, d in keys})
    callbacks.on_calls_changed(calls)
    result.calls = len(calls)
    return result


def agents_for(extensions: set[str]) -> dict[str, Agent]:
    """The agents of these extensions, created for extensions not seen before (nothing is lost)."""
    found = {a.extension: a for a in Agent.objects.filter(extension__in=extensions)}
    missing = [Agent(extension=x, name=x) for x in sorted(extensions - set(found))]
    if missing:
        Agent.objects.bulk_create(missing, ignore_conflicts=True)
        found = {a.extension: a for a in Agent.objects.filter(extension__in=extensions)}
    return found


def _rows(queryset: Any) -> list[tuple[str, Row]]:
    return [(key, Row(event_id, kind, at, agent_id, payload)) for key, event_id, kind, at, agent_id, payload in
            queryset]


def recompute_calls(source: PbxSource, call_ids: set[str]) -> list[Call]:
    """Derive the `Call` records of these calls of `source` from all their stored events."""
    if not call_ids:
        return []
    by_call: dict[str, list[Row]] = defaultdict(list)
    ids = list(call_ids)
    for start in range(0, len(ids), 500):
        qs = CallEvent.objects.filter(source=source, call_id__in=ids[start:start + 500]).values_list(
            "call_id", "event_id", "type", "at", "agent_id", "payload")
        for key, row in _rows(qs):
            by_call[key].append(row)
    short = setting("SHORT_ABANDON_SECONDS")
    existing = {c.call_id: c for c in Call.objects.filter(source=source, call_id__in=ids)}
    changed, created = [], []
    for call_id, rows in by_call.items():
        fields = derive_call(rows, short_abandon=short)
        call = existing.get(call_id)
        if call is None:
            created.append(Call(source=source, call_id=call_id, **fields))
            continue
        if any(getattr(call, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(call, k, v)
            changed.append(call)
    Call.objects.bulk_create(created, batch_size=500)
    for call in changed:  # one plain UPDATE per call: far cheaper than bulk_update's CASE over 14 columns
        Call.objects.filter(pk=call.pk).update(**{name: getattr(call, name) for name in derive_fields()})
    return list(Call.objects.filter(source=source, call_id__in=ids))


def derive_fields() -> tuple[str, ...]:
    return ("caller", "agent_id", "disposition", "offered_at", "queued_at", "answered_at", "abandoned_at",
            "ended_at", "transferred_to", "end_reason", "interval_start", "wait_seconds", "talk_seconds",
            "events_count")


def recompute_agent_days(agent_days: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Derive the agents' state spans of these local days from their events (and the state at midnight).

    Returns the agent-days on which a wrap-up still under way at one of these midnights began: their
    calls' wrap-up ends with a state event of these days.
    """
    wrapped: set[tuple[int, date]] = set()
    for agent_id, day in sorted(agent_days):
        start, end = local_day_bounds(day)
        day_rows = [r for _, r in _rows(CallEvent.objects.filter(
            agent_id=agent_id, at__gte=start, at__lt=end, type__in=AGENT_EVENTS).values_list(
            "call_id", "event_id", "type", "at", "agent_id", "payload"))]
        carried, since = _last_state(agent_id, start)
        if carried == AgentState.WRAPUP and since is not None:
            wrapped.add((agent_id, timezone.localdate(since)))
        spans = derive_spans(carried, day_rows, start, end)
        AgentSpan.objects.filter(agent_id=agent_id, day=day).delete()
        AgentSpan.objects.bulk_create([AgentSpan(agent_id=agent_id, day=day, state=s.state, start=s.start,
                                                 end=s.end) for s in spans])
    return wrapped


def _last_state(agent_id: int, moment: datetime) -> tuple[str | None, datetime | None]:
    """The agent's state at `moment` (None: logged out) and when its last state event before it came.

    However long ago: a state carries over days without events (an agent who never logged out is still in).
    """
    last = (CallEvent.objects.filter(agent_id=agent_id, at__lt=moment, type__in=AGENT_EVENTS).order_by("-at")
            .values_list("call_id", "event_id", "type", "at", "agent_id", "payload"))
    previous = [r for _, r in _rows(last[:20])]
    if not previous:
        return None, None
    return state_after(previous), max(r.at for r in previous)


def _state_at(agent_id: int, moment: datetime) -> str | None:
    """The agent's state at `moment` from its stored events (None: logged out)."""
    return _last_state(agent_id, moment)[0]


def _following_days(agent_days: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """The later days whose state at midnight these agent-days decide and that hold spans or events.

    The state carries over midnight and over days without state events, up to the agent's next day with one.
    """
    found: set[tuple[int, date]] = set()
    tz = timezone.get_current_timezone()
    for agent_id, day in agent_days:
        after = local_day_bounds(day)[1]
        state_events = CallEvent.objects.filter(agent_id=agent_id, at__gte=after, type__in=AGENT_EVENTS)
        upto = state_events.order_by("at").values_list("at", flat=True).first()
        spans = AgentSpan.objects.filter(agent_id=agent_id, day__gt=day)
        events = CallEvent.objects.filter(agent_id=agent_id, at__gte=after)
        if upto is not None:
            last = timezone.localdate(upto)
            spans = spans.filter(day__lte=last)
            events = events.filter(at__lt=local_day_bounds(last)[1])
        days = set(spans.values_list("day", flat=True).distinct())
        days |= set(events.annotate(local=TruncDate("at", tzinfo=tz)).values_list("local", flat=True).distinct())
        found |= {(agent_id, d) for d in days}
    return found - agent_days


def attach_wrapups(keys: set[tuple[int, date]]) -> None:
    """Give each answered call of these agent-days (by the local day it ended) its wrap-up (话后处理).

    A wrap-up belongs to the agent's latest call that ended before it began (`derive.assign_wrapups`) and
    lasts until the agent's next state event, on whatever day that comes.
    """
    if not keys:
        return
    agents, days = {a for a, _ in keys}, {d for _, d in keys}
    lo, hi = local_day_bounds(min(days))[0], local_day_bounds(max(days))[1]
    since, until = lo - WRAP_EARLY, hi + WRAP_AFTER_END  # the wrap-ups of these calls begin in [since, until]
    margin = WRAP_AFTER_END + WRAP_EARLY  # and the calls they could belong to end in [lo - margin, hi + margin)
    calls: dict[int, list[Call]] = defaultdict(list)
    for call in Call.objects.filter(agent_id__in=agents, disposition=Disposition.ANSWERED, ended_at__gte=lo - margin,
                                    ended_at__lt=hi + margin).only("pk", "call_id", "agent_id", "ended_at",
                                                                   "wrap_end_at", "wrap_seconds"):
        calls[call.agent_id].append(call)
    rows: dict[int, list[Row]] = defaultdict(list)
    for _, row in _rows(CallEvent.objects.filter(agent_id__in=list(calls), type__in=AGENT_EVENTS, at__gte=since,
                                                 at__lte=until).values_list("call_id", "event_id", "type", "at",
                                                                            "agent_id", "payload")):
        rows[row.agent_id].append(row)  # type: ignore[index]
    for agent_id, mine in calls.items():
        wraps = wrapups(_state_at(agent_id, since), rows.get(agent_id, []))
        if wraps and wraps[-1][1] is None:  # still in wrap-up at `until`: it ends at the next state event
            wraps[-1] = (wraps[-1][0], _next_state_change(agent_id, until))
        owned = assign_wrapups([(c.pk, c.ended_at, c.call_id) for c in mine], wraps)
        for call in mine:
            if (agent_id, timezone.localdate(call.ended_at)) not in keys:
                continue
            wrap_end = owned[call.pk][1] if call.pk in owned else None
            wrap = (wrap_end - call.ended_at).total_seconds() if wrap_end else None
            if call.wrap_end_at != wrap_end or call.wrap_seconds != wrap:
                Call.objects.filter(pk=call.pk).update(wrap_end_at=wrap_end, wrap_seconds=wrap)


def _next_state_change(agent_id: int, after: datetime) -> datetime | None:
    """When an agent in wrap-up at `after` next leaves it (its next state event other than wrap-up), or None."""
    return (CallEvent.objects.filter(agent_id=agent_id, at__gt=after, type__in=AGENT_EVENTS)
            .exclude(type=EventType.AGENT_WRAPUP).order_by("at").values_list("at", flat=True).first())


def replay_fresh(source: PbxSource, items: list[dict[str, Any]]) -> int:
    """Take in a whole day of new calls at once (the demo's history): same derivations, fewer queries.

    Only for events of calls and agent-days that have nothing stored yet (it falls back to `ingest`
    otherwise); raw events are stored with one multi-row insert and every derived record is computed
    in memory from them with the same functions `ingest` uses. Returns the number of calls made.
    """
    parsed = [parse_event(item) for item in items]
    call_ids = {e.call_id for e in parsed if e.call_id}
    days = {timezone.localdate(e.at) for e in parsed}
    busy = (Call.objects.filter(source=source, call_id__in=call_ids).exists()
            or CallEvent.objects.filter(source=source, event_id__in=[e.event_id for e in parsed[:50]]).exists()
            or AgentSpan.objects.filter(day__in=days).exists())
    if busy:
        return ingest(source, items).calls
    with transaction.atomic():
        agents = agents_for({e.agent for e in parsed if e.agent})
        now = clock.now()
        rows = [Row(e.event_id, e.type, e.at, agents[e.agent].pk if e.agent else None, e.payload) for e in parsed]
        _insert_raw(source, parsed, rows, now)
        by_call: dict[str, list[Row]] = defaultdict(list)
        by_agent_day: dict[tuple[int, date], list[Row]] = defaultdict(list)
        for e, row in zip(parsed, rows, strict=True):
            if e.call_id:
                by_call[e.call_id].append(row)
            if row.agent_id:  # a call event marks its agent's day too (as `ingest` does)
                group = by_agent_day[(row.agent_id, timezone.localdate(row.at))]
                if row.type in AGENT_EVENTS:
                    group.append(row)
        short = setting("SHORT_ABANDON_SECONDS")
        calls = [Call(source=source, call_id=key, **derive_call(group, short_abandon=short)) for key, group in by_call.items()]
        spans: list[AgentSpan] = []
        carried: dict[int, str | None] = {}
        before: dict[int, str | None] = {}
        for (agent_id, day), group in sorted(by_agent_day.items()):
            start, end = local_day_bounds(day)
            if agent_id not in carried:
                carried[agent_id] = before[agent_id] = _state_at(agent_id, start)
            found = derive_spans(carried[agent_id], group, start, end)
            if group:  # a day without state events carries the state on
                carried[agent_id] = state_after(group)
            spans += [AgentSpan(agent_id=agent_id, day=day, state=s.state, start=s.start, end=s.end) for s in found]
        _attach_fresh_wrapups(calls, by_agent_day, before)
        Call.objects.bulk_create(calls, batch_size=1000)
        AgentSpan.objects.bulk_create(spans, batch_size=1000)
        # The day before's calls: a wrap-up of theirs may end, or a later call's begin, in these events.
        attach_wrapups({(a, d - timedelta(days=1)) for a, d in by_agent_day} - set(by_agent_day))
        callbacks.on_calls_changed([c for c in calls if c.disposition != Disposition.ANSWERED or c.caller])
    return len(calls)


def _attach_fresh_wrapups(calls: list[Call], by_agent_day: dict[tuple[int, date], list[Row]],
                          before: dict[int, str | None]) -> None:
    """`attach_wrapups` in memory, for the calls of a fresh batch and their agents' state events in it."""
    by_agent: dict[int, list[Row]] = defaultdict(list)
    for (agent_id, _day), group in by_agent_day.items():
        by_agent[agent_id] += group
    answered: dict[int, list[tuple[int, datetime, str]]] = defaultdict(list)
    for index, call in enumerate(calls):
        if call.disposition == Disposition.ANSWERED and call.ended_at and call.agent_id:
            answered[call.agent_id].append((index, call.ended_at, call.call_id))
    for agent_id, mine in answered.items():
        owned = assign_wrapups(mine, wrapups(before.get(agent_id), by_agent.get(agent_id, [])))
        for index, (_start, end) in owned.items():
            call = calls[index]
            if end is not None and call.ended_at is not None:
                call.wrap_end_at, call.wrap_seconds = end, (end - call.ended_at).total_seconds()


def _insert_raw(source: PbxSource, parsed: list[Parsed], rows: list[Row], now: datetime) -> None:
    """One executemany for many events (the ORM's bulk_create spends most of its time preparing values)."""
    ops = connection.ops
    table = CallEvent._meta.db_table
    sql = (f"INSERT INTO {table} (source_id, event_id, type, at, call_id, agent_id, payload, received_at) "  # noqa: S608
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
    received = ops.adapt_datetimefield_value(now)
    values = [(source.pk, e.event_id, e.type, ops.adapt_datetimefield_value(e.at), e.call_id, r.agent_id,
               json.dumps(e.payload, ensure_ascii=False), received) for e, r in zip(parsed, rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
