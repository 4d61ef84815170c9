"""每月一题 in the demo: the themes' steps are ones the transition table allows, taken by the right units,
at moments in order before now (no database)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest

from hotline.demo.orders import TZ
from hotline.demo.themes import LEADER, SUPERVISOR, THEMES, ThemeSpec, schedule
from hotline.demo.users import DEMO_ACCOUNTS
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.transitions import TRANSITIONS

HANDLED = {a.unit_code for a in DEMO_ACCOUNTS if a.unit_code}


@pytest.mark.parametrize("spec", THEMES, ids=lambda s: s.title)
def test_each_theme_walks_the_table_to_its_stage(spec: ThemeSpec) -> None:
    """Every step is allowed from where the one before left it, by the centre or a unit of the theme (the
    lead for lead-only steps); the lead unit has a demo account, who can act on it."""
    status = TRANSITIONS[ThemeAction.ADOPT].target
    assert spec.lead in HANDLED and spec.lead not in spec.assisting
    for move in spec.moves:
        row = TRANSITIONS[move.action]
        assert status in row.sources, (move.action, status)
        if move.by in (LEADER, SUPERVISOR):
            assert "unit_handler" not in row.roles
        else:
            assert move.by == spec.lead if row.lead_only else move.by in spec.units
        status = row.target or status
    assert status == spec.status
    assert [m.days_ago for m in spec.moves] == sorted((m.days_ago for m in spec.moves), reverse=True)
    assert all(m.days_ago < spec.adopted_days_ago for m in spec.moves)


def test_the_four_stages_are_all_there() -> None:
    assert sorted(s.status for s in THEMES) == sorted([ThemeStatus.CLOSED, ThemeStatus.IN_PROGRESS,
                                                      ThemeStatus.REPORTED, ThemeStatus.ADOPTED])


@pytest.mark.parametrize("now", [datetime(2026, 3, 10, 10, 0, tzinfo=TZ), datetime(2026, 3, 9, 8, 5, tzinfo=TZ),
                                 datetime(2026, 10, 8, 23, 30, tzinfo=TZ)])
def test_steps_come_in_order_before_now_units_in_office_hours(now: datetime) -> None:
    """Whatever the day and hour the demo is loaded at (a Monday before work, a holiday night)."""
    for spec in THEMES:
        moments = schedule(spec, now, random.Random(1))
        assert len(moments) == len(spec.moves) + 1
        assert all(a < b for a, b in zip(moments, moments[1:], strict=False))
        assert moments[-1] <= now - timedelta(minutes=10)
        assert now - moments[0] < timedelta(days=spec.adopted_days_ago + 1)
        for move, at in zip(spec.moves, moments[1:], strict=True):
            local = at.astimezone(TZ)
            if move.by not in (LEADER, SUPERVISOR) and now - at > timedelta(days=4):
                assert time(8, 30) <= local.time() < time(17, 30), (spec.title, move, local)
