"""The return visit records the citizen's answer to 「承办单位是否联系过您？」 (`unit_contacted`), the source of
响应率, and flags a "no" against a reply that claimed 已联系群众 (`contact_disputed`) for the centre."""

from __future__ import annotations

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _replied(cast: Cast, *, claims_contact: bool) -> Ticket:
    """An order awaiting its visit, the lead's approved reply saying 已联系群众 as given."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=claims_contact,
                       resolved=True)
    return services.approve_reply(t, actor=cast.inspector)


def _visit(t: Ticket, cast: Cast, **kwargs: object) -> Ticket:
    kwargs = {"contacted": True, "resolved": True, "satisfaction": Satisfaction.SATISFIED, **kwargs}
    return services.record_return_visit(t, actor=cast.inspector, **kwargs)


def _event(t: Ticket) -> TimelineEvent:
    return TimelineEvent.objects.filter(ticket=t, action=Action.RETURN_VISIT).latest("seq")


def test_the_citizens_yes_is_recorded_on_the_visit_and_in_the_event(cast: Cast) -> None:
    t = _visit(_replied(cast, claims_contact=True), cast, unit_contacted=True)
    assert t.status == Status.CLOSED
    visit = ReturnVisit.objects.get(ticket=t)
    assert visit.unit_contacted is True and not visit.contact_disputed
    data = _event(t).data
    assert data["unit_contacted"] is True and "contact_disputed" not in data


def test_a_no_against_a_reply_that_claimed_contact_is_flagged(cast: Cast) -> None:
    t = _visit(_replied(cast, claims_contact=True), cast, unit_contacted=False)
    assert t.status == Status.CLOSED  # the answer does not change what the visit decides
    visit = ReturnVisit.objects.get(ticket=t)
    assert visit.unit_contacted is False and visit.reply_claimed_contact is True and visit.contact_disputed
    data = _event(t).data
    assert (data["unit_contacted"], data["contact_disputed"]) == (False, True)


def test_a_no_where_the_reply_also_said_no_is_not_a_contradiction(cast: Cast) -> None:
    t = _visit(_replied(cast, claims_contact=False), cast, unit_contacted=False)
    visit = ReturnVisit.objects.get(ticket=t)
    assert visit.unit_contacted is False and not visit.contact_disputed
    data = _event(t).data
    assert data["unit_contacted"] is False and "contact_disputed" not in data


def test_without_an_answer_nothing_is_recorded(cast: Cast) -> None:
    t = _visit(make_ticket(Status.AWAITING_VISIT, cast=cast), cast)
    visit = ReturnVisit.objects.get(ticket=t)
    assert visit.unit_contacted is None and not visit.contact_disputed
    assert "unit_contacted" not in _event(t).data


def test_an_unanswered_call_keeps_no_answer(cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="13800001111")
    t = services.record_return_visit(t, actor=cast.inspector, contacted=False, unit_contacted=False)
    assert t.status == Status.AWAITING_VISIT
    assert ReturnVisit.objects.get(ticket=t).unit_contacted is None
    assert "unit_contacted" not in _event(t).data


def test_a_rehandling_visit_carries_the_flag_too(cast: Cast) -> None:
    t = _visit(_replied(cast, claims_contact=True), cast, resolved=False,
               satisfaction=Satisfaction.UNSATISFIED, unit_contacted=False)
    assert t.status == Status.IN_PROGRESS
    assert _event(t).data["contact_disputed"] is True


def test_a_check_on_site_asks_nothing_of_a_citizen(cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=True,
                                 method=VisitMethod.VERIFY, unit_contacted=True)
    assert ReturnVisit.objects.get(ticket=t).unit_contacted is None
