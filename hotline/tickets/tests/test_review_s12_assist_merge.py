"""并单 (merge) ends an assisting unit that had already given its opinion (已答复) as 已完成, as 终止办理 does.

Reviewer's finding (rv11): the merge withdrew it (已撤回) like a unit that never answered.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_a_merged_order_keeps_the_assisting_units_given_reply_as_done(frozen_now: datetime) -> None:
    team = Cast.build(assisting=2)
    ticket = make_ticket(Status.IN_PROGRESS, cast=team)
    services.reply(ticket, actor=team.assist_handlers[0], unit=team.assisting[0], content="已配合排查线路",
                   contacted=False, resolved=True)
    services.merge(ticket, actor=team.dispatcher, master=make_ticket(Status.DISPATCHED))
    ended = {a.unit_id: (a.status, a.ended_at is not None)
             for a in Assignment.objects.filter(ticket=ticket)}
    assert ended[team.assisting[0].pk] == (AssignmentStatus.COMPLETED, True)  # it did its part
    assert ended[team.assisting[1].pk] == (AssignmentStatus.WITHDRAWN, True)  # signed, never answered
    assert ended[team.lead.pk] == (AssignmentStatus.WITHDRAWN, True)


def test_a_reassignment_still_withdraws_an_assisting_unit_that_replied(frozen_now: datetime) -> None:
    """Only the merge changes: 改派 (and 同意退单) release every unit as 已撤回, the order going on elsewhere."""
    team = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=team)
    services.reply(ticket, actor=team.assist_handlers[0], unit=team.assisting[0], content="已配合排查线路",
                   contacted=False, resolved=True)
    other = HandlingUnitFactory(kind=team.lead.kind, parent=team.lead.parent)
    services.reassign(ticket, actor=team.dispatcher, reason="派单有误", lead=other)
    first = Assignment.objects.filter(ticket=ticket, role=AssignmentRole.ASSIST).order_by("pk").first()
    assert first is not None and first.status == AssignmentStatus.WITHDRAWN
