"""Staffing (人力测算): how many agents a half-hour of calls needs, by Erlang C and Erlang A.

Erlang C (M/M/N, callers never hang up) and Erlang A (M/M/N+M, callers hang up after an
exponential patience with mean 1/θ) give, for N agents, the probability of waiting, the service
level P(answered within t), the average speed of answer, the occupancy and (Erlang A) the share
of callers who abandon. The required agents are the smallest N that meets every target given:

* service level — answered within `answer_within` seconds / offered ≥ `service_level`
  (for Erlang C every call is answered, so this is also "/ answered");
* connection (接通率, Erlang A only) — answered / offered ≥ `connect`;
* occupancy — busy time / staffed time ≤ `max_occupancy`.

Scheduled seats add shrinkage (breaks, training, meetings): seats = ceil(N / (1 − shrinkage)).

Numerics: Erlang B by its stable recursion B(n) = a·B(n−1) / (n + a·B(n−1)), computed for a whole
batch of intervals at once; Erlang A through the regularised incomplete gamma function in log
space (see `_log_kummer`), so N in the thousands is fine. Formulas and references: docs/staffing.md
(Gans, Koole & Mandelbaum 2003; Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2005).
The required N is found by a bisection run on every interval at once (the measures are monotone
in N). Pure numpy/scipy: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.special import gammainc, gammaln, hyp1f1

ERLANG_C = "erlang-c"
ERLANG_A = "erlang-a"
MODELS = (ERLANG_C, ERLANG_A)
#: What the service-level target counts: answered within t over offered calls (abandoned calls count
#: against it) or over answered calls (15 秒应答率 as the centre reports it). Same thing in Erlang C.
OF_OFFERED = "offered"
OF_ANSWERED = "answered"
SL_BASES = (OF_OFFERED, OF_ANSWERED)
#: Largest offered load planned, in Erlangs (calls per hour × AHT / 3600): many times the busiest centre's peak.
#: Beyond it the answer is meaningless and the Erlang B table (intervals × agents) would not fit in memory.
MAX_LOAD = 50_000.0
#: Longest average handle time accepted, seconds (as on the planning page).
MAX_AHT = 7200.0
#: Most agents whose performance is computed (same reason as MAX_LOAD).
MAX_AGENTS = 100_000


class StaffingError(ValueError):
    """Inputs that describe no queue (negative calls, a target of 100 %, shrinkage ≥ 1, …) or one too big to plan.

    `code` names the case for callers that word it themselves (e.g. a translated page): LOAD_TOO_HIGH (with
    `params["load"]`, the largest offered load in Erlangs) or TOO_MANY_AGENTS (with `params["agents"]`,
    `MAX_AGENTS`); empty for other cases.
    """

    def __init__(self, message: str, code: str = "", **params: float) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


#: StaffingError codes.
LOAD_TOO_HIGH = "load_too_high"
TOO_MANY_AGENTS = "too_many_agents"


@dataclass(frozen=True)
class Targets:
    """What the centre promises: e.g. 80 % answered within 15 s, ≥ 95 % connected, occupancy ≤ 85 %."""

    service_level: float = 0.8  # share answered within `answer_within`; 0 = no service-level target
    answer_within: float = 15.0  # seconds
    connect: float = 0.0  # share of offered calls answered (Erlang A); 0 = no connection target
    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    service_level_basis: str = OF_OFFERED  # see SL_BASES

    def validate(self) -> Targets:
        """Self, or a `StaffingError` saying which value is out of range."""
        _check(0 <= self.service_level < 1, f"service-level target must be in [0, 1): {self.service_level}")
        _check(math.isfinite(self.answer_within) and self.answer_within >= 0,
               f"answer-within must be ≥ 0 seconds: {self.answer_within}")
        _check(0 <= self.connect < 1, f"connection target must be in [0, 1): {self.connect}")
        _check(0 < self.max_occupancy <= 1, f"maximum occupancy must be in (0, 1]: {self.max_occupancy}")
        _check(0 <= self.shrinkage < 1, f"shrinkage must be in [0, 1): {self.shrinkage}")
        _check(self.service_level_basis in SL_BASES,
               f"service-level basis must be {' or '.join(SL_BASES)}: {self.service_level_basis!r}")
        return self


class Performance(NamedTuple):
    """What N agents deliver for one interval's calls (shares are of offered calls unless named)."""

    model: str
    calls_per_hour: float
    aht: float  # seconds, talk + wrap-up
    patience: float | None  # mean seconds a caller waits before hanging up (Erlang A)
    agents: int
    offered_load: float  # Erlangs = calls/h × AHT / 3600
    p_wait: float  # probability a call has to queue
    service_level: float  # answered within t / offered
    service_level_answered: float  # answered within t / answered (15 秒应答率)
    asa: float  # average speed of answer of answered calls, seconds
    occupancy: float
    abandon: float  # abandoned / offered (0 for Erlang C)

    @property
    def connect(self) -> float:
        """Answered / offered (呼叫接通率)."""
        return 1.0 - self.abandon


