"""A unit is never marked late for time it could not act: a return under review, an extension awaiting approval."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import (
    AssignmentRole,
    AssignmentStatus,
    Decision,
    ReturnReason,
    Satisfaction,
    Status,
)
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.tests.factories import NOW, SHANGHAI, Cast, make_ticket

pytestmark = pytest.mark.django_db


def bj(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of 2025 in Beijing time (March 2025 has no holiday or 调休)."""
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def lead_of(t: Ticket) -> Assignment:
    return t.assignments.filter(role=AssignmentRole.LEAD).latest("id")


def return_it(t: Ticket, cast: Cast) -> Ticket:
    return services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                                 reason="不属于本单位职责")


# --- 驳回退单: the review time is given back --------------------------------------------------------------------


def test_a_rejected_return_gives_back_the_review_time_before_signing(cast: Cast) -> None:
    """Dispatched Tue 10:00 (sign by Wed 10:00), returned Tue 11:00, rejected Thu 15:00: 52 working hours pending."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.DISPATCHED, cast=cast)
        assert (lead_of(t).sign_due, lead_of(t).reply_due, t.close_due) == (bj(3, 5), bj(3, 11), bj(3, 13))
        traveller.move_to(bj(3, 4, 11))
        return_it(t, cast)
        traveller.move_to(bj(3, 6, 15))
        sweep()
        t = services.reject_return(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher, note="属本单位职责")

        lead = lead_of(t)
        assert lead.status == AssignmentStatus.PENDING_SIGN
        assert lead.sign_due == bj(3, 7, 14)  # 23 h of the sign limit were left: Wed 10:00 + 52 h
        assert lead.reply_due == bj(3, 13, 14)
        assert t.close_due == bj(3, 17, 14)  # over the weekend
        assert (lead.light, lead.sign_overdue, lead.phase_due) == (Light.GREEN, False, lead.sign_due)
        assert (t.light, t.close_overdue) == (Light.GREEN, False)

        traveller.move_to(bj(3, 6, 15, 5))
        sweep()
        services.sign(t, actor=cast.lead_handler)
        assert lead_of(t).sign_overdue is False


def test_a_rejected_return_after_signing_moves_the_running_reply_deadline(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 4, 12))
        return_it(t, cast)
        traveller.move_to(bj(3, 10, 12))  # Tue to the next Mon: 4 working days pending
        t = services.reject_return(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher, note="属本单位职责")
        lead = lead_of(t)
        assert lead.status == AssignmentStatus.SIGNED
        assert lead.reply_due == lead.phase_due == bj(3, 17)
        assert (lead.light, lead.reply_overdue) == (Light.GREEN, False)


# --- 延期: a request filed in time is not late while it awaits the centre ------------------------------------------


def _asked_in_time(cast: Cast, traveller: time_machine.Coordinates) -> Ticket:
    """Signed Tue 03-04 (reply by Tue 03-11 10:00); 3 more days asked on Fri; the sweep runs after the deadline."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    traveller.move_to(bj(3, 7))
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
    traveller.move_to(bj(3, 11, 10, 30))
    sweep()
    lead = lead_of(t)
    assert (lead.light, lead.reply_overdue) == (Light.YELLOW, False)  # due, but the centre has not answered
    return Ticket.objects.get(pk=t.pk)


