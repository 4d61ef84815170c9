"""The SimPy queue against the Erlang formulas (seeded runs), and the simulation's own bookkeeping.

Run lengths: about 90,000 simulated calls per Erlang C case. Over seeds, the simulated service level
of such a run scatters by about ±0.6 points (one standard deviation, measured; see docs/staffing.md),
so the 2-point tolerance is some three standard deviations wide, not a coin toss.
"""

from __future__ import annotations

import pytest

from hotline.intelligence import queuesim
from hotline.intelligence import staffing as st

pytest.importorskip("simpy", reason="SimPy is a development dependency")


@pytest.mark.parametrize(("calls", "aht", "agents", "hours"), [
    (60, 240, 6, 1500),  # a small night queue: 4 Erlangs
    (120, 300, 14, 750),  # 10 Erlangs
    (420, 240, 36, 220),  # the load with a little slack: 28 Erlangs
])
def test_erlang_c_service_level_within_two_points_of_the_simulation(calls: float, aht: float, agents: int,
                                                                    hours: float) -> None:
    formula = st.performance([calls], [aht], [agents], 15)[0]
    sim = queuesim.simulate_stationary(calls, agents=agents, aht=aht, answer_within=15, hours=hours, seed=11)
    assert sim.offered > 80_000
    assert sim.abandoned == 0 and sim.answered == sim.offered
    assert abs(sim.service_level - formula.service_level) < 0.02
    assert abs(sim.occupancy - formula.occupancy) < 0.01
    assert abs(sim.asa - formula.asa) < max(2.0, 0.15 * formula.asa)  # ASA is the noisiest figure


@pytest.mark.parametrize(("calls", "aht", "patience", "agents", "hours"), [
    (420, 240, 60, 30, 150),  # near the 95 % connection line
    (420, 240, 90, 26, 150),  # under-staffed: the seeds' 26 seats at a peak-like load
])
def test_erlang_a_abandonment_and_service_level_match_the_simulation(calls: float, aht: float, patience: float,
                                                                     agents: int, hours: float) -> None:
    formula = st.performance([calls], [aht], [agents], 15, st.ERLANG_A, patience)[0]
    sim = queuesim.simulate_stationary(calls, agents=agents, aht=aht, patience=patience, answer_within=15,
                                       hours=hours, seed=5)
    assert sim.offered > 60_000
    assert abs(sim.abandon - formula.abandon) < 0.01
    assert abs(sim.connect - formula.connect) < 0.01
    assert abs(sim.service_level - formula.service_level) < 0.02
    assert abs(sim.service_level_answered - formula.service_level_answered) < 0.02
    assert abs(sim.occupancy - formula.occupancy) < 0.01


def test_every_call_is_answered_or_abandoned_and_counted_in_its_interval() -> None:
    rates = [0, 600, 600, 50, 0]
    run = queuesim.simulate(rates, agents=[3, 20, 5, 5, 2], aht=240, patience=60, seed=3)
    assert [o.offered == o.answered + o.abandoned for o in run.intervals] == [True] * 5
    assert run.intervals[0].offered == 0 and run.intervals[-1].offered == 0
    assert 250 < run.intervals[1].offered < 350  # 600 an hour for half an hour
    assert run.intervals[2].abandon > run.intervals[1].abandon  # 5 agents cannot carry 40 Erlangs
    assert run.total.offered == sum(o.offered for o in run.intervals)
    assert all(0 <= o.occupancy <= 1 for o in run.intervals)


def test_same_seed_same_run_and_warmup_is_not_counted() -> None:
    a = queuesim.simulate([300] * 4, agents=12, aht=200, patience=80, seed=9, warmup_intervals=1)
    b = queuesim.simulate([300] * 4, agents=12, aht=200, patience=80, seed=9, warmup_intervals=1)
    assert len(a.intervals) == 3
    assert a.total == b.total
    c = queuesim.simulate([300] * 4, agents=12, aht=200, patience=80, seed=10, warmup_intervals=1)
    assert c.total != a.total


@pytest.mark.parametrize("kwargs", [
    {"agents": 0}, {"agents": [1, 2]}, {"agents": 5, "aht": 0}, {"agents": 5, "patience": 0},
    {"agents": 5, "answer_within": -1},
])
def test_bad_parameters_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        queuesim.simulate([100, 100, 100], **({"aht": 240} | kwargs))


def test_negative_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        queuesim.simulate([100, -1], agents=3, aht=240)
