"""Erlang C / Erlang A staffing: known values, pyworkforce's answers, exact chains, brute force, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.linalg import expm

from hotline.intelligence import staffing as st


def test_erlang_b_and_c_known_values() -> None:
    assert st.erlang_b(1, 1.0) == pytest.approx(0.5)
    assert st.erlang_b(2, 1.0) == pytest.approx(0.2)
    assert st.erlang_b(0, 3.0) == 1.0
    # Erlang C with 2 servers and 1 Erlang: C = 2·B / (2 − 1·(1 − B)) = 0.4 / 1.2
    assert st.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert st.erlang_c(28, 28.0) == 1.0  # unstable: everyone waits


def test_the_issue_example_420_calls_240_seconds_80_in_15() -> None:
    need = st.staff(420, 240, st.Targets(0.8, 15))
    p = need.performance
    assert (need.agents, need.seats) == (33, 33)
    assert p.offered_load == pytest.approx(28.0)
    assert p.p_wait == pytest.approx(0.27134, abs=1e-5)
    assert p.service_level == pytest.approx(0.80148, abs=1e-5)
    assert p.asa == pytest.approx(p.p_wait * 240 / 5)
    assert p.occupancy == pytest.approx(28 / 33)
    assert p.abandon == 0 and p.connect == 1
    # 32 agents would miss the target: 33 is the smallest
    assert st.performance([420], [240], [32])[0].service_level < 0.8


def test_shrinkage_gives_seats_and_ignores_float_noise() -> None:
    assert st.staff(420, 240, st.Targets(0.8, 15, shrinkage=0.3)).seats == math.ceil(33 / 0.7)
    assert list(st.seats_after_shrinkage(np.array([42, 0, 7]), 0.3)) == [60, 0, 10]  # 42 / 0.7 is 60, not 61


def test_max_occupancy_binds() -> None:
    need = st.staff(420, 240, st.Targets(0.5, 60, max_occupancy=0.8))
    assert need.agents == math.ceil(28 / 0.8) == 35
    assert need.performance.occupancy <= 0.8


def test_no_calls_needs_no_agents() -> None:
    plan = st.plan([0, 420], 240, st.Targets(0.8, 15, shrinkage=0.3))
    assert (plan[0].agents, plan[0].seats, plan[0].performance.service_level) == (0, 0, 1.0)
    assert plan[1].agents == 33


def test_large_centres_are_numerically_stable() -> None:
    # 200,000 calls an hour at 300 s: 16,667 Erlangs (the naive a^N/N! overflows long before)
    for model in st.MODELS:
        need = st.staff(200_000, 300, st.Targets(0.8, 20, connect=0.95), model, patience=60)
        p = need.performance
        # Erlang C needs more than the load; Erlang A may answer 95 % with about 95 % of it
        assert (16_667 if model == st.ERLANG_C else 0.95 * 16_667) < need.agents < 17_000
        assert 0.8 <= p.service_level <= 1 and math.isfinite(p.asa) and 0 < p.occupancy <= 1
        worse = st.performance([200_000], [300], [need.agents - 1], 20, model, 60)[0]
        assert worse.service_level < 0.8 or worse.connect < 0.95


def _pyworkforce():  # noqa: ANN202 - the module
    return pytest.importorskip("pyworkforce.queuing", reason="pyworkforce is a development dependency")

GRID = list(itertools.product(
    (12, 30, 100, 420, 1000, 2500),  # calls per hour
    (180, 240, 300, 420),  # AHT seconds
    ((0.8, 15), (0.9, 20), (0.7, 30), (0.95, 10), (0.8, 60)),  # service-level target, answer within
    (1.0, 0.85),  # max occupancy
))


@pytest.mark.parametrize(("calls", "aht", "target", "max_occupancy"), GRID)
def test_same_raw_agents_as_pyworkforce(calls: float, aht: float, target: tuple[float, float],
                                        max_occupancy: float) -> None:
    level, within = target
    theirs = _pyworkforce().ErlangC(transactions=calls, aht=aht / 60, asa=within / 60, interval=60, shrinkage=0.3)
    expected = theirs.required_positions(service_level=level, max_occupancy=max_occupancy)
    ours = st.staff(calls, aht, st.Targets(level, within, max_occupancy=max_occupancy, shrinkage=0.3))
    assert ours.agents == expected["raw_positions"]
    assert ours.performance.service_level == pytest.approx(expected["service_level"], abs=1e-9)
    assert ours.performance.occupancy == pytest.approx(expected["occupancy"], abs=1e-12)


def test_pyworkforce_overshoots_a_lax_target_where_we_find_the_smallest() -> None:
    """pyworkforce starts its search at round(A + 1): with A = 9.6 it never tries 10 agents."""
    calls, aht = 9.6 * 3600 / 60, 60  # 9.6 Erlangs of one-minute calls, 50 % within 5 minutes
    theirs = _pyworkforce().ErlangC(transactions=calls, aht=1, asa=5, interval=60).required_positions(0.5)
    ours = st.staff(calls, aht, st.Targets(0.5, 300))
    assert ours.agents == 10 < theirs["raw_positions"] == 11
    assert ours.performance.service_level >= 0.5


# --- Erlang A against an exact birth–death chain -------------------------------------------------


def _chain(calls_per_hour: float, aht: float, patience: float, n: int, t: float) -> dict[str, float]:
    """P(wait), P(abandon), P(answered within t) and ASA from the truncated M/M/n+M chain, independently."""
    lam, mu, theta = calls_per_hour / 3600, 1 / aht, 1 / patience
    size = n + 400
    log_p = np.zeros(size)
    for k in range(1, size):
        death = min(k, n) * mu + max(0, k - n) * theta
        log_p[k] = log_p[k - 1] + math.log(lam / death)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    p_wait = p[n:].sum()
    abandon = theta * sum((k - n) * p[k] for k in range(n, size)) / lam
    # A caller finding j waiting: states "k ahead" (j..0), then answered or abandoned (absorbing).
    within, waited = 1 - p_wait, 0.0
    for j in range(0, 60):
        states = j + 3  # k = 0..j, answered = j + 1, abandoned = j + 2
        q = np.zeros((states, states))
        for k in range(j + 1):
            q[k, k - 1 if k else j + 1] = n * mu + k * theta if k else n * mu
            q[k, j + 2] = theta
            q[k, k] = -q[k].sum()
        within += p[n + j] * expm(q * t)[j, j + 1]
        # E[wait; answered] = ∫ (P(answered eventually) − P(answered by s)) ds, by the fundamental matrix
        transient = q[: j + 1, : j + 1]
        first = np.linalg.solve(-transient.T, np.eye(j + 1)[:, j])  # expected time in each state, from j
        reach = np.linalg.solve(-transient, q[: j + 1, j + 1])  # P(answered) from each state
        waited += p[n + j] * float(first @ reach)
    return {"p_wait": p_wait, "abandon": abandon, "service_level": within, "asa": waited / (1 - abandon)}


@pytest.mark.parametrize(("calls", "aht", "patience", "agents"), [
    (420, 240, 60, 25), (420, 240, 60, 30), (420, 240, 180, 31), (150, 300, 90, 9), (150, 300, 90, 14),
])
def test_erlang_a_matches_the_exact_chain(calls: float, aht: float, patience: float, agents: int) -> None:
    exact = _chain(calls, aht, patience, agents, 15)
    p = st.performance([calls], [aht], [agents], 15, st.ERLANG_A, patience)[0]
    assert p.p_wait == pytest.approx(exact["p_wait"], abs=1e-9)
    assert p.abandon == pytest.approx(exact["abandon"], abs=1e-9)
    assert p.service_level == pytest.approx(exact["service_level"], abs=1e-6)
    assert p.service_level_answered == pytest.approx(exact["service_level"] / (1 - exact["abandon"]), abs=1e-6)
    assert p.asa == pytest.approx(exact["asa"], rel=1e-4)
    assert p.occupancy == pytest.approx(calls / 3600 * aht * (1 - exact["abandon"]) / agents, abs=1e-9)


def test_erlang_a_tends_to_erlang_c_as_callers_get_patient() -> None:
    c = st.performance([420], [240], [33], 15)[0]
    a = st.performance([420], [240], [33], 15, st.ERLANG_A, patience=1e8)[0]
    assert a.abandon < 1e-6
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa == pytest.approx(c.asa, rel=1e-3)


def test_erlang_a_below_the_offered_load_still_answers_some() -> None:
    """With abandonment the queue is stable even with fewer agents than Erlangs."""
    p = st.performance([420], [240], [20], 15, st.ERLANG_A, patience=60)[0]
    assert 0.25 < p.abandon < 0.4 and p.occupancy > 0.95


# --- Bisection = smallest feasible N (brute force) --------------------------------------------


def _brute(calls: float, aht: float, targets: st.Targets, model: str, patience: float | None) -> int:
    start = max(1, int(calls * aht / 3600 * 0.5))  # half the load never meets these targets
    assert start == 1 or not _meets(calls, aht, targets, model, patience, start)
    for n in range(start, 2000):
        if _meets(calls, aht, targets, model, patience, n):
            return n
    raise AssertionError("no N found")


def _meets(calls: float, aht: float, targets: st.Targets, model: str, patience: float | None, n: int) -> bool:
    p = st.performance([calls], [aht], [n], targets.answer_within, model, patience)[0]
    sl = p.service_level_answered if targets.service_level_basis == st.OF_ANSWERED else p.service_level
    if model == st.ERLANG_C and n <= p.offered_load:
        return False
    return sl >= targets.service_level and p.connect >= targets.connect and p.occupancy <= targets.max_occupancy


@pytest.mark.parametrize("model", st.MODELS)
def test_required_agents_is_the_smallest_feasible(model: str) -> None:
    rng = np.random.default_rng(7)
    calls = rng.uniform(5, 900, 15)
    aht = rng.uniform(120, 480, 15)
    for targets in (st.Targets(0.8, 15), st.Targets(0.9, 30, connect=0.97, max_occupancy=0.85),
                    st.Targets(0.0, 15, connect=0.95), st.Targets(0.8, 20, service_level_basis=st.OF_ANSWERED)):
        if model == st.ERLANG_C and targets.service_level == 0:
            continue
        got = st.required_agents(calls, aht, targets, model, patience=75)
        assert list(got) == [_brute(c, a, targets, model, 75) for c, a in zip(calls, aht, strict=True)]


def test_more_agents_never_do_worse() -> None:
    agents = np.arange(20, 45)
    for model in st.MODELS:
        perf = st.performance([420] * agents.size, [240] * agents.size, agents, 15, model, 60)
        usable = [p for p in perf if model == st.ERLANG_A or p.agents > 28]
        assert all(a.service_level <= b.service_level + 1e-12 for a, b in itertools.pairwise(usable))
        assert all(a.abandon >= b.abandon - 1e-12 for a, b in itertools.pairwise(usable))
        assert all(a.occupancy >= b.occupancy - 1e-12 for a, b in itertools.pairwise(usable))


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"calls_per_hour": -1}, "calls per hour"),
    ({"calls_per_hour": math.nan}, "calls per hour"),
    ({"aht": 0}, "handle time"),
    ({"targets": st.Targets(1.0, 15)}, "service-level target"),
    ({"targets": st.Targets(0.8, -1)}, "answer-within"),
    ({"targets": st.Targets(0.8, 15, shrinkage=1.0)}, "shrinkage"),
    ({"targets": st.Targets(0.8, 15, max_occupancy=0)}, "occupancy"),
    ({"targets": st.Targets(0.8, 15, connect=1.0)}, "connection"),
    ({"targets": st.Targets(0.8, 15, service_level_basis="x")}, "basis"),
    ({"model": "erlang-x"}, "unknown model"),
    ({"model": st.ERLANG_A}, "patience"),
    ({"model": st.ERLANG_A, "patience": 0}, "patience"),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    args = {"calls_per_hour": 420, "aht": 240, "targets": st.Targets(0.8, 15)} | kwargs
    with pytest.raises(st.StaffingError, match=message):
        st.staff(**args)


def test_mismatched_arrays_are_refused() -> None:
    with pytest.raises(st.StaffingError):
        st.required_agents([100, 200], [240, 240, 240], st.Targets())
    with pytest.raises(st.StaffingError):
        st.performance([100], [240], [-1])