def test_a_late_approval_of_a_timely_request_leaves_the_unit_on_time(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _asked_in_time(cast, traveller)
        traveller.move_to(bj(3, 12, 9))
        t = services.approve_extension(t, actor=cast.supervisor)
        lead = lead_of(t)
        assert lead.reply_due == bj(3, 14)
        assert (lead.light, lead.reply_overdue) == (Light.GREEN, False)
        traveller.move_to(bj(3, 13, 9))
        sweep()
        services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
        assert lead_of(t).reply_overdue is False


def test_a_denied_timely_request_ends_overdue_at_the_next_sweep(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _asked_in_time(cast, traveller)
        traveller.move_to(bj(3, 12, 9))
        services.deny_extension(t, actor=cast.supervisor, note="可按期办结")
        sweep()
        lead = lead_of(t)
        assert (lead.light, lead.reply_overdue) == (Light.RED, True)


def test_a_denied_timely_request_then_a_reply_is_late(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _asked_in_time(cast, traveller)
        traveller.move_to(bj(3, 12, 9))
        t = services.deny_extension(t, actor=cast.supervisor, note="可按期办结")
        services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
        assert lead_of(t).reply_overdue is True


def test_a_request_filed_after_the_deadline_does_not_hold_the_sweep(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 11, 10, 5))
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
        traveller.move_to(bj(3, 11, 10, 30))
        sweep()
        lead = lead_of(t)
        assert (lead.light, lead.reply_overdue) == (Light.RED, True)
        traveller.move_to(bj(3, 12, 9))
        services.approve_extension(Ticket.objects.get(pk=t.pk), actor=cast.supervisor)
        assert lead_of(t).reply_overdue is True  # it was late before it asked


def test_the_order_waits_with_its_unit_and_is_not_flagged_late_when_the_extension_is_granted(cast: Cast) -> None:
    """Closing due Thu 03-13 10:00; 3 days asked on Fri 03-07; the centre answers only on Fri 03-14."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        assert t.close_due == bj(3, 13)
        traveller.move_to(bj(3, 7))
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
        traveller.move_to(bj(3, 13, 10, 30))
        sweep()
        t = Ticket.objects.get(pk=t.pk)
        assert (t.light, t.close_overdue) == (Light.YELLOW, False)
        traveller.move_to(bj(3, 14, 9))
        t = services.approve_extension(t, actor=cast.supervisor)
        assert t.close_due == bj(3, 18) and t.close_overdue is False and t.light != Light.RED
        sweep()
        assert Ticket.objects.get(pk=t.pk).close_overdue is False


def test_the_order_is_flagged_at_the_first_sweep_after_a_denial(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 7))
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
        traveller.move_to(bj(3, 14, 9))
        sweep()
        assert Ticket.objects.get(pk=t.pk).close_overdue is False
        services.deny_extension(Ticket.objects.get(pk=t.pk), actor=cast.supervisor, note="可按期办结")
        sweep()
        t = Ticket.objects.get(pk=t.pk)
        assert (t.light, t.close_overdue) == (Light.RED, True)


# --- A request belongs to its phase: leaving handling closes it ---------------------------------------------------


def test_a_request_left_pending_by_a_reply_is_closed_and_holds_nothing_after_rehandling(cast: Cast) -> None:
    """Asked for time, replied anyway (in time); the visit sends it back: the fresh deadline turns red as usual."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 5))
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需要协调")
        t = services.reply(t, actor=cast.lead_handler, content="已修复", contacted=True, resolved=True)
        assert Extension.objects.get(ticket=t).status == Decision.PENDING  # the centre may still decide (答复待审)
        t = services.approve_reply(t, actor=cast.inspector)
        ext = Extension.objects.get(ticket=t)
        assert (ext.status, ext.decided_by) == (Decision.REJECTED, None)
        assert t.timeline.last().data["extensions_closed"] == [ext.pk]
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                         satisfaction=Satisfaction.UNSATISFIED)
        assert t.status == Status.IN_PROGRESS
        traveller.move_to(bj(3, 20))
        sweep()
        lead, t = lead_of(t), Ticket.objects.get(pk=t.pk)
        assert (lead.light, lead.reply_overdue) == (Light.RED, True)
        assert (t.light, t.close_overdue) == (Light.RED, True)


def test_a_pending_request_from_an_earlier_phase_does_not_hold_the_sweep(cast: Cast) -> None:
    """A request still pending from before the running phase began (older data) holds neither deadline."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        lead = lead_of(t)
        Extension.objects.create(ticket=t, assignment=lead, days=3, reason="旧申请", requested_by=cast.lead_handler,
                                 requested_at=bj(3, 3))
        traveller.move_to(bj(3, 14))
        sweep()
        lead, t = lead_of(t), Ticket.objects.get(pk=t.pk)
        assert (lead.light, lead.reply_overdue) == (Light.RED, True)
        assert (t.light, t.close_overdue) == (Light.RED, True)


def test_an_assisting_units_request_neither_holds_nor_moves_the_close_deadline() -> None:
    cast = Cast.build(assisting=1)
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 7))
        services.request_extension(t, actor=cast.assist_handlers[0], unit=cast.assisting[0], days=3, reason="需配合")
        traveller.move_to(bj(3, 13, 10, 30))
        sweep()
        t = Ticket.objects.get(pk=t.pk)
        assert (t.light, t.close_overdue) == (Light.RED, True)
        assist = t.assignments.get(role=AssignmentRole.ASSIST)
        assert (assist.light, assist.reply_overdue) == (Light.YELLOW, False)  # the unit's own deadline waits
        t = services.approve_extension(t, actor=cast.dispatcher)
        assert t.close_due == bj(3, 13)
        assert t.assignments.get(role=AssignmentRole.ASSIST).reply_due == bj(3, 14)


# --- A reply made while a timely request waits is judged by the centre's decision -----------------------------------


def _replied_while_waiting(cast: Cast, traveller: time_machine.Coordinates) -> Ticket:
    t = _asked_in_time(cast, traveller)
    traveller.move_to(bj(3, 12, 9))
    t = services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
    assert lead_of(t).reply_overdue is False  # not yet known
    assert Extension.objects.get(ticket=t).status == Decision.PENDING
    with pytest.raises(RuleViolation):
        services.approve_reply(t, actor=cast.inspector)  # decide the request first
    return Ticket.objects.get(pk=t.pk)


def test_a_reply_while_the_request_waits_is_on_time_if_the_extension_is_granted(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _replied_while_waiting(cast, traveller)
        t = services.approve_extension(t, actor=cast.dispatcher)
        assert (lead_of(t).reply_due, lead_of(t).reply_overdue) == (bj(3, 14), False)
        services.approve_reply(t, actor=cast.inspector)


def test_a_reply_while_the_request_waits_is_late_if_the_extension_is_denied(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _replied_while_waiting(cast, traveller)
        t = services.deny_extension(t, actor=cast.dispatcher, note="可按期办结")
        assert lead_of(t).reply_overdue is True


def test_a_reply_while_the_request_waits_is_late_if_after_the_granted_deadline(cast: Cast) -> None:
    """One working day granted: due Wed 03-12 10:00, replied 11:00."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = _asked_in_time(cast, traveller)
        traveller.move_to(bj(3, 12, 11))
        t = services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
        assert lead_of(t).reply_overdue is False
        t = services.approve_extension(t, actor=cast.dispatcher, days=1)
        assert (lead_of(t).reply_due, lead_of(t).reply_overdue) == (bj(3, 12), True)


# --- An extension granted during a pause is judged when the clock runs again ---------------------------------------


def test_an_extension_granted_while_paused_sets_no_overdue_flag(cast: Cast) -> None:
    """Asked Wed 03-05, citizen asked the same day, granted on 03-24 (long after the old deadlines), resumed 03-25."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 5))
        services.request_extension(t, actor=cast.lead_handler, days=2, reason="需现场勘查")
        t = services.request_info(t, actor=cast.lead_handler, question="请提供具体位置照片")
        traveller.move_to(bj(3, 24))
        t = services.approve_extension(t, actor=cast.dispatcher)
        lead = lead_of(t)
        assert (lead.reply_overdue, t.close_overdue) == (False, False)
        assert (lead.light, t.light) != (Light.RED, Light.RED)
        traveller.move_to(bj(3, 25))
        t = services.resume(t, actor=cast.lead_handler)
        lead = lead_of(t)
        assert (lead.light, lead.reply_overdue, t.light, t.close_overdue) == (Light.GREEN, False, Light.GREEN, False)
        assert lead.phase_due == lead.reply_due and t.phase_due == t.close_due


# --- 重新启用 keeps the history: the late close of the earlier round ------------------------------------------------


def test_reopening_keeps_the_close_overdue_flag(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.AWAITING_VISIT, cast=cast)
        traveller.move_to(bj(3, 20))
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=Satisfaction.SATISFIED)
        assert (t.status, t.close_overdue) == (Status.CLOSED, True)
        t = services.reopen(t, actor=cast.supervisor, reason="问题复发")
        assert (t.status, t.close_overdue, t.close_due) == (Status.PENDING_DISPATCH, True, None)
