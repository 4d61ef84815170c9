"""A seeded discrete-event simulation of one day at a 12345 call centre (话务模拟). No Django.

`simulate(SimParams(...))` turns a day's parameters into the stream of CTI events a PBX/ACD would post
(`call.offered`, `call.queued`, `call.answered`, `call.abandoned`, `call.transferred`, `call.ended`,
`agent.login`, `agent.ready`, `agent.not_ready`, `agent.wrapup`, `agent.logout`) — the same JSON
objects the CTI endpoint accepts — plus the simulation's own tally, to check the platform against.

The model:
- arrivals: exactly `calls` calls spread over the day by a 12345 intraday profile (low at night, peaks
  late morning and early afternoon), uniform within each half-hour; a short IVR (interactive voice menu)
  before the queue, and a few callers finish in the IVR;
- the queue is FIFO; each caller has a patience (Weibull, mean `patience_mean` seconds) and hangs up
  (abandons) when it runs out; the ACD drops calls that waited `max_wait` seconds (missed calls);
- agents work shifts on `seats` positions, with a meal break and short breaks (not ready), answer after
  a short ring, talk for a lognormal handle time and do a lognormal wrap-up (话后处理);
- a small share of answered calls are emergencies transferred to 110/119/120 (three-party, then ended).

Everything is deterministic for a seed. Times are seconds after local midnight; `to_events` turns them
into ISO-8601 timestamps in the day's time zone.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DAY = 86_400
HALF_HOUR = 1_800
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Relative call volume of each half-hour of a 12345 day (00:00 … 23:30): quiet at night, a steep rise
#: from 08:00, the peak 09:00–11:30, a dip at lunch, a second peak 14:00–16:30, a long evening tail.
INTRADAY_PROFILE: tuple[float, ...] = (
    0.9, 0.7, 0.55, 0.45, 0.4, 0.35, 0.35, 0.35, 0.4, 0.45, 0.55, 0.7,   # 00:00–05:30
    0.9, 1.2, 1.8, 2.6, 3.8, 4.6, 5.2, 5.4, 5.3, 5.0, 4.6, 4.0,          # 06:00–11:30
    3.2, 3.0, 3.6, 4.3, 4.8, 4.9, 4.8, 4.5, 4.2, 3.8, 3.3, 2.9,          # 12:00–17:30
    2.6, 2.4, 2.3, 2.2, 2.0, 1.8, 1.6, 1.4, 1.3, 1.2, 1.1, 1.0,          # 18:00–23:30
)

#: Shifts on the positions: (start, end, share of the seats). Day and middle overlap at the peaks;
#: a thin night shift keeps the line open 24 hours.
SHIFTS: tuple[tuple[int, int, float], ...] = (
    (0, 8 * 3600, 0.15),
    (8 * 3600, 16 * 3600 + 1800, 0.6),
    (11 * 3600 + 1800, 20 * 3600, 0.4),
    (20 * 3600, DAY, 0.25),
)

EMERGENCY_SERVICES = ("110", "119", "120")


@dataclass(frozen=True)
class SimParams:
    """What one simulated day looks like."""

    day: date
    calls: int
    seats: int
    seed: int = 12345
    handle_mean: float = 240.0       # talk time, seconds (lognormal)
    handle_sigma: float = 0.6
    wrap_mean: float = 45.0          # wrap-up (话后处理), seconds (lognormal)
    wrap_sigma: float = 0.5
    patience_mean: float = 75.0      # caller patience in the queue, seconds (Weibull)
    patience_shape: float = 0.9
    ivr_min: float = 8.0             # seconds in the voice menu before the queue
    ivr_max: float = 30.0
    ivr_only_share: float = 0.02     # callers served by the voice menu alone (never queued)
    ring: float = 2.0                # seconds from agent assignment to answer
    max_wait: float = 600.0          # the ACD drops a call waiting this long (a missed call)
    transfer_share: float = 0.015    # answered calls transferred to 110/119/120
    first_extension: int = 8001
    call_prefix: str = "sim"
    profile: tuple[float, ...] = INTRADAY_PROFILE
    shifts: tuple[tuple[int, int, float], ...] = SHIFTS
    tz: tzinfo = SHANGHAI


@dataclass
class SimCall:
    """One call's life in the simulation (seconds after midnight)."""

    id: str
    caller: str
    arrive: float
    queued: float | None = None
    answered: float | None = None
    abandoned: float | None = None
    missed: float | None = None
    ended: float | None = None
    agent: str | None = None
    transfer_to: str | None = None
    transfer_at: float | None = None
    wrap_end: float | None = None


