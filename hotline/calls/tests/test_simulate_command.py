"""`hotline simulate-calls` end to end through the signed CTI endpoint, and the demo history."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.calls.models import Call, CallEvent, PbxSource
from hotline.calls.simulate import load_demo_calls
from hotline.intelligence.callsim import SimParams, simulate
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("simulate_calls", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_a_small_day_goes_through_the_endpoint_and_adds_up(db) -> None:
    lines = run("--date", "2025-03-03", "--calls", "300", "--seats", "4", "--batch", "250")
    tally = simulate(SimParams(day=date(2025, 3, 3), calls=300, seats=4)).tally()
    assert lines[-1] == (f"offered={tally['offered']} answered={tally['answered']} "
                         f"connect_rate={tally['connect_rate']:.3f} sl15={tally['sl15']:.3f}")
    assert tally["connect_rate"] < 0.95  # four seats cannot carry 300 calls
    assert Call.objects.count() == 300
    assert PbxSource.objects.get().key == "simulator"
    assert any("rejected 0" in line for line in lines)
    events = CallEvent.objects.count()
    again = run("--date", "2025-03-03", "--calls", "300", "--seats", "4", "--disorder")
    assert again[-1] == lines[-1]            # the same day, shuffled and partly repeated: same figures
    assert CallEvent.objects.count() == events
    assert any("accepted 0, duplicates" in line for line in again)


def test_bad_arguments_are_refused(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--calls", "0")
    with pytest.raises(CommandError, match="HOTLINE_CTI_SECRET"):
        run("--calls", "10", "--url", "http://127.0.0.1:9")


def test_the_demo_history_is_loaded_once(db) -> None:
    UserFactory(username="agent1", role="intake")
    result = load_demo_calls(days=2, calls_range=(150, 200))
    assert result.days == 2 and Call.objects.count() == result.calls
    assert Call.objects.filter(agent__user__username="agent1").exists()
    assert load_demo_calls(days=2, calls_range=(150, 200)).skipped


@pytest.mark.parametrize("day", ["2099-01-02", "1990-01-02", "2026-03-05"])
def test_a_day_the_endpoint_would_refuse_is_refused_first(db, day: str) -> None:  # noqa: ANN001
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=rf"--date {day}: the CTI endpoint only accepts events within 366 days"):
        run("--date", day, "--calls", "10", "--seats", "2")
    assert not CallEvent.objects.exists()


def test_a_run_whose_every_event_is_rejected_fails(db, settings, monkeypatch) -> None:  # noqa: ANN001
    from django.core.management.base import CommandError

    from hotline.calls.management.commands import simulate_calls

    settings.HOTLINE_CALLS_EVENT_WINDOW_DAYS = 1  # the endpoint's window is narrower than the command believes
    monkeypatch.setattr(simulate_calls, "setting", lambda name: 366)
    with pytest.raises(CommandError, match=r"all \d+ events were rejected \(first reason: 'at' must be within 1 days"):
        run("--date", "2025-01-02", "--calls", "10", "--seats", "2")
    assert not CallEvent.objects.exists()
