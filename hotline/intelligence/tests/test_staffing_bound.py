"""`required_agents` refuses targets that would need more than `MAX_AGENTS` agents before it builds the Erlang B
table (intervals × agents), so a 2-hour handle time at ≤ 1 % occupancy costs neither memory nor time."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from hotline.intelligence import staffing as st

#: Two weeks of half-hours at 1,200 calls an hour, 2-hour handle time: 2,400 Erlangs; at ≤ 1 % occupancy that is
#: 240,000 agents an interval, and the table would have been 672 × 240,000 floats (1.3 GB).
CALLS = np.full(14 * 48, 1200.0)


@pytest.mark.parametrize(("model", "patience"), [(st.ERLANG_C, None), (st.ERLANG_A, 75.0)])
def test_too_many_agents_are_refused_at_once_without_the_table(model: str, patience: float | None) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(st.StaffingError, match="more than 100000 agents") as refused:
            st.required_agents(CALLS, 7200.0, st.Targets(0.8, 15, max_occupancy=0.01), model, patience)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1 and peak < 5_000_000
    assert refused.value.code == st.TOO_MANY_AGENTS and refused.value.params == {"agents": st.MAX_AGENTS}


def test_a_bound_doubled_past_the_limit_is_refused_before_its_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first guess fits but falls short; doubling it would pass MAX_AGENTS: no table that wide is built."""
    widths: list[int] = []
    table = st.erlang_b_table

    def spy(loads: np.ndarray, n_max: int) -> np.ndarray:
        widths.append(n_max)
        return table(loads, n_max)

    monkeypatch.setattr(st, "erlang_b_table", spy)
    monkeypatch.setattr(st, "_upper_bound", lambda load, targets: np.full(load.size, 60_000))
    with pytest.raises(st.StaffingError) as refused:  # 700 Erlangs at ≤ 1 % occupancy: 70,000 agents
        st.required_agents([2520.0], [1000.0], st.Targets(0.8, 15, max_occupancy=0.01))
    assert refused.value.code == st.TOO_MANY_AGENTS and widths == [60_000]


def test_a_requirement_under_the_limit_is_still_worked_out() -> None:
    """900 Erlangs at ≤ 1 % occupancy: 90,000 agents (Erlang C: occupancy = load / agents), as before."""
    targets = st.Targets(0.8, 15, max_occupancy=0.01)
    assert st.required_agents([3600.0], [900.0], targets).tolist() == [90_000]
    assert st.staff(3600.0, 900.0, targets).performance.occupancy == pytest.approx(0.01)


def test_the_load_refusal_names_its_case() -> None:
    with pytest.raises(st.StaffingError) as refused:
        st.required_agents([1e12], [240], st.Targets())
    assert refused.value.code == st.LOAD_TOO_HIGH and refused.value.params["load"] == pytest.approx(1e12 * 240 / 3600)
    assert st.StaffingError("plain").code == "" and st.StaffingError("plain").params == {}
