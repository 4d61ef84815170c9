"""A waiting 终止办理 request: held on the order page, and closed undecided when handling ends another way."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Decision, Status, TerminationReason
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import TerminationRequest, Ticket
from hotline.tickets.services.holds import held_steps
from hotline.tickets.services.termination import TERMINATION_WAITS, close_pending_terminations
from hotline.tickets.tests.factories import NOW, Cast, make_ticket

pytestmark = pytest.mark.django_db


def _apply(t: Ticket, cast: Cast) -> Ticket:
    return services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.UNREACHABLE,
                                      reason="两次致电均无人接听")


def _request(t: Ticket) -> TerminationRequest:
    return TerminationRequest.objects.get(ticket=t)


def test_a_second_request_is_held_in_the_services_words(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    assert held_steps(t, cast.lead_handler, [Action.APPLY_TERMINATION]) == {}
    t = _apply(t, cast)
    assert held_steps(t, cast.lead_handler, [Action.APPLY_TERMINATION, Action.REPLY]) == {
        Action.APPLY_TERMINATION: str(TERMINATION_WAITS)}
    with pytest.raises(RuleViolation, match=str(TERMINATION_WAITS)):
        _apply(t, cast)
    t = services.decide_termination(t, actor=cast.dispatcher, approve=False, note="请上门核实")
    assert held_steps(t, cast.lead_handler, [Action.APPLY_TERMINATION]) == {}  # refused: it may apply again


def test_the_leads_reply_closes_the_request_undecided(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
    t = services.reply(t, actor=cast.lead_handler, content="已联系上群众并处理", contacted=True, resolved=True)
    request = _request(t)
    assert (request.status, request.decided_by, request.decided_at) == (Decision.REJECTED, None, NOW)
    assert "答复" in request.decision_note
    assert t.timeline.last().data["terminations_closed"] == [request.pk]


def test_an_assisting_units_reply_leaves_it_waiting(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
    services.reply(t, actor=cast.assist_handlers[0], content="已配合排查", contacted=False, resolved=True)
    assert _request(t).status == Decision.PENDING


def test_send_back_closes_a_request_left_from_before_the_reply(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.REPLIED, cast=cast)
    # A request the reply did not close (made before the reply closed them): the round is over at the review.
    stale = TerminationRequest.objects.create(ticket=t, unit=cast.lead, reason_code=TerminationReason.OTHER,
                                              reason="旧申请", applicant=cast.lead_handler, applied_at=NOW)
    t = services.send_back(t, actor=cast.inspector, reason="答复未回应诉求")
    stale.refresh_from_db()
    assert stale.status == Decision.REJECTED and stale.decided_by is None
    assert t.timeline.last().data["terminations_closed"] == [stale.pk]


def test_reopen_closes_a_waiting_request(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.CLOSED, cast=cast)
    stale = TerminationRequest.objects.create(ticket=t, unit=cast.lead, reason_code=TerminationReason.OTHER,
                                              reason="旧申请", applicant=cast.lead_handler, applied_at=NOW)
    t = services.reopen(t, actor=cast.inspector, reason="问题复发")
    stale.refresh_from_db()
    assert stale.status == Decision.REJECTED and "重新办理" in stale.decision_note
    assert t.timeline.last().data == {"terminations_closed": [stale.pk]}


def test_close_pending_terminations_leaves_decided_ones(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
    t = services.decide_termination(t, actor=cast.dispatcher, approve=False, note="继续办理")
    assert close_pending_terminations(t, NOW, "x") == []
    assert _request(t).decision_note == "继续办理"


def test_a_return_closes_the_request_undecided(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
    t = services.return_order(t, actor=cast.lead_handler, reason_code="not_our_duty", reason="不属于本单位职责")
    request = _request(t)
    assert (request.status, request.decided_by) == (Decision.REJECTED, None)
    assert t.timeline.last().data["terminations_closed"] == [request.pk]


def test_a_merge_closes_the_request_undecided(frozen_now: datetime, cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
    t = services.merge(t, actor=cast.dispatcher, master=master, note="同一事项")
    assert t.status == Status.MERGED and _request(t).status == Decision.REJECTED
    assert t.timeline.filter(action=Action.MERGE).get().data["terminations_closed"] == [_request(t).pk]
