"""`hotline staffing` refuses loads and times too large to plan, in one line and at once (no memory blow-up)."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.intelligence import staffing as st


@pytest.mark.parametrize(("args", "message"), [
    (["--calls-per-hour", "1e12", "--aht", "240"], r"offered load \d+ Erlangs .* above the 50000 planned for"),
    (["--calls-per-day", "1e12", "--aht", "240"], r"offered load \d+ Erlangs .* above the 50000 planned for"),
    (["--calls-per-hour", "420", "--aht", "1e9"], r"--aht: the average handle time must be > 0 and at most 7200 seconds"),
    (["--calls-per-hour", "420", "--aht", "nan"], r"--aht: the average handle time must be > 0"),
    (["--calls-per-hour", "420", "--aht", "240", "--seats-on-duty", "1000000000"], "--seats-on-duty must be from 1"),
    (["--calls-per-hour", "420", "--aht", "240", "--simulate", "--sim-hours", "1e9"], "--sim-hours must be > 0"),
    (["--calls-per-day", "5000", "--aht", "240", "--simulate", "--replications", "100000"], "--replications must be"),
])
def test_too_large_is_refused_quickly(args: list[str], message: str) -> None:
    started = time.monotonic()
    with pytest.raises(CommandError, match=message):
        call_command("staffing", *args, stdout=StringIO())
    assert time.monotonic() - started < 5


def test_the_library_refuses_too_many_agents_and_too_much_load() -> None:
    with pytest.raises(st.StaffingError, match="at most 100000"):
        st.performance([420], [240], [10**9])
    with pytest.raises(st.StaffingError, match="offered load"):
        st.required_agents([1e12], [240], st.Targets())
    with pytest.raises(st.StaffingError, match="at most 7200 seconds"):
        st.staff(420, 1e9, st.Targets())


def test_the_largest_load_is_still_planned() -> None:
    out = StringIO()
    call_command("staffing", "--calls-per-hour", "120000", "--aht", "300", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith("seats=")
