"""`hotline staffing` and `hotline forecast`."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_staffing_the_issue_example() -> None:
    lines = run("staffing", "--calls-per-hour", "420", "--aht", "240", "--target", "0.8", "--answer-within", "15")
    assert lines[-1] == "seats=33"
    assert any(line.startswith("required agents: 33 → service level 80.15%") for line in lines)
    assert "offered load 28.00 Erlangs" in lines[0]


def test_staffing_erlang_a_with_connection_target_shrinkage_and_occupancy() -> None:
    lines = run("staffing", "--calls-per-hour", "420", "--aht", "240", "--model", "erlang-a", "--patience", "75",
                "--connect-target", "95%", "--shrinkage", "0.3", "--max-occupancy", "0.85")
    need = st.staff(420, 240, st.Targets(0.8, 15, 0.95, 0.85, 0.3), st.ERLANG_A, 75)
    assert lines[-1] == f"seats={need.seats}" and need.seats == 46
    assert any("abandoned" in line and "connected" in line for line in lines)
    assert any("≥ 95.0% connected" in line for line in lines)


def test_staffing_a_day_over_the_intraday_curve() -> None:
    lines = run("staffing", "--calls-per-day", "5000", "--aht", "285", "--model", "erlang-a", "--patience", "75",
                "--target", "0", "--connect-target", "0.95")
    rates = [5000 * share * 2 for share in fc.typical_shape()]
    plan = st.plan(rates, 285, st.Targets(0, 15, 0.95), st.ERLANG_A, 75)
    assert lines[-1] == f"seats={max(r.seats for r in plan)}"
    assert sum(1 for line in lines if line[:5].count(":") == 1 and line[2] == ":") == 48  # one row per half-hour
    assert any(line.startswith("day: ") and "agent-hours" in line for line in lines)


def test_staffing_simulates_on_request() -> None:
    pytest.importorskip("simpy")
    lines = run("staffing", "--calls-per-hour", "420", "--aht", "240", "--model", "erlang-a", "--patience", "60",
                "--seats-on-duty", "26", "--sim-hours", "5")
    assert any(line.startswith("formula with 26 agents") for line in lines)
    assert any(line.startswith("simulated 5 h with 26 agents") for line in lines)
    assert lines[-1].startswith("seats=")
    day = run("staffing", "--calls-per-day", "800", "--aht", "285", "--model", "erlang-a", "--patience", "75",
              "--seats-on-duty", "5")
    assert any(line.startswith("simulated 1 day(s) with 5 agents all day") for line in day)


@pytest.mark.parametrize(("args", "message"), [
    (["--calls-per-hour", "420", "--aht", "0"], "handle time"),
    (["--calls-per-hour", "-3", "--aht", "240"], "calls per hour"),
    (["--calls-per-hour", "420", "--aht", "240", "--target", "1.2"], "service-level target"),
    (["--calls-per-hour", "420", "--aht", "240", "--shrinkage", "1"], "shrinkage"),
    (["--calls-per-hour", "420", "--aht", "240", "--model", "erlang-a"], "patience"),
    (["--calls-per-hour", "420", "--aht", "240", "--connect-target", "0.95"], "needs --model erlang-a"),
    (["--calls-per-day", "0", "--aht", "240"], "calls-per-day"),
])
def test_staffing_bad_input_is_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("staffing", *args)


@pytest.mark.django_db
def test_forecast_prints_days_and_backtest(now: datetime, fake_history: dict) -> None:
    lines = run("forecast", "--days", "7")
    assert lines[0].startswith("history: 91 whole days up to 2026-11-24")
    days = [line for line in lines if line.startswith("2026-")]
    assert [line[:10] for line in days] == [f"2026-11-{d}" for d in range(26, 31)] + ["2026-12-01", "2026-12-02"]
    assert "workday" in days[0] and "weekend" in days[2]
    assert lines[-1].startswith("backtest (4 folds, 1344 half-hours): WAPE 0.")
    assert "seasonal naive WAPE" in lines[-1]
    detail = run("forecast", "--days", "1", "--intervals")
    rows = [line for line in detail if line.startswith("2026-11-26T")]
    assert len(rows) == 48 and rows[0].startswith("2026-11-26T00:00:00+08:00,")


@pytest.mark.django_db
def test_forecast_without_history_is_a_clear_error(now: datetime) -> None:
    with pytest.raises(CommandError, match="(whole days|no calls on working days).*simulate-calls"):
        run("forecast")
    with pytest.raises(CommandError, match="--days"):
        run("forecast", "--days", "0")