@dataclass
class SimAgent:
    """One position's agent for one shift."""

    ext: str
    start: float
    end: float
    breaks: list[tuple[float, float]]
    busy: bool = False
    on_break: bool = False
    logged_in: bool = False
    idle_since: float = 0.0
    pending_break: tuple[float, float] | None = None
    leaving: bool = False


@dataclass
class SimResult:
    """The CTI events of the day and the simulation's own tally of it."""

    events: list[dict]
    calls: list[SimCall]
    agents: list[SimAgent]

    def tally(self, *, short_abandon: float = 5.0, answer_target: float = 15.0) -> dict[str, float]:
        """offered (short abandons excluded), answered, within 15 s, abandoned, connect rate, sl15."""
        offered = answered = within = abandoned = short = 0
        for c in self.calls:
            if c.queued is None:
                continue
            if c.abandoned is not None and c.abandoned - c.queued < short_abandon:
                short += 1
                continue
            offered += 1
            if c.answered is not None:
                answered += 1
                within += c.answered - c.queued <= answer_target
            elif c.abandoned is not None:
                abandoned += 1
        return {
            "offered": offered, "answered": answered, "within_15s": within, "abandoned": abandoned,
            "short_abandoned": short,
            "connect_rate": answered / offered if offered else 0.0,
            "sl15": within / answered if answered else 0.0,
        }


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    """A lognormal draw with the given mean (not median)."""
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def _weibull(rng: random.Random, mean: float, shape: float) -> float:
    """A Weibull draw with the given mean."""
    return rng.weibullvariate(mean / math.gamma(1 + 1 / shape), shape)


def arrivals(params: SimParams, rng: random.Random) -> list[float]:
    """Exactly `calls` arrival moments over the day, following the intraday profile."""
    weights = params.profile
    slots = rng.choices(range(len(weights)), weights=weights, k=params.calls)
    width = DAY / len(weights)
    return sorted(slot * width + rng.random() * width for slot in slots)


def staff(params: SimParams, rng: random.Random) -> list[SimAgent]:
    """Agents for every shift, with a meal break and short breaks, numbered from `first_extension`."""
    agents: list[SimAgent] = []
    ext = params.first_extension
    for start, end, share in params.shifts:
        count = max(1, round(params.seats * share))
        for i in range(count):
            offset = (i % 4) * 300  # staggered log-ins
            s, e = start + offset, min(DAY - 1, end + offset)
            length = e - s
            breaks = []
            if length >= 6 * 3600:
                meal = s + length / 2 + rng.uniform(-1800, 1800)
                breaks.append((meal, meal + 1800))
            for frac in (0.25, 0.8):
                b = s + length * frac + rng.uniform(-900, 900)
                breaks.append((b, b + 600))
            agents.append(SimAgent(ext=str(ext), start=s, end=e, breaks=sorted(breaks)))
            ext += 1
    return agents


