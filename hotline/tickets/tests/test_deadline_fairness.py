"""A unit is never marked late for time it could not act: a return under review, an extension awaiting approval."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, ReturnReason, Status
from hotline.tickets.models import Assignment, Ticket
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
