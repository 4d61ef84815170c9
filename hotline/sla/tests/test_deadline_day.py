"""A deadline printed as a date names its last day (docs/sla.md §3): one stored at 00:00 is the day before's 24:00."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.core import clock
from hotline.sla.display import deadline_date, deadline_day
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Assignment, TimelineEvent
from hotline.tickets.public_text import extension_notice, extension_notices
from hotline.tickets.tests.factories import Cast, make_ticket

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def bj(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=SH)


@pytest.mark.parametrize(("due", "day"), [
    (bj(2025, 11, 27), "2025-11-26"),  # the end of Wed 11-26, stored as Thu 00:00
    (bj(2025, 10, 1), "2025-09-30"),  # the end of Tue 09-30, stored on the holiday
    (bj(2025, 11, 27, 0, 0, 0, 1), "2025-11-27"),  # a moment after midnight is that day
    (bj(2025, 11, 26, 16), "2025-11-26"),  # a deadline in the day: that day
    (bj(2025, 11, 26, 23, 59, 59), "2025-11-26"),
    (bj(2025, 11, 27).astimezone(UTC), "2025-11-26"),  # read in Beijing time whatever the zone given
    (bj(2025, 11, 26, 8).astimezone(UTC), "2025-11-26"),  # 00:00 UTC is 08:00 in Beijing: that day
])
def test_a_deadline_names_its_last_day(due: datetime, day: str) -> None:
    assert deadline_date(due) == day
    assert deadline_day(due).isoformat() == day


def test_no_deadline_names_no_day() -> None:
    assert deadline_date(None) == ""


@pytest.mark.django_db
def test_the_citizen_is_told_the_last_working_day_of_an_extension() -> None:
    """Dispatched Sat 2025-11-15 10:00 (一般): reply by the end of Fri 11-21, stored as Sat 11-22 00:00.

    Extended by 3 working days: due at the end of Wed 11-26 (stored Thu 11-27 00:00). The citizen reads
    「答复期限延至2025-11-26」 — on the tracking page, in the SMS and in Open311, which all take the notice from
    the approval's event — not the day after, which the unit is no longer bound by.
    """
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(2025, 11, 15, 10))
    lead = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert lead.reply_due == bj(2025, 11, 22)
    with clock.frozen(bj(2025, 11, 18, 9)):
        services.request_extension(t, actor=cast.lead_handler, unit=cast.lead, days=3, reason="需协调施工队")
        t.refresh_from_db()
        services.approve_extension(t, actor=cast.dispatcher)
    lead.refresh_from_db()
    assert lead.reply_due == bj(2025, 11, 27)
    assert extension_notice("需协调施工队", 3, lead.reply_due) == "办理期限延长3个工作日，答复期限延至2025-11-26。延期理由：需协调施工队"
    event = TimelineEvent.objects.get(ticket=t, action=Action.APPROVE_EXTENSION)
    assert "答复期限延至2025-11-26。" in extension_notices([event])[event.pk]


def test_a_deadline_in_the_day_is_named_by_that_day() -> None:
    assert "答复期限延至2025-10-13。" in extension_notice("", 3, bj(2025, 10, 13, 10))
