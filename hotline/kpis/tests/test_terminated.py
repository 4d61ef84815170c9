"""A terminated order (终止办理) is no completion: out of the lead indicators, still in 签收及时率, still its unit's."""

from __future__ import annotations

import pytest
import time_machine

from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_populations(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        t = services.apply_termination(t, actor=cast.lead_handler, reason_code="duplicate", reason="同一事项另案办理")
        services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")
        ctx = engine.context(periods.month(2025, 3), as_of=NOW, assessment=True)
        mine = Cut(unit=cast.lead, subtree=False)
        assert engine.figure("sign_timely", ctx, mine).denominator == 1
        for code in ("on_time", "completion", "rehandle", "extension"):
            assert engine.figure(code, ctx, mine).denominator == 0, code
        assert engine.figure("volume", ctx, mine).value == 1  # the order still belongs to its lead unit
