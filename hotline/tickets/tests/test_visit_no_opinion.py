"""A return visit that reached the citizen: resolved with no opinion on satisfaction (未表态) closes the order."""

from __future__ import annotations

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Assignment

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def _visit(cast, satisfaction: str, resolved: bool):
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    return services.record_return_visit(ticket, actor=cast.intake, contacted=True, resolved=resolved,
                                        satisfaction=satisfaction)


def test_resolved_without_an_opinion_closes_the_order(cast) -> None:
    ticket = _visit(cast, Satisfaction.NO_OPINION, resolved=True)
    assert ticket.status == Status.CLOSED
    assert ticket.rehandle_count == 0
    assert not Assignment.objects.filter(ticket=ticket, status__in=["pending_sign", "signed"]).exists()


def test_unresolved_without_an_opinion_is_still_sent_back(cast) -> None:
    ticket = _visit(cast, Satisfaction.NO_OPINION, resolved=False)
    assert ticket.status != Status.CLOSED
    assert ticket.rehandle_count == 1


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY])
def test_resolved_and_satisfied_closes_as_before(cast, satisfaction: str) -> None:
    assert _visit(cast, satisfaction, resolved=True).status == Status.CLOSED


def test_resolved_but_unsatisfied_is_still_sent_back(cast) -> None:
    ticket = _visit(cast, Satisfaction.UNSATISFIED, resolved=True)
    assert ticket.status != Status.CLOSED
    assert ticket.rehandle_count == 1