class _Sim:
    """The event loop: a heap of (time, order, kind, payload)."""

    def __init__(self, params: SimParams) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        self.heap: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.queue: deque[SimCall] = deque()
        self.calls: list[SimCall] = []
        self.agents = staff(params, self.rng)
        self.log: list[tuple[float, int, dict]] = []  # (time, order, event)

    def at(self, when: float, kind: str, payload: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, kind, payload))

    def emit(self, when: float, event: dict) -> None:
        self.seq += 1
        self.log.append((when, self.seq, event))

    def run(self) -> SimResult:
        p = self.p
        for i, moment in enumerate(arrivals(p, self.rng)):
            caller = "1" + "".join(str(self.rng.randrange(10)) for _ in range(10))
            call = SimCall(id=f"{p.call_prefix}-{p.day:%Y%m%d}-{i:06d}", caller=caller, arrive=moment)
            self.calls.append(call)
            self.at(moment, "arrive", call)
        for agent in self.agents:
            self.at(agent.start, "login", agent)
            self.at(agent.end, "logout", agent)
            for b in agent.breaks:
                self.at(b[0], "break", (agent, b))
        handlers = {
            "arrive": self._arrive, "queue": self._queue, "abandon": self._abandon, "answer": self._answer,
            "end": self._end, "ready": self._ready, "login": self._login, "logout": self._logout,
            "break": self._break, "back": self._back, "drop": self._drop,
        }
        while self.heap:
            when, _, kind, payload = heapq.heappop(self.heap)
            handlers[kind](when, payload)
        self.log.sort(key=lambda item: (item[0], item[1]))
        return SimResult(events=[e for _, _, e in self.log], calls=self.calls, agents=self.agents)

    # --- calls ---------------------------------------------------------------------------------
    def _arrive(self, t: float, call: SimCall) -> None:
        self.emit(t, {"type": "call.offered", "call_id": call.id, "caller": call.caller, "t": t})
        ivr = self.rng.uniform(self.p.ivr_min, self.p.ivr_max)
        if self.rng.random() < self.p.ivr_only_share:
            call.ended = t + ivr
            self.emit(t + ivr, {"type": "call.ended", "call_id": call.id, "reason": "ivr", "t": t + ivr})
            return
        self.at(t + ivr, "queue", call)

    def _queue(self, t: float, call: SimCall) -> None:
        call.queued = t
        self.emit(t, {"type": "call.queued", "call_id": call.id, "t": t})
        self.queue.append(call)
        self.at(t + _weibull(self.rng, self.p.patience_mean, self.p.patience_shape), "abandon", call)
        self.at(t + self.p.max_wait, "drop", call)
        self._match(t)

    def _abandon(self, t: float, call: SimCall) -> None:
        if call.agent is not None or call.ended is not None:
            return
        call.abandoned = call.ended = t
        self.queue.remove(call)
        self.emit(t, {"type": "call.abandoned", "call_id": call.id, "t": t})
        self.emit(t, {"type": "call.ended", "call_id": call.id, "reason": "caller_hangup", "t": t})

    def _drop(self, t: float, call: SimCall) -> None:
        if call.agent is not None or call.ended is not None:
            return
        call.missed = call.ended = t
        self.queue.remove(call)
        self.emit(t, {"type": "call.ended", "call_id": call.id, "reason": "queue_timeout", "t": t})

    def _answer(self, t: float, pair: tuple[SimCall, SimAgent]) -> None:
        call, agent = pair
        call.answered = t
        self.emit(t, {"type": "call.answered", "call_id": call.id, "agent": agent.ext, "t": t})
        talk = _lognormal(self.rng, self.p.handle_mean, self.p.handle_sigma)
        if self.rng.random() < self.p.transfer_share:
            call.transfer_to = self.rng.choice(EMERGENCY_SERVICES)
            call.transfer_at = t + min(talk, 40.0)
            self.emit(call.transfer_at, {"type": "call.transferred", "call_id": call.id, "agent": agent.ext,
                                         "to": call.transfer_to, "t": call.transfer_at})
            talk = min(talk, 40.0) + 30.0  # three-party hand-over, then the agent leaves
        self.at(t + talk, "end", pair)

    def _end(self, t: float, pair: tuple[SimCall, SimAgent]) -> None:
        call, agent = pair
        call.ended = t
        self.emit(t, {"type": "call.ended", "call_id": call.id, "agent": agent.ext, "reason": "normal", "t": t})
        self.emit(t, {"type": "agent.wrapup", "agent": agent.ext, "call_id": call.id, "t": t})
        wrap = _lognormal(self.rng, self.p.wrap_mean, self.p.wrap_sigma)
        call.wrap_end = t + wrap
        self.at(t + wrap, "ready", agent)

    # --- agents --------------------------------------------------------------------------------
    def _login(self, t: float, agent: SimAgent) -> None:
        agent.logged_in = True
        self.emit(t, {"type": "agent.login", "agent": agent.ext, "t": t})
        self.emit(t, {"type": "agent.ready", "agent": agent.ext, "t": t})
        agent.idle_since = t
        self._match(t)

    def _ready(self, t: float, agent: SimAgent) -> None:
        """Wrap-up done: the agent logs out, goes on a due break, or becomes ready again."""
        agent.busy = False
        if agent.leaving:
            self._do_logout(t, agent)
            return
        if agent.pending_break is not None:
            self._start_break(t, agent, agent.pending_break)
            return
        self.emit(t, {"type": "agent.ready", "agent": agent.ext, "t": t})
        agent.idle_since = t
        self._match(t)

    def _break(self, t: float, item: tuple[SimAgent, tuple[float, float]]) -> None:
        agent, window = item
        if not agent.logged_in or agent.leaving or agent.on_break:
            return
        if agent.busy:
            agent.pending_break = window
            return
        self._start_break(t, agent, window)

    def _start_break(self, t: float, agent: SimAgent, window: tuple[float, float]) -> None:
        agent.pending_break = None
        agent.on_break = True
        self.emit(t, {"type": "agent.not_ready", "agent": agent.ext, "reason": "break", "t": t})
        self.at(t + (window[1] - window[0]), "back", agent)

    def _back(self, t: float, agent: SimAgent) -> None:
        if not agent.on_break or not agent.logged_in:
            return
        agent.on_break = False
        if agent.leaving:
            self._do_logout(t, agent)
            return
        self.emit(t, {"type": "agent.ready", "agent": agent.ext, "t": t})
        agent.idle_since = t
        self._match(t)

    def _logout(self, t: float, agent: SimAgent) -> None:
        if agent.busy:
            agent.leaving = True
            return
        self._do_logout(t, agent)

    def _do_logout(self, t: float, agent: SimAgent) -> None:
        if not agent.logged_in:
            return
        agent.logged_in = agent.on_break = False
        agent.leaving = True
        self.emit(t, {"type": "agent.logout", "agent": agent.ext, "t": t})

    def _match(self, t: float) -> None:
        """Give waiting calls to the agents idle longest."""
        while self.queue:
            free = [a for a in self.agents if a.logged_in and not a.busy and not a.on_break and not a.leaving]
            if not free:
                return
            agent = min(free, key=lambda a: (a.idle_since, a.ext))
            call = self.queue.popleft()
            call.agent = agent.ext
            agent.busy = True
            self.at(t + self.p.ring, "answer", (call, agent))


