"""The centre's final decision (`final_units`) is never a lead whose return (退单) the centre accepted: that
assignment ends 已撤回 with its signing kept, and the unit the order went to next is the decision."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.routing import services
from hotline.routing.evaluation import evaluate
from hotline.routing.models import DispatchRecommendation
from hotline.tickets import services as tickets
from hotline.tickets.choices import AssignmentStatus, ReturnReason, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def _returned_and_sent_on(cast: Cast) -> tuple[Ticket, HandlingUnit]:
    """The lead signed, returned the order as not its duty; the centre accepted and sent it on, and it was signed."""
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    other_handler = UserFactory(role=Role.UNIT_HANDLER, units=[other])
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    tickets.return_order(ticket, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                         reason="不属于本单位职责")
    ticket.refresh_from_db()
    tickets.accept_return(ticket, actor=cast.dispatcher, lead=other)
    ticket.refresh_from_db()
    tickets.sign(ticket, actor=other_handler, unit=other)
    return ticket, other


def test_a_lead_whose_return_was_accepted_is_not_the_final_decision(frozen_now: datetime) -> None:
    cast = Cast.build()
    ticket, other = _returned_and_sent_on(cast)
    assert Assignment.objects.get(ticket=ticket, unit=cast.lead).status == AssignmentStatus.WITHDRAWN
    assert services.final_units([ticket.pk]).get(ticket.pk) == other


def test_a_returned_auto_dispatch_does_not_count_as_agreed(frozen_now: datetime) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    DispatchRecommendation.objects.create(ticket=ticket, created_at=ticket.registered_at, formula_version="dispatch-2",
                                          top_unit=cast.lead, confidence=0.95, auto_dispatched=True,
                                          top3=[{"unit_id": cast.lead.pk}])
    ticket.refresh_from_db()
    tickets.return_order(ticket, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                         reason="不属于本单位职责")
    ticket.refresh_from_db()
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    tickets.accept_return(ticket, actor=cast.dispatcher, lead=other)
    ticket.refresh_from_db()
    tickets.sign(ticket, actor=UserFactory(role=Role.UNIT_HANDLER, units=[other]), unit=other)
    report = evaluate()
    assert (report.auto, report.auto_agreed) == (1, 0)
