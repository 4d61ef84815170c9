"""终止办理 of a master order (并单): a reason about its caller cannot end the orders merged into it."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import translation

from hotline.tickets import services
from hotline.tickets.choices import Action, Decision, Status, TerminationReason
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import TerminationRequest, Ticket
from hotline.tickets.public_text import citizen_text
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db


def _master_with_merged(cast: Cast, code: str, merged: int = 2) -> Ticket:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    for _i in range(merged):
        services.merge(make_ticket(Status.PENDING_DISPATCH, cast=cast), actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    return services.apply_termination(master, actor=cast.lead_handler, reason_code=code, reason="群众来电称撤回")


@pytest.mark.parametrize("code", [TerminationReason.WITHDRAWN, TerminationReason.UNREACHABLE])
def test_a_callers_reason_is_refused_while_orders_are_merged_in(frozen_now: datetime, cast: Cast, code: str) -> None:
    master = _master_with_merged(cast, code)
    before = stored(master), master.timeline.count()

    with pytest.raises(RuleViolation, match="已有2张工单并入本工单.*请驳回申请，由承办单位继续办理"):
        services.decide_termination(master, actor=cast.dispatcher, approve=True, note="同意")

    assert (stored(master), master.timeline.count()) == before
    assert TerminationRequest.objects.get(ticket=master).status == Decision.PENDING
    # The decider rejects; the unit handles on, for every caller.
    master = services.decide_termination(master, actor=cast.dispatcher, approve=False, note="另有群众等待答复")
    assert master.status == Status.IN_PROGRESS
    assert set(Ticket.objects.filter(master=master).values_list("status", flat=True)) == {Status.MERGED}


@pytest.mark.parametrize("code", [TerminationReason.LEGAL_CHANNEL, TerminationReason.DUPLICATE,
                                  TerminationReason.OTHER])
def test_a_reason_about_the_matter_ends_it_for_every_caller(frozen_now: datetime, cast: Cast, code: str) -> None:
    master = _master_with_merged(cast, code, merged=1)
    master = services.decide_termination(master, actor=cast.dispatcher, approve=True, note="核实属实")
    assert master.status == Status.TERMINATED


def test_a_callers_reason_without_merged_orders_is_approved(frozen_now: datetime, cast: Cast) -> None:
    master = _master_with_merged(cast, TerminationReason.WITHDRAWN, merged=0)
    assert services.decide_termination(master, actor=cast.dispatcher, approve=True, note="同意").status \
        == Status.TERMINATED


def test_the_public_words_follow_the_readers_language(frozen_now: datetime, cast: Cast) -> None:
    """Stored in Chinese (SMS), built again from the reason code for an English page."""
    t = _master_with_merged(cast, TerminationReason.WITHDRAWN, merged=0)
    with translation.override("en"):
        t = services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")
    event = t.timeline.get(action=Action.DECIDE_TERMINATION)
    assert event.note == "经热线中心审核，终止办理：诉求人撤回"
    assert citizen_text(event.action, event.note, event.data) == "经热线中心审核，终止办理：诉求人撤回"
    with translation.override("en"):
        english = citizen_text(event.action, event.note, event.data)
    assert "终止" not in english and "Withdrawn by the citizen" in english
    rejected = {**event.data, "approved": False}
    with translation.override("en"):
        assert citizen_text(event.action, event.note, rejected) == ""


def test_the_decision_form_says_how_many_orders_wait(frozen_now: datetime, cast: Cast) -> None:
    """The dispatcher reads it before deciding, not only in the refusal."""
    from django.test import Client

    master = _master_with_merged(cast, TerminationReason.WITHDRAWN)
    client = Client()
    client.force_login(cast.dispatcher)
    body = client.get(f"/orders/{master.number}/").content.decode()
    assert "已有2张工单并入本工单：以「诉求人撤回」或「无法联系」为由的申请不能同意" in body
    lone = _master_with_merged(cast, TerminationReason.OTHER, merged=0)
    assert "并入本工单：" not in client.get(f"/orders/{lone.number}/").content.decode()
