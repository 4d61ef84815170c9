"""What one order contributes to the rollups, computed from its timeline and its current state.

An order's contribution is a pure function of (its breakdown dimensions, its timeline events) plus
(its lead unit, the hour its running deadline falls due). Incremental maintenance applies the
difference between the contribution already counted (remembered in `RollupMark`) and the current
one; a rebuild sums the current contributions. Both therefore agree by construction, whatever order
the signals arrive in, and a signal delivered twice changes nothing the second time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import chain
from typing import Any

from django.utils import timezone

from hotline.core import memo
from hotline.dashboards.models import ALL_UNITS, Kind
from hotline.tickets.choices import (
    DISPATCH_ACTIONS,
    FINISHED,
    WITH_UNIT,
    Action,
    AssignmentRole,
    Satisfaction,
    Status,
)

#: A rollup cell: (kind, unit_id, day, key, counter).
Cell = tuple[str, int, date, str, str]
#: A load cell: (unit_id, due_hour).
LoadCell = tuple[int, int]

_SATISFACTION_COUNTER = {
    Satisfaction.SATISFIED: "satisfied",
    Satisfaction.BASICALLY: "basically",
    Satisfaction.UNSATISFIED: "unsatisfied",
}
_DISPATCH = DISPATCH_ACTIONS


@dataclass(frozen=True)
class Dims:
    """The order's breakdown dimensions: channel, request type, level-1 category id, district id (0: none).

    `proactive`: raised by the centre itself (未诉先办), so outside 直接答复率; None for an order counted
    before the 直接答复率 counters existed (`RollupMark.proactive`), whose counts hold none of them.
    """

    channel: str = ""
    request_type: str = ""
    category: int = 0
    district: int = 0
    proactive: bool | None = False

    def keys(self) -> dict[str, str]:
        """The `key` of each breakdown kind for this order."""
        return {
            Kind.ALL: "", Kind.CHANNEL: self.channel, Kind.TYPE: self.request_type,
            Kind.CATEGORY: str(self.category), Kind.DISTRICT: str(self.district),
            Kind.HOT: f"{self.category}-{self.district}",
        }


@dataclass(frozen=True)
class Event:
    """The parts of a timeline event the rollups read."""

    seq: int
    at: datetime
    action: str
    from_status: str
    to_status: str
    unit_id: int | None
    data: dict[str, Any]


#: The last mapping built by `top_categories`, with the taxonomy stamp it was built at.
_tops: dict[str, Any] = {"stamp": None, "tops": {}, "at": 0.0}
#: How long a built mapping is trusted at most, even with an unchanged stamp.
TOPS_TTL = 300.0


def top_categories() -> dict[int, int]:
    """Every category id mapped to its level-1 ancestor's id.

    Read on every counted step, so the mapping is rebuilt only when the taxonomy's stamp changed (its size,
    newest id and a sum over (id, parent) pairs, which moves when a category moves) or after TOPS_TTL
    seconds: one aggregate query otherwise.
    """
    from django.db.models import Count, F, Max, Sum

    from hotline.taxonomy.models import Category

    stamp = memo.once("dashboards.taxonomy_stamp", lambda: tuple(Category.objects.aggregate(
        n=Count("id"), top=Max("id"), tree=Sum(F("id") * F("parent_id"))).values()))
    if _tops["stamp"] == stamp and time.monotonic() - _tops["at"] < TOPS_TTL:
        return _tops["tops"]
    tops = _build_tops(dict(Category.objects.order_by().values_list("id", "parent_id")))
    _tops.update(stamp=stamp, tops=tops, at=time.monotonic())
    return tops


def _build_tops(parents: dict[int, int | None]) -> dict[int, int]:
    tops: dict[int, int] = {}
    for cid in parents:
        node, seen = cid, 0
        while parents.get(node) and seen < 10:
            node, seen = parents[node], seen + 1
        tops[cid] = node
    return tops


def dims_of(ticket: Any, tops: dict[int, int]) -> Dims:
    """The order's dimensions as stored now (its category mapped to level 1 through `tops`)."""
    category = ticket.category_id
    top = tops.get(category, category) if category else 0
    return Dims(channel=ticket.channel, request_type=ticket.request_type, category=top or 0,
                district=ticket.district_id or 0, proactive=ticket.is_proactive)


