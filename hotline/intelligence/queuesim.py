"""A discrete-event simulation (SimPy) of the call queue: M/M/c, or M/M/c+M with impatient callers.

Used to check the Erlang formulas of `hotline.intelligence.staffing` and to answer "what do c seats
deliver over a whole day" with the arrival rate changing every half-hour. Calls arrive as a
Poisson process whose rate is constant within each interval, wait first-come first-served for one
of `agents` agents, are handled for an exponential time with mean `aht`, and (with `patience`)
hang up after an exponential patience with that mean if no agent has picked up by then.

Every call is counted in the interval in which it arrived; calls still queued when the last
interval ends are served (or abandon) afterwards, so nothing is lost. SimPy is a development
dependency (`pip install -e .[dev]`); it is imported when a simulation runs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """Calls of one interval (or of the whole run) and what happened to them."""

    offered: int = 0
    answered: int = 0
    answered_within: int = 0  # answered within the answer target
    abandoned: int = 0
    wait_answered: float = 0.0  # seconds waited by answered calls, summed
    busy: float = 0.0  # agent-seconds spent handling calls within the interval
    capacity: float = 0.0  # agent-seconds staffed within the interval

    def add(self, other: Outcome) -> None:
        """Add another outcome's counts to this one."""
        for name in ("offered", "answered", "answered_within", "abandoned", "wait_answered", "busy", "capacity"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def connect(self) -> float:
        """Answered / offered (呼叫接通率)."""
        return self.answered / self.offered if self.offered else 1.0

    @property
    def abandon(self) -> float:
        """Abandoned / offered."""
        return self.abandoned / self.offered if self.offered else 0.0

    @property
    def service_level(self) -> float:
        """Answered within the target / offered."""
        return self.answered_within / self.offered if self.offered else 1.0

    @property
    def service_level_answered(self) -> float:
        """Answered within the target / answered (15 秒应答率)."""
        return self.answered_within / self.answered if self.answered else 1.0

    @property
    def asa(self) -> float:
        """Average speed of answer of answered calls, seconds."""
        return self.wait_answered / self.answered if self.answered else 0.0

    @property
    def occupancy(self) -> float:
        """Busy agent time / staffed agent time (at most 1: agents going off duty finish their call)."""
        return min(1.0, self.busy / self.capacity) if self.capacity else 0.0


@dataclass
class Simulation:
    """The outcome of one run: per interval and in total."""

    intervals: list[Outcome]
    total: Outcome = field(default_factory=Outcome)


def _arrivals(rng: random.Random, rates_per_hour: Sequence[float], interval: float) -> Iterator[float]:
    """Arrival moments of a Poisson process whose rate is constant within each interval."""
    for index, rate in enumerate(rates_per_hour):
        start, end = index * interval, (index + 1) * interval
        if rate <= 0:
            continue
        moment = start + rng.expovariate(rate / 3600.0)
        while moment < end:  # memoryless: restarting at the boundary with the next rate is exact
            yield moment
            moment += rng.expovariate(rate / 3600.0)


def _add_busy(outcomes: list[Outcome], begin: float, end: float, interval: float) -> None:
    """Spread a handling span [begin, end) over the intervals it overlaps."""
    first = int(begin // interval)
    for index in range(first, min(len(outcomes), int(end // interval) + 1)):
        overlap = min(end, (index + 1) * interval) - max(begin, index * interval)
        if overlap > 0:
            outcomes[index].busy += overlap


def simulate(rates_per_hour: Sequence[float], *, agents: int | Sequence[int], aht: float,
             patience: float | None = None, answer_within: float = 15.0, interval_seconds: float = 1800.0,
             warmup_intervals: int = 0, seed: int = 0) -> Simulation:
    """Simulate the queue over consecutive intervals with the given arrival rates (calls per hour).

    `agents` is one number for the whole run or one per interval (a roster: when it drops, agents
    finish the call in hand first). Calls arriving in the first `warmup_intervals` intervals load
    the system but are not counted.
    """
    import simpy

    roster = [int(agents)] * len(rates_per_hour) if isinstance(agents, int) else [int(a) for a in agents]
    if len(roster) != len(rates_per_hour) or any(a < 0 for a in roster) or max(roster, default=0) < 1:
        raise ValueError("agents: one number ≥ 0 per interval (at least one agent somewhere)")
    if aht <= 0 or answer_within < 0 or interval_seconds <= 0:
        raise ValueError("aht > 0, answer_within ≥ 0 and interval_seconds > 0 are required")
    if patience is not None and patience <= 0:
        raise ValueError("patience must be > 0 seconds")
    if any(not math.isfinite(r) or r < 0 for r in rates_per_hour):
        raise ValueError("arrival rates must be finite and ≥ 0")
    rng = random.Random(seed)
    env = simpy.Environment()
    seats = max(roster)
    desk = simpy.PriorityResource(env, capacity=seats)  # off-duty seats are held by priority −1 requests
    outcomes = [Outcome(capacity=n * interval_seconds) for n in roster]

    def call(arrived: float, index: int) -> Any:
        outcome = outcomes[index]
        outcome.offered += 1
        handle = rng.expovariate(1.0 / aht)
        with desk.request(priority=0) as request:
            if patience is None:
                yield request
            else:
                yield request | env.timeout(rng.expovariate(1.0 / patience))
                if not request.triggered:
                    outcome.abandoned += 1
                    return  # leaving the `with` block takes the call out of the queue
            waited = env.now - arrived
            outcome.answered += 1
            outcome.wait_answered += waited
            if waited <= answer_within:
                outcome.answered_within += 1
            _add_busy(outcomes, env.now, env.now + handle, interval_seconds)
            yield env.timeout(handle)

    def source() -> Any:
        for moment in _arrivals(rng, rates_per_hour, interval_seconds):
            yield env.timeout(moment - env.now)
            env.process(call(moment, int(moment // interval_seconds)))

    def shifts() -> Any:
        off_duty: list[Any] = []
        for index, staffed in enumerate(roster):
            if index:
                yield env.timeout(index * interval_seconds - env.now)
            while len(off_duty) < seats - staffed:  # an agent leaves once the call in hand is done
                off_duty.append(desk.request(priority=-1))
            while len(off_duty) > seats - staffed:  # an agent comes on duty (a seat still waited for first)
                request = off_duty.pop()
                if request.triggered:
                    desk.release(request)
                else:
                    request.cancel()

    env.process(shifts())
    env.process(source())
    env.run()
    counted = outcomes[warmup_intervals:]
    total = Outcome()
    for outcome in counted:
        total.add(outcome)
    return Simulation(counted, total)


def simulate_stationary(calls_per_hour: float, *, agents: int, aht: float, patience: float | None = None,
                        answer_within: float = 15.0, hours: float = 100.0, warmup_hours: float = 2.0,
                        seed: int = 0) -> Outcome:
    """A long run at one constant arrival rate (steady state), for comparing with the formulas."""
    intervals = max(1, round(hours * 2))
    warmup = round(warmup_hours * 2)
    run = simulate([calls_per_hour] * (warmup + intervals), agents=agents, aht=aht, patience=patience,
                   answer_within=answer_within, warmup_intervals=warmup, seed=seed)
    return run.total
