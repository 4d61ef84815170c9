"""Deadlines a unit could not act against: a pause (待群众补充, docs/sla.md §7) for an assisting unit that
replies during it, and a return awaiting review (退单审核, §6) that the centre accepts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.choices import Role
from hotline.core import clock, workcalendar
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, ReturnReason, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _paused_with_a_helper(traveller, *, left: timedelta):  # noqa: ANN001, ANN202
    """An order in handling with one signed assisting unit; the lead asks the citizen when `left` remains."""
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    helper = Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)
    traveller.move_to(helper.reply_due - left)
    ticket.refresh_from_db()
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    helper.refresh_from_db()
    assert helper.paused_at is not None
    return cast, ticket, helper


def _assist_reply(cast: Cast, ticket) -> None:  # noqa: ANN001
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.assist_handlers[0], unit=cast.assisting[0], content="已配合核查",
                   contacted=True, resolved=True)


def test_an_assist_reply_during_a_pause_is_judged_against_the_deadline_the_pause_moved(traveller):
    """1 working day left when the pause began; replying 3 days into the pause uses none of it."""
    cast, ticket, helper = _paused_with_a_helper(traveller, left=timedelta(days=1))  # March 2025: no holidays
    paused_at, due = helper.paused_at, helper.reply_due
    traveller.move_to(due + timedelta(days=3))
    _assist_reply(cast, ticket)
    helper.refresh_from_db()
    assert not helper.reply_overdue
    span = workcalendar.elapsed(paused_at, clock.now(), helper.reply_basis)
    assert helper.reply_due == workcalendar.shift(due, span, helper.reply_basis)  # the deadline it was judged by
    assert helper.paused_at is None and helper.replied_at == clock.now()


def test_an_assist_reply_during_a_pause_after_the_unshifted_deadline_is_still_late_when_it_was_late(traveller):
    """The deadline had passed before the pause began: the pause gives nothing back, the reply is late."""
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    helper = Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)
    traveller.move_to(helper.reply_due + timedelta(hours=1))
    ticket.refresh_from_db()
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    traveller.shift(timedelta(hours=2))
    _assist_reply(cast, ticket)
    helper.refresh_from_db()
    assert helper.reply_overdue


def test_resume_leaves_the_deadline_of_an_assisting_unit_that_replied_during_the_pause(traveller):
    cast, ticket, helper = _paused_with_a_helper(traveller, left=timedelta(days=3))
    lead = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)
    lead_due = lead.reply_due
    traveller.shift(timedelta(hours=1))
    _assist_reply(cast, ticket)
    helper.refresh_from_db()
    replied_due = helper.reply_due
    traveller.shift(timedelta(days=2))
    ticket.refresh_from_db()
    services.resume(ticket, actor=cast.lead_handler, unit=cast.lead, note="群众已补充")
    helper.refresh_from_db()
    lead.refresh_from_db()
    assert helper.reply_due == replied_due  # history: the reply was judged against it
    span = workcalendar.elapsed(helper.replied_at - timedelta(hours=1), clock.now(), lead.reply_basis)
    assert lead.reply_due == workcalendar.shift(lead_due, span, lead.reply_basis)  # the running lead is shifted
    assert lead.paused_at is None and helper.paused_at is None


def test_an_accepted_return_gives_the_order_back_the_review_time():
    """§6: no deadline runs while a return awaits review, whatever the centre then decides."""
    cast = Cast.build()
    t0 = datetime(2025, 3, 4, 10, tzinfo=SH)  # Tue
    ticket = make_ticket(Status.DISPATCHED, cast=cast, at=t0)
    close_due = ticket.close_due
    returned = t0 + timedelta(hours=1)
    with clock.frozen(returned):
        services.return_order(ticket, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="非本单位职责")
    ticket.refresh_from_db()
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    UserFactory(role=Role.UNIT_HANDLER, units=[other])
    decided = datetime(2025, 3, 6, 11, tzinfo=SH)  # Thu: 48 working hours pending
    with clock.frozen(decided):
        services.accept_return(ticket, actor=cast.dispatcher, lead=other)
    ticket.refresh_from_db()
    pending = workcalendar.working_seconds_between(returned, decided)
    assert pending == 48 * 3600
    assert ticket.close_due == workcalendar.shift(close_due, pending, ticket.close_basis)
    assert ticket.phase_due == ticket.close_due  # the re-dispatch runs the moved deadline


def test_an_accepted_return_without_a_new_lead_still_moves_the_close_deadline_once():
    cast = Cast.build()
    t0 = datetime(2025, 3, 4, 10, tzinfo=SH)
    ticket = make_ticket(Status.DISPATCHED, cast=cast, at=t0)
    close_due = ticket.close_due
    with clock.frozen(t0 + timedelta(hours=1)):
        services.return_order(ticket, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="非本单位职责")
    ticket.refresh_from_db()
    with clock.frozen(t0 + timedelta(hours=3)):
        services.accept_return(ticket, actor=cast.dispatcher)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    assert ticket.close_due == close_due + timedelta(hours=2)  # only the review's 2 h; dispatch time runs
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    with clock.frozen(t0 + timedelta(hours=5)):
        services.dispatch(ticket, actor=cast.dispatcher, lead=other)
    ticket.refresh_from_db()
    assert ticket.close_due == close_due + timedelta(hours=2)
