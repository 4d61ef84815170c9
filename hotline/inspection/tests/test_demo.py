"""The demo draws last month's sample and scores about two thirds of it through the services, with one appeal
pending and one decided; loading it again changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.demo.inspection import load_inspection
from hotline.inspection.choices import InspectionStatus
from hotline.inspection.models import Criterion, Inspection, InspectionEvent
from hotline.inspection.tests.conftest import order
from hotline.tickets.choices import Status
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
    statuses = list(Inspection.objects.values_list("status", flat=True))
    assert len(statuses) == 10 and scored == 7  # 5 each (the minimum), two of every three scored
    assert statuses.count(InspectionStatus.PENDING) == 3
    appealed = Inspection.objects.get(status=InspectionStatus.APPEALED)
    revised = Inspection.objects.get(status=InspectionStatus.REVISED)
    assert (appealed.agent, revised.agent, revised.decided_by) == (people["agent1"], people["agent2"],
                                                                   people["supervisor"])
    decision = revised.events.order_by("seq").last()
    assert decision.score_before < decision.score_after == revised.score
    events = InspectionEvent.objects.count()
    assert load_inspection(now=frozen_now) == 0 and InspectionEvent.objects.count() == events
