"""按时办结率 and a timely extension request still waiting for the centre (docs/sla.md §8, docs/kpis.md).

A request filed before the reply deadline, in the running phase, holds the deadline while the centre
decides: the sweep turns the light no further than yellow and sets no overdue flag, and a reply made after
the old deadline meanwhile sets no `reply_overdue`. The indicator reads the same rule: such an order is not
decided yet, neither open overdue nor judged on its reply, until the decision, which then judges it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.kpis import engine, periods
from hotline.kpis.bulletin.data import _overdue
from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db
MARCH = periods.month(2025, 3)


def _lead(ticket) -> Assignment:  # noqa: ANN001
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)


def _on_time(cast: Cast, as_of) -> tuple[int, int]:  # noqa: ANN001
    """(numerator, denominator) of the lead unit's 按时办结率 in March 2025, judged at `as_of`."""
    f = engine.by_unit("on_time", engine.context(MARCH, as_of=as_of)).get(cast.lead.pk)
    return (int(f.numerator or 0), int(f.denominator)) if f else (0, 0)


def _asked_in_time(cast: Cast, traveller) -> tuple:  # noqa: ANN001
    """An order in handling whose lead asked for 3 more working days 2 hours before its reply deadline."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = _lead(ticket)
    traveller.move_to(lead.reply_due - timedelta(hours=2))
    ticket.refresh_from_db()
    services.request_extension(ticket, actor=cast.lead_handler, days=3, reason="需协调施工单位")
    return ticket, lead


def test_a_deadline_held_by_a_pending_timely_request_is_not_open_overdue(cast, traveller):
    ticket, lead = _asked_in_time(cast, traveller)
    past = lead.reply_due + timedelta(hours=2)
    traveller.move_to(past)
    sweep()
    lead.refresh_from_db()
    assert lead.light == Light.YELLOW and not lead.reply_overdue  # the SLA: held, not missed (yet)
    assert _on_time(cast, past) == (0, 0)
    ctx = engine.context(MARCH, as_of=past)
    assert _overdue(ctx) == []  # the bulletin's open overdue count reads the same rule


def test_the_held_deadline_counts_late_once_the_request_is_denied(cast, traveller):
    ticket, lead = _asked_in_time(cast, traveller)
    traveller.move_to(lead.reply_due + timedelta(hours=2))
    ticket.refresh_from_db()
    services.deny_extension(ticket, actor=cast.dispatcher, note="无正当理由")
    assert _on_time(cast, lead.reply_due + timedelta(hours=3)) == (0, 1)


def test_the_held_deadline_is_not_late_once_the_request_is_approved(cast, traveller):
    ticket, lead = _asked_in_time(cast, traveller)
    traveller.move_to(lead.reply_due + timedelta(hours=2))
    ticket.refresh_from_db()
    services.approve_extension(ticket, actor=cast.dispatcher)
    assert _on_time(cast, lead.reply_due + timedelta(hours=3)) == (0, 0)  # the new deadline is days away


def test_a_late_reply_while_the_request_waits_is_judged_by_the_decision(cast, traveller):
    ticket, lead = _asked_in_time(cast, traveller)
    old_due = lead.reply_due
    traveller.move_to(old_due + timedelta(hours=2))
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.lead_handler, content="已修复", contacted=True, resolved=True)
    lead.refresh_from_db()
    assert not lead.reply_overdue
    assert _on_time(cast, old_due + timedelta(hours=3)) == (0, 0)  # not decided yet: out of the rate
    ticket.refresh_from_db()
    services.approve_extension(ticket, actor=cast.dispatcher)
    assert _on_time(cast, old_due + timedelta(hours=3)) == (1, 1)  # replied before the new deadline


def test_a_late_reply_while_the_request_waits_is_late_once_denied(cast, traveller):
    ticket, lead = _asked_in_time(cast, traveller)
    old_due = lead.reply_due
    traveller.move_to(old_due + timedelta(hours=2))
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.lead_handler, content="已修复", contacted=True, resolved=True)
    ticket.refresh_from_db()
    services.deny_extension(ticket, actor=cast.dispatcher, note="无正当理由")
    assert _on_time(cast, old_due + timedelta(hours=3)) == (0, 1)


def test_a_request_filed_after_the_deadline_holds_nothing(cast, traveller):
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = _lead(ticket)
    traveller.move_to(lead.reply_due + timedelta(hours=1))
    ticket.refresh_from_db()
    services.request_extension(ticket, actor=cast.lead_handler, days=3, reason="需协调施工单位")
    assert _on_time(cast, lead.reply_due + timedelta(hours=2)) == (0, 1)
    traveller.move_to(lead.reply_due + timedelta(hours=2))
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.lead_handler, content="已修复", contacted=True, resolved=True)
    assert _on_time(cast, lead.reply_due + timedelta(hours=3)) == (0, 1)
