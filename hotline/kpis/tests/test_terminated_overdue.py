"""An overdue lead whose order is then terminated (终止办理) still counts against 按时办结率."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import Status, TerminationReason
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import NOW, Cast, make_ticket

pytestmark = pytest.mark.django_db


def _terminate(cast: Cast, status: str, at: datetime) -> None:
    with time_machine.travel(NOW, tick=False):
        t = make_ticket(status, cast=cast)
    with time_machine.travel(at, tick=False):
        t = services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.UNREACHABLE,
                                       reason="多次致电无人接听")
        services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")


def _on_time(cast: Cast) -> engine.Figure:
    ctx = engine.context(periods.month(2025, 3), as_of=NOW + timedelta(days=40), assessment=True)
    return engine.figure("on_time", ctx, Cut(unit=cast.lead, subtree=False))


def test_terminated_after_the_reply_deadline_counts_as_not_on_time(cast: Cast) -> None:
    _terminate(cast, Status.IN_PROGRESS, NOW + timedelta(days=25))  # far past any reply deadline
    assert Assignment.objects.get().reply_overdue
    figure = _on_time(cast)
    assert (figure.numerator, figure.denominator) == (0, 1)


def test_terminated_in_time_stays_out(cast: Cast) -> None:
    _terminate(cast, Status.IN_PROGRESS, NOW + timedelta(hours=2))
    assert not Assignment.objects.get().reply_overdue
    assert _on_time(cast).denominator == 0


def test_a_paused_deadline_is_judged_at_the_pause(cast: Cast) -> None:
    """Waiting for the citizen stops the clock: terminated long after, the lead paused in time is not late."""
    _terminate(cast, Status.AWAITING_CITIZEN, NOW + timedelta(days=25))
    assert _on_time(cast).denominator == 0