def simulate(params: SimParams) -> SimResult:
    """Run the day; events come out in time order, without ids or timestamps yet (see `to_events`)."""
    return _Sim(params).run()


def to_events(result: SimResult, params: SimParams) -> list[dict]:
    """The CTI payloads: an `id`, an ISO-8601 `at` in the day's zone, and the event's own fields."""
    midnight = datetime.combine(params.day, time(0), tzinfo=params.tz)
    out = []
    for n, event in enumerate(result.events):
        body = {k: v for k, v in event.items() if k != "t"}
        moment = midnight + timedelta(seconds=round(event["t"], 3))
        out.append({"id": f"{params.call_prefix}-{params.day:%Y%m%d}-e{n:07d}", "at": moment.isoformat(),
                    **body})
    return out


def disorder(events: list[dict], *, seed: int, duplicate_share: float = 0.05, window: int = 50) -> list[dict]:
    """Deliver the events the way a flaky link does: locally shuffled, some sent twice."""
    rng = random.Random(seed)
    keyed = [(i + rng.uniform(0, window), e) for i, e in enumerate(events)]
    keyed += [(i + rng.uniform(0, window * 4), e) for i, e in enumerate(events) if rng.random() < duplicate_share]
    keyed.sort(key=lambda item: item[0])
    return [e for _, e in keyed]


@dataclass
class DayPlan:
    """The parameters of a simulated day and its events, ready to post."""

    params: SimParams
    result: SimResult
    events: list[dict] = field(default_factory=list)


def plan_day(params: SimParams) -> DayPlan:
    """Simulate a day and render its CTI events."""
    result = simulate(params)
    return DayPlan(params=params, result=result, events=to_events(result, params))
