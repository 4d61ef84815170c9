"""Taking a call with its first decision on PostgreSQL: the order is written once, already decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.services import TicketDraft
from hotline.workbench.intake import services as intake
from hotline.workbench.intake.choices import Decision
from hotline.workbench.intake.services import take_call

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ids are taken first only from PostgreSQL's sequence"),
    pytest.mark.django_db,
]

#: Columns that differ between two registrations of the same call.
_OWN = {"id", "number", "query_code", "registered_at", "updated_at", "created_at", "closed_at"}


def draft(org: Any) -> TicketDraft:
    return TicketDraft(request_type="complaint", title="", description="小区门口路灯不亮，晚上出行不便",
                       caller_phone="13900001111", caller_name="张先生", district=org.district, street=org.street_a)


def timeline(ticket: Ticket) -> list[tuple]:
    return list(TimelineEvent.objects.filter(ticket=ticket).order_by("seq").values_list(
        "seq", "action", "from_status", "to_status", "note", "data", "is_public", "actor_id", "actor_label"))


@pytest.mark.parametrize(("decision", "args", "status"), [
    (Decision.DISPATCH, {}, Status.PENDING_DISPATCH),
    (Decision.ANSWER, {"answer": "已告知市民路灯报修电话"}, Status.ANSWERED),
    (Decision.TRANSFER, {"to": "110", "note": "有人受伤"}, Status.TRANSFERRED),
    (Decision.NOT_ACCEPT, {"reason": "other", "note": "属于司法程序"}, Status.NOT_ACCEPTED),
])
def test_the_order_is_written_once_and_equals_the_two_step_path(org: Any, cast: Any, frozen_now: datetime,
                                                                 django_capture_on_commit_callbacks: Any,
                                                                 decision: str, args: dict, status: str) -> None:
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks() as callbacks:
        once = take_call(draft(org), actor=cast.intake, decision=decision, **args)
    seen = [q["sql"] for q in captured.captured_queries]
    ticket_writes = [s.split("(")[0].strip() for s in seen if '"tickets_ticket"' in s.split("(")[0]]
    assert ticket_writes == ['INSERT INTO "tickets_ticket"']  # no UPDATE after the INSERT
    assert sum(1 for s in seen if s.startswith('INSERT INTO "tickets_timelineevent"')) == 1  # both events at once
    assert len(callbacks) == 2  # the follow-up of both steps, registration first (checked below)

    with services.all_or_nothing():  # the same call the long way: written as registered, then decided
        twice = services.register(draft(org), actor=cast.intake)
        with services.held(twice):
            intake._STEPS[decision](twice, actor=cast.intake, **args)
    once.refresh_from_db()
    twice.refresh_from_db()
    assert once.status == twice.status == status and once.version == twice.version == 2
    assert once.number.endswith(f"{once.pk:07d}")
    mine = {k: v for k, v in model_to_dict(once).items() if k not in _OWN}
    theirs = {k: v for k, v in model_to_dict(twice).items() if k not in _OWN}
    assert mine == theirs
    assert timeline(once) == timeline(twice)
    actions = [e.action for e in TimelineEvent.objects.filter(ticket=once).order_by("id")]
    assert actions == ["register", decision_action(decision)]


def decision_action(decision: str) -> str:
    return {Decision.DISPATCH: "send_to_dispatch", Decision.ANSWER: "answer_directly",
            Decision.TRANSFER: "transfer", Decision.NOT_ACCEPT: "not_accept"}[decision]


def test_a_refused_first_decision_writes_nothing(org: Any, cast: Any) -> None:
    before = (Ticket.objects.count(), TimelineEvent.objects.count())
    with pytest.raises(RuleViolation):
        take_call(draft(org), actor=cast.intake, decision=Decision.NOT_ACCEPT, reason="nonsense")
    assert (Ticket.objects.count(), TimelineEvent.objects.count()) == before


def test_a_block_without_a_decision_writes_the_order_as_registered(org: Any, cast: Any) -> None:
    with services.all_or_nothing():
        ticket, registration = services.register_unwritten(draft(org), actor=cast.intake)
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
        with services.first_decision(ticket, registration):
            pass
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.REGISTERED and stored.number == ticket.number
    assert [row[1] for row in timeline(stored)] == ["register"]


@pytest.mark.django_db(transaction=True)
def test_registering_unwritten_needs_a_transaction(org: Any, cast: Any) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        services.register_unwritten(draft(org), actor=cast.intake)
    assert not Ticket.objects.exists()
