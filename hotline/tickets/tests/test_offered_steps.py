"""Steps offered on the order page agree with the services: the current round's lead, the return window."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.tickets import services
from hotline.tickets.choices import Action, ReturnReason, Status
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.models import UnreasonableClaim
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import NOW, Cast, make_ticket


@pytest.fixture
def reopened_elsewhere(db: None) -> tuple:
    """An order closed by its first lead, reopened and dispatched to (and signed by) another unit."""
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(Status.CLOSED)
    cast = ticket.cast
    other = Cast.build(intake=cast.intake, dispatcher=cast.dispatcher, inspector=cast.inspector,
                       supervisor=cast.supervisor)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        services.reopen(ticket, actor=cast.inspector, reason="问题复发")
        services.dispatch(ticket, actor=cast.dispatcher, lead=other.lead)
        services.sign(ticket, actor=other.lead_handler, unit=other.lead)
    ticket.refresh_from_db()
    return ticket, cast.lead_handler, other.lead_handler


def test_earlier_lead_may_not_apply_unreasonable_after_reopen(reopened_elsewhere: tuple) -> None:
    ticket, old_handler, new_handler = reopened_elsewhere
    with time_machine.travel(NOW + timedelta(days=1, hours=1), tick=False):
        assert Action.APPLY_UNREASONABLE not in available_actions(ticket, old_handler)
        with pytest.raises(NotPermitted):
            services.apply_unreasonable(ticket, actor=old_handler, reason="该群众反复投诉")
        assert not UnreasonableClaim.objects.filter(ticket=ticket).exists()
        # the current lead is not blocked
        assert Action.APPLY_UNREASONABLE in available_actions(ticket, new_handler)
        services.apply_unreasonable(ticket, actor=new_handler, reason="本单位申请")
    assert UnreasonableClaim.objects.get(ticket=ticket).unit == ticket.assignments.order_by("-id")[0].unit


def test_return_is_not_offered_after_the_return_window(db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(Status.DISPATCHED)
        handler = ticket.cast.lead_handler
        assert Action.RETURN in available_actions(ticket, handler)
    due = ticket.assignments.get().return_due
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert Action.RETURN not in available_actions(ticket, handler)
        with pytest.raises(RuleViolation):
            services.return_order(ticket, actor=handler, reason_code=ReturnReason.NOT_OUR_DUTY, reason="不属于本单位")


def test_designated_order_offers_no_return(db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(Status.DISPATCHED, designate=True)
        assert Action.RETURN not in available_actions(ticket, ticket.cast.lead_handler)


@pytest.mark.django_db
def test_an_assisting_unit_may_sign_while_the_leads_return_is_reviewed(frozen_now) -> None:  # noqa: ANN001
    """Its sign-in clock keeps running during 退单待审, so it must be able to sign (else it is marked late)."""
    from hotline.tickets import services
    from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, Status
    from hotline.tickets.permissions import available_actions
    from hotline.tickets.tests.factories import Cast, make_ticket

    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.RETURNED, cast=cast, assist_signs=False)
    helper = cast.assist_handlers[0]
    assert Action.SIGN_ASSIST in available_actions(ticket, helper)
    services.sign(ticket, actor=helper, unit=cast.assisting[0])
    ticket.refresh_from_db()
    assist = ticket.assignments.get(role=AssignmentRole.ASSIST)
    assert ticket.status == Status.RETURNED and assist.status == AssignmentStatus.SIGNED and not assist.sign_overdue
