"""The demo reopens one of last month's direct answers (no order added), draws its sample and scores about two thirds of it through the services, with one appeal pending and one decided; loading it again
changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.demo.inspection import load_inspection
from hotline.inspection.choices import InspectionStatus, SampleReason
from hotline.inspection.models import Criterion, Inspection, InspectionEvent
from hotline.inspection.tests.conftest import order
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_scores_two_thirds_of_last_months_sample_once(criteria: dict[str, Criterion],
                                                               frozen_now: datetime) -> None:
    people = {name: UserFactory(username=name, role=role) for name, role in (
        ("inspector", Role.INSPECTOR), ("supervisor", Role.SUPERVISOR), ("agent1", Role.INTAKE),
        ("agent2", Role.INTAKE))}
    for agent in ("agent1", "agent2"):
        cast = Cast.build(intake=people[agent], inspector=people["inspector"], supervisor=people["supervisor"])
        for status in (Status.PENDING_DISPATCH, Status.ANSWERED, Status.NOT_ACCEPTED) * 2:
            order(cast, status)

    scored = load_inspection(now=frozen_now)
    assert Ticket.objects.count() == 12  # no order added
    reasons = list(Inspection.objects.values_list("agent__username", "reason").exclude(reason=SampleReason.RANDOM))
    assert reasons == [("agent1", SampleReason.ANSWER_REOPENED)]
    statuses = list(Inspection.objects.values_list("status", flat=True))
    assert len(statuses) == 11 and scored == 8  # 5 at random each (the minimum) and 1 targeted; two of three scored
    assert statuses.count(InspectionStatus.PENDING) == 3
    appealed = Inspection.objects.get(status=InspectionStatus.APPEALED)
    revised = Inspection.objects.get(status=InspectionStatus.REVISED)
    assert (appealed.agent, revised.agent, revised.decided_by) == (people["agent1"], people["agent2"],
                                                                   people["supervisor"])
    decision = revised.events.order_by("seq").last()
    assert decision.score_before < decision.score_after == revised.score
    events = InspectionEvent.objects.count()
    assert load_inspection(now=frozen_now) == 0 and InspectionEvent.objects.count() == events
    assert Ticket.objects.filter(status=Status.PENDING_DISPATCH).count() == 5  # 4 sent on, 1 reopened once


def test_one_direct_answer_is_reopened_once_even_before_anything_is_scored(criteria: dict[str, Criterion],
                                                                          frozen_now: datetime) -> None:
    from hotline.demo.inspection import _seed_targeted
    from hotline.kpis.periods import month
    from hotline.tickets.choices import Action
    from hotline.tickets.models import TimelineEvent

    supervisor = UserFactory(role=Role.SUPERVISOR)
    cast = Cast.build(supervisor=supervisor)
    answers = [order(cast, Status.ANSWERED) for _ in range(2)]
    _seed_targeted(month(2025, 2), {"supervisor": supervisor})
    _seed_targeted(month(2025, 2), {"supervisor": supervisor})
    reopened = TimelineEvent.objects.get(action=Action.REOPEN)
    assert (reopened.ticket_id, reopened.actor) == (answers[0].pk, supervisor)
    assert reopened.at < frozen_now