def hour_of(moment: datetime | None) -> int:
    """Hours since the Unix epoch of an aware moment (0 for none)."""
    if moment is None:
        return 0
    return max(1, int(moment.timestamp()) // 3600)


def load_of(status: str, lead: Any | None) -> LoadCell | None:
    """Where an order sits in the open load: (lead unit, due hour), or None if it is not with a unit.

    `lead` is the active lead assignment. A paused or stopped deadline counts as open, not running, and so
    does one held by the unit's timely extension request still waiting for the centre (`lead.held`, the
    sweep's `awaiting_extension`): it cannot turn red until the centre decides, and the decision, a step,
    files the order under its new (or old) deadline again.
    """
    if status not in WITH_UNIT or lead is None:
        return None
    running = lead.phase_due is not None and lead.paused_at is None and not getattr(lead, "held", False)
    return lead.unit_id, hour_of(lead.phase_due) if running else 0


#: A pseudo-counter of `event_counts`: an order handed down (下派) to this unit, counted in its `dispatched`
#: (收件量) on its own rows only: the centre's 派单 on the all-units rows counts the centre's dispatches.
RECEIVED = "received"


def event_counts(events: Iterable[Event]) -> Iterator[tuple[date, int, str]]:
    """(local day, unit id or 0 for the centre, counter) for every count the events make, in order.

    Each step is charged to the lead unit holding the order when it happened, as the KPI page charges it: a
    下派 (FORWARD) makes the unit below the lead (and counts the order as received by it, `RECEIVED`); a
    收回下派 (RECALL) or the unit below's 退单 to the unit above gives the order back to the unit above.
    """
    lead = 0
    above: list[int] = []  # the units that handed the order down, nearest last
    for e in events:
        day = timezone.localdate(e.at)
        action = e.action
        if action == Action.REGISTER:
            yield day, 0, "created"
        elif action in _DISPATCH:
            lead, above = int(e.data.get("lead") or 0), []
            yield day, lead, "dispatched"
        elif action == Action.FORWARD:
            above.append(int(e.data.get("from_unit") or lead))
            lead = int(e.data.get("to_unit") or 0)
            yield day, lead, RECEIVED
        elif action == Action.RECALL:
            lead = above.pop() if above else (e.unit_id or lead)
        elif action == Action.RETURN:
            yield day, e.unit_id or lead, "returned"
            if e.data.get("to_unit"):  # received by 下派: straight back to the unit above
                lead = int(e.data["to_unit"])
                if above:
                    above.pop()
        elif action == Action.REPLY:
            yield day, e.unit_id or lead, "replied"
        elif action == Action.SEND_BACK:
            yield day, lead, "rehandled"
        elif action == Action.SUPERVISE:
            yield day, lead, "supervised"
        elif action == Action.REOPEN:
            yield day, lead, "reopened"
        elif action == Action.ANSWER_DIRECTLY:
            yield day, 0, "answered"
        elif action == Action.RETURN_VISIT and e.data.get("contacted"):
            # 有效回访 as the KPIs define it: reached, and answered on resolution and satisfaction.
            counter = _SATISFACTION_COUNTER.get(e.data.get("satisfaction", ""))
            if counter and e.data.get("resolved") is not None:
                yield day, lead, "visits"
                if e.data.get("resolved"):
                    yield day, lead, "resolved"
                yield day, lead, counter
            if e.to_status == Status.IN_PROGRESS:
                yield day, lead, "rehandled"
        elif action == Action.RETURN_VISIT and e.to_status == Status.IN_PROGRESS:
            yield day, lead, "rehandled"  # a 现场核查 that found the problem still there (未诉先办)
        if e.to_status in FINISHED and e.from_status not in FINISHED:
            yield day, lead, "finished"
            if e.to_status == Status.CLOSED:
                yield day, lead, "closed"
        if action in (Action.ACCEPT_RETURN, Action.REASSIGN, Action.REOPEN):  # back with the centre until dispatched
            lead, above = 0, []


def direct_counts(dims: Dims, events: Sequence[Event]) -> Iterator[tuple[date, int, str]]:
    """直接答复率's population and numerator as the KPI page counts them (docs/kpis.md), on the registration day.

    A citizen's order counts in `direct_base` unless it ends these events merged into another (并单), and
    in `direct_answered` too if it ends them answered on the spot; a proactive order (未诉先办) in neither.
    Judged on the status after the events, so a later merge or reopen takes the count back off that day.
    """
    if dims.proactive is not False or not events:
        return
    registered = next((e for e in events if e.action == Action.REGISTER), None)
    status = events[-1].to_status
    if registered is None or status == Status.MERGED:
        return
    day = timezone.localdate(registered.at)
    yield day, 0, "direct_base"
    if status == Status.ANSWERED:
        yield day, 0, "direct_answered"


def contribution(dims: Dims, events: Iterable[Event], *, since: date | None = None) -> Counter[Cell]:
    """Every rollup cell the events add to, under these dimensions (only days from `since`, if given).

    A unit's count goes to its own rows and to the all-units rows; the centre's (unit 0) only to the
    latter; an order handed down (`RECEIVED`) only to the receiving unit's `dispatched`. The category ×
    district breakdown is kept for all units only (it feeds the hot spots).
    """
    keys = dims.keys()
    events = list(events)
    cells: Counter[Cell] = Counter()
    for day, unit, counter in chain(event_counts(events), direct_counts(dims, events)):
        if since is not None and day < since:
            continue
        everywhere = counter != RECEIVED
        if not everywhere:
            counter = "dispatched"
        for kind, key in keys.items():
            if everywhere:
                cells[(kind, ALL_UNITS, day, key, counter)] += 1
            if unit and kind != Kind.HOT:
                cells[(kind, unit, day, key, counter)] += 1
    return cells


def recategorised(dims: Dims, events: Iterable[Event], category: int) -> Counter[Cell]:
    """What changes in the rollups when an order counted under `dims` now belongs to the level-1 `category`
    (a category moved to another parent): its counts leave the old category's rows and go to the new one's,
    in the two breakdowns keyed by category (level-1 category, category × district); nothing else moves."""
    old_keys, new_keys = dims.keys(), replace(dims, category=category).keys()
    moved: Counter[Cell] = Counter()
    for (kind, unit, day, key, counter), n in contribution(dims, events).items():
        if kind in (Kind.CATEGORY, Kind.HOT) and old_keys[kind] != new_keys[kind]:
            moved[(kind, unit, day, key, counter)] -= n
            moved[(kind, unit, day, new_keys[kind], counter)] += n
    return moved


def lead_of(assignments: Iterable[Any]) -> Any | None:
    """The active lead assignment among an order's assignments."""
    from hotline.tickets.choices import ACTIVE_ASSIGNMENT

    for a in assignments:
        if a.role == AssignmentRole.LEAD and a.status in ACTIVE_ASSIGNMENT:
            return a
    return None
