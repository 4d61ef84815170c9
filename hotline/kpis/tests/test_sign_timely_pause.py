"""签收及时率 and a pause (待群众补充): an assisting unit still to sign is late only if its sign deadline had
passed before the order was paused (the deadline shifts on resume, docs/sla.md §7)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MARCH = periods.month(2025, 3)


def _sign_timely(cast: Cast, as_of: datetime) -> tuple[object, int]:
    f = engine.figure("sign_timely", engine.context(MARCH, as_of=as_of), Cut(unit=cast.assisting[0], subtree=False))
    return f.numerator, f.denominator


def _paused_order(traveller, paused_at: datetime) -> Cast:  # noqa: ANN001
    """Dispatched Tue 2025-03-04 10:00 (sign within 1 working day); the lead signs and asks the citizen."""
    traveller.move_to(datetime(2025, 3, 4, 10, tzinfo=SH))
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    traveller.move_to(paused_at)
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    return cast


def test_a_unit_still_to_sign_on_a_paused_order_is_not_late_yet(traveller) -> None:  # noqa: ANN001
    cast = _paused_order(traveller, datetime(2025, 3, 4, 14, tzinfo=SH))
    # Judged on the 10th, days past the unshifted deadline (the 5th, 10:00), the order still paused.
    assert _sign_timely(cast, datetime(2025, 3, 10, 12, tzinfo=SH)) == (0, 0)


def test_a_sign_deadline_missed_before_the_pause_stays_missed(traveller) -> None:  # noqa: ANN001
    cast = _paused_order(traveller, datetime(2025, 3, 6, 9, tzinfo=SH))  # paused after the deadline had passed
    assert _sign_timely(cast, datetime(2025, 3, 10, 12, tzinfo=SH)) == (0, 1)