class Requirement(NamedTuple):
    """The agents and scheduled seats an interval needs, and what they deliver."""

    performance: Performance
    seats: int  # agents after shrinkage
    targets: Targets

    @property
    def agents(self) -> int:
        """Agents on the phones (raw positions, before shrinkage)."""
        return self.performance.agents


def _check(ok: bool, message: str, code: str = "", **params: float) -> None:
    if not ok:
        raise StaffingError(message, code, **params)


def _as_array(values: float | Sequence[float] | np.ndarray, size: int, name: str) -> np.ndarray:
    """A float array of `size` from a scalar or a sequence, refusing NaN/inf and negatives."""
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = np.full(size, float(array))
    if array.shape != (size,):
        raise StaffingError(f"{name}: expected {size} values, got {array.shape}")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise StaffingError(f"{name} must be finite and ≥ 0")
    return array


def validate_queue(model: str, aht: np.ndarray, patience: float | None) -> None:
    """Refuse an unknown model, a zero handle time or a missing/zero patience for Erlang A."""
    _check(model in MODELS, f"unknown model {model!r}; choose {' or '.join(MODELS)}")
    _check(bool(np.all(aht > 0)), "average handle time must be > 0 seconds")
    _check(bool(np.all(aht <= MAX_AHT)), f"average handle time must be at most {MAX_AHT:g} seconds: {aht.max():g}")
    if model == ERLANG_A:
        _check(patience is not None and math.isfinite(patience) and patience > 0,
               "Erlang A needs the callers' mean patience in seconds (> 0)")


# --- Erlang B / C ------------------------------------------------------------------------------


def _check_load(load: np.ndarray) -> None:
    """Refuse a load too large to plan (and whose table would exhaust memory)."""
    largest = float(load.max()) if load.size else 0.0
    _check(largest <= MAX_LOAD,
           f"offered load {largest:.0f} Erlangs (calls per hour × handle time / 3600) "
           f"is above the {MAX_LOAD:g} planned for: check the call volume and the handle time",
           LOAD_TOO_HIGH, load=largest)


def _check_bound(bound: np.ndarray, load: np.ndarray, targets: Targets) -> None:
    """Refuse targets whose bound on the agents passes `MAX_AGENTS`, before an Erlang B table that wide
    (intervals × agents) is built: e.g. a 2-hour handle time capped at 1 % occupancy."""
    _check(int(bound.max()) <= MAX_AGENTS,
           f"the targets may need more than {MAX_AGENTS} agents in an interval (offered load up to "
           f"{float(load.max()):.0f} Erlangs, occupancy at most {targets.max_occupancy * 100:g} %), more than planned "
           f"for: check the handle time and the occupancy cap", TOO_MANY_AGENTS, agents=MAX_AGENTS)


def erlang_b_table(loads: np.ndarray, n_max: int) -> np.ndarray:
    """B(n, a) for every load a (rows) and n = 0..n_max (columns), by the stable recursion."""
    table = np.empty((loads.size, n_max + 1))
    b = np.ones(loads.size)
    table[:, 0] = b
    for n in range(1, n_max + 1):
        ab = loads * b
        b = ab / (n + ab)
        table[:, n] = b
    return table


def erlang_b(agents: int, load: float) -> float:
    """Erlang B blocking probability for `agents` servers and `load` Erlangs."""
    return float(erlang_b_table(np.asarray([float(load)]), int(agents))[0, -1])


def _erlang_c_measures(load: np.ndarray, n: np.ndarray, b: np.ndarray, aht: np.ndarray, t: float
                       ) -> dict[str, np.ndarray]:
    """P(wait), service level, ASA and occupancy of M/M/n (n > load), vectorised."""
    with np.errstate(divide="ignore", invalid="ignore"):
        stable = n > load
        spare = np.where(stable, n - load, 1.0)
        p_wait = np.where(stable, n * b / (n - load * (1 - b)), 1.0)
        sl = np.where(stable, 1 - p_wait * np.exp(-spare * t / aht), 0.0)
        asa = np.where(stable, p_wait * aht / spare, np.inf)
        occupancy = np.where(n > 0, np.minimum(load / np.maximum(n, 1), 1.0), 1.0)
    sl = np.clip(sl, 0.0, 1.0)
    return {"p_wait": p_wait, "service_level": sl, "service_level_answered": sl, "asa": asa,
            "occupancy": occupancy, "abandon": np.zeros_like(sl)}


def erlang_c(agents: int, load: float) -> float:
    """Erlang C: the probability that a call waits, with `agents` servers and `load` Erlangs (1 if unstable)."""
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1 - b))


# --- Erlang A ----------------------------------------------------------------------------------


def _log_kummer(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log M(x, z), M = Σ_j z^j Γ(x+1)/Γ(x+1+j) = Γ(x+1) e^z z^(−x) P(x, z) = 1F1(1; x+1; z).

    P is the regularised lower incomplete gamma function. Where P underflows (z ≪ x) the series
    is small and well conditioned, and scipy's hyp1f1 gives it directly.
    """
    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    out = np.zeros(np.broadcast(x, z).shape)
    x, z = np.broadcast_to(x, out.shape), np.broadcast_to(z, out.shape)
    positive = z > 0
    p = np.zeros(out.shape)
    p[positive] = gammainc(x[positive], z[positive])
    big = positive & (p > 1e-200)
    out[big] = gammaln(x[big] + 1) + z[big] - x[big] * np.log(z[big]) + np.log(p[big])
    small = positive & ~big
    if np.any(small):
        out[small] = np.log(hyp1f1(1.0, x[small] + 1.0, z[small]))
    return out


def _erlang_a_measures(lam: np.ndarray, mu: np.ndarray, theta: float, n: np.ndarray, b: np.ndarray,
                       t: float) -> dict[str, np.ndarray]:
    """P(wait), P(abandon), service level and occupancy of M/M/n+M (n ≥ 1, λ > 0), vectorised.

    With x = nμ/θ, y = λ/θ and S = M(x, y): P(wait) = B·S / (1 + (S − 1)·B) (B = Erlang B);
    P(abandon | wait) = 1 − (x/y)(1 − 1/S); P(answered within t | wait) =
    (x/y)[(1 − 1/S) − R_t (1 − 1/M(x, y_t))] with y_t = y·e^(−θt) and
    R_t = P(V > t | wait) = P(x, y_t) / P(x, y) (V: the wait of a caller who would never hang up).
    """
    x = n * mu / theta
    y = lam / theta
    log_s = _log_kummer(x, y)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        odds = np.exp(np.log1p(-b) - np.log(b) - log_s)  # (1 − B) / (B·S)
        p_wait = 1.0 / (1.0 + odds)
        inv_s = np.exp(-log_s)
        ab_given_wait = np.clip(1.0 - (x / y) * (1.0 - inv_s), 0.0, 1.0)
        abandon = p_wait * ab_given_wait
        if t > 0:
            y_t = y * math.exp(-theta * t)
            log_s_t = _log_kummer(x, y_t)
            r_t = np.exp(y - y_t - x * theta * t + log_s_t - log_s)
            served_by_t = (x / y) * ((1.0 - inv_s) - r_t * (1.0 - np.exp(-log_s_t)))
        else:
            served_by_t = np.zeros_like(x)
        served_by_t = np.clip(served_by_t, 0.0, 1.0 - ab_given_wait)
        sl = np.clip((1.0 - p_wait) + p_wait * served_by_t, 0.0, 1.0)
        answered = 1.0 - abandon
        sl_answered = np.where(answered > 0, np.minimum(sl / answered, 1.0), 0.0)
        occupancy = np.minimum(lam * answered / (n * mu), 1.0)
    return {"p_wait": p_wait, "service_level": sl, "service_level_answered": sl_answered,
            "occupancy": occupancy, "abandon": abandon}


def _erlang_a_asa(lam: np.ndarray, mu: np.ndarray, theta: float, n: np.ndarray, p_wait: np.ndarray,
                  abandon: np.ndarray) -> np.ndarray:
    """Average speed of answer of answered calls in M/M/n+M, from the queue a caller finds.

    A caller who finds j waiting is answered with probability x/(x+j+1) and, if answered, after
    E[W; answered] = x/(θ(x+j+1)) · (ψ(x+j+2) − ψ(x+1)) on average; P(j | wait) ∝ y^j Γ(x+1)/Γ(x+1+j).
    """
    x = (n * mu / theta)[:, None]
    y = (lam / theta)[:, None]
    depth = int(np.max(np.maximum(0.0, y - x) + 12 * np.sqrt(y) + 40))
    i = np.arange(1, depth + 1)[None, :]  # x + i for i = 1..depth
    inverse = 1.0 / (x + i)
    log_w = np.cumsum(np.log(y) + np.log(inverse), axis=1)  # log of y^j Γ(x+1)/Γ(x+1+j), j = 1..depth
    log_w = np.concatenate([np.zeros((x.shape[0], 1)), log_w[:, :-1]], axis=1)  # j = 0..depth−1
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    harmonic = np.cumsum(inverse, axis=1)  # ψ(x+j+2) − ψ(x+1) = Σ_{i=1}^{j+1} 1/(x+i)
    wait_if_answered = x / (theta * (x + i)) * harmonic  # x + i = x + j + 1
    waited = p_wait * (w * wait_if_answered).sum(axis=1)  # E[W; answered] over all callers
    answered = 1.0 - abandon
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(answered > 0, waited / answered, np.inf)


# --- Measures for given agents -----------------------------------------------------------------


def _measures(model: str, calls_per_hour: np.ndarray, aht: np.ndarray, patience: float | None,
              agents: np.ndarray, t: float, table: np.ndarray, with_asa: bool = False
              ) -> dict[str, np.ndarray]:
    """Every measure for rows with calls > 0 and agents ≥ 1; `table` holds Erlang B per row."""
    load = calls_per_hour * aht / 3600.0
    b = table[np.arange(agents.size), agents]
    n = agents.astype(float)
    if model == ERLANG_C:
        return _erlang_c_measures(load, n, b, aht, t)
    assert patience is not None
    lam, mu, theta = calls_per_hour / 3600.0, 1.0 / aht, 1.0 / patience
    result = _erlang_a_measures(lam, mu, theta, n, b, t)
    if with_asa:
        result["asa"] = _erlang_a_asa(lam, mu, theta, n, result["p_wait"], result["abandon"])
    return result


def _feasible(model: str, m: dict[str, np.ndarray], load: np.ndarray, n: np.ndarray, targets: Targets
              ) -> np.ndarray:
    """Whether n agents meet every target (Erlang C also needs n > load, i.e. a stable queue).

    Occupancy is the carried load over n: load/n for Erlang C, less the abandoned calls for Erlang A.
    """
    achieved = m["service_level_answered" if targets.service_level_basis == OF_ANSWERED else "service_level"]
    ok = (achieved >= targets.service_level) & (m["occupancy"] <= targets.max_occupancy)
    if model == ERLANG_C:
        return ok & (n > load)
    return ok & (1.0 - m["abandon"] >= targets.connect) & (n >= 1)


def _upper_bound(load: np.ndarray, targets: Targets) -> np.ndarray:
    """A first guess of agents that meets the targets (doubled later where it does not)."""
    return np.ceil(load / targets.max_occupancy + 6 * np.sqrt(load) + 10).astype(int)


def required_agents(calls_per_hour: Sequence[float] | np.ndarray, aht: float | Sequence[float] | np.ndarray,
                    targets: Targets, model: str = ERLANG_C, patience: float | None = None) -> np.ndarray:
    """The smallest agents per interval meeting every target (0 where no calls are offered).

    `calls_per_hour` and `aht` (seconds) per interval; `patience` (seconds) for Erlang A. Targets whose
    bound on the agents (the first guess, doubled where it falls short) passes `MAX_AGENTS` are refused
    (`TOO_MANY_AGENTS`) before the Erlang B table is built.
    """
    targets.validate()
    calls = _as_array(calls_per_hour, np.size(calls_per_hour), "calls per hour")
    handle = _as_array(aht, calls.size, "average handle time")
    validate_queue(model, handle, patience)
    agents = np.zeros(calls.size, dtype=int)
    busy = np.flatnonzero(calls > 0)
    if busy.size == 0:
        return agents
    calls, handle = calls[busy], handle[busy]
    load = calls * handle / 3600.0
    _check_load(load)
    t = float(targets.answer_within)
    hi = _upper_bound(load, targets)
    while True:  # grow the upper bound until it is feasible everywhere
        _check_bound(hi, load, targets)
        table = erlang_b_table(load, int(hi.max()))
        ok = _feasible(model, _measures(model, calls, handle, patience, hi, t, table), load, hi, targets)
        if ok.all():
            break
        hi = np.where(ok, hi, hi * 2)
    lo = np.zeros(busy.size, dtype=int)  # infeasible: 0 agents never meet a target
    if model == ERLANG_C:
        lo = np.floor(load).astype(int)  # n ≤ load is unstable
    while np.any(hi - lo > 1):  # invariant: lo infeasible, hi feasible
        mid = (lo + hi) // 2
        ok = _feasible(model, _measures(model, calls, handle, patience, mid, t, table), load, mid, targets)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    agents[busy] = hi
    return agents


def performance(calls_per_hour: Sequence[float] | np.ndarray, aht: float | Sequence[float] | np.ndarray,
                agents: Sequence[int] | np.ndarray, answer_within: float = 15.0, model: str = ERLANG_C,
                patience: float | None = None) -> list[Performance]:
    """What the given agents deliver in each interval."""
    _check(answer_within >= 0, "answer-within must be ≥ 0 seconds")
    calls = _as_array(calls_per_hour, np.size(calls_per_hour), "calls per hour")
    handle = _as_array(aht, calls.size, "average handle time")
    staffed = np.asarray(agents)
    _check(staffed.shape == calls.shape and bool(np.all(staffed >= 0)), "agents: one whole number ≥ 0 per interval")
    _check(not staffed.size or bool(np.all(staffed <= MAX_AGENTS)), f"agents: at most {MAX_AGENTS} per interval")
    staffed = staffed.astype(int)
    validate_queue(model, handle, patience)
    load = calls * handle / 3600.0
    _check_load(load)
    measures = {key: np.zeros(calls.size) for key in
                ("p_wait", "service_level", "service_level_answered", "asa", "occupancy", "abandon")}
    measures["service_level"][:] = measures["service_level_answered"][:] = 1.0
    idle = calls == 0
    served = (~idle) & (staffed > 0)
    nobody = (~idle) & (staffed == 0)  # calls but no agents: nothing is answered
    measures["p_wait"][nobody] = 1.0
    measures["service_level"][nobody] = measures["service_level_answered"][nobody] = 0.0
    measures["asa"][nobody] = np.inf
    measures["abandon"][nobody] = 1.0 if model == ERLANG_A else 0.0
    measures["occupancy"][nobody] = 1.0
    rows = np.flatnonzero(served)
    if rows.size:
        table = erlang_b_table(load[rows], int(staffed[rows].max()))
        found = _measures(model, calls[rows], handle[rows], patience, staffed[rows], answer_within, table,
                          with_asa=True)
        for key, values in found.items():
            measures[key][rows] = values
    pat = patience if model == ERLANG_A else None
    columns = zip(calls.tolist(), handle.tolist(), staffed.tolist(), load.tolist(),
                  *(measures[key].tolist() for key in
                    ("p_wait", "service_level", "service_level_answered", "asa", "occupancy", "abandon")),
                  strict=True)
    return [Performance(model, c, h, pat, n, a, *rest) for c, h, n, a, *rest in columns]


def seats_after_shrinkage(agents: int | np.ndarray, shrinkage: float) -> np.ndarray:
    """Scheduled seats = ceil(agents / (1 − shrinkage)), guarded against float noise (e.g. 28/0.7)."""
    _check(0 <= shrinkage < 1, f"shrinkage must be in [0, 1): {shrinkage}")
    raw = np.asarray(agents, dtype=float) / (1.0 - shrinkage)
    return np.ceil(np.round(raw, 9)).astype(int)


def plan(calls_per_hour: Sequence[float] | np.ndarray, aht: float | Sequence[float] | np.ndarray,
         targets: Targets, model: str = ERLANG_C, patience: float | None = None) -> list[Requirement]:
    """Required agents, seats and what they deliver, for each interval."""
    agents = required_agents(calls_per_hour, aht, targets, model, patience)
    perf = performance(calls_per_hour, aht, agents, targets.answer_within, model, patience)
    seats = seats_after_shrinkage(agents, targets.shrinkage)
    return [Requirement(p, int(s), targets) for p, s in zip(perf, seats, strict=True)]


def staff(calls_per_hour: float, aht: float, targets: Targets, model: str = ERLANG_C,
          patience: float | None = None) -> Requirement:
    """The requirement for one interval's arrival rate (calls per hour) and handle time (seconds)."""
    _check(math.isfinite(calls_per_hour) and calls_per_hour >= 0, f"calls per hour must be ≥ 0: {calls_per_hour}")
    _check(math.isfinite(aht) and aht > 0, f"average handle time must be > 0 seconds: {aht}")
    targets.validate()
    if model == ERLANG_C and targets.connect:
        targets = replace(targets, connect=0.0)  # Erlang C answers every call: connection is always 100 %
    return plan([calls_per_hour], [aht], targets, model, patience)[0]
