"""A claim (不合理诉求) still undecided when the order is reopened closes with its round; round 2 cannot decide it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.revisits import services as revisits
from hotline.revisits.choices import Outcome
from hotline.revisits.models import RevisitRule, SecondVisit
from hotline.tickets import services
from hotline.tickets.choices import Action, Decision, Satisfaction, Status
from hotline.tickets.exceptions import InvalidTransition
from hotline.tickets.models import Ticket, UnreasonableClaim
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

CLOSED_NOTE = "工单已重新办理，申请不再审定"


def _closed_with_a_pending_claim(cast: Cast, **draft: Any) -> Ticket:
    """Round 1: the lead applies, nobody decides, and a satisfied return visit closes the order."""
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, **draft)
    t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求关停合法经营店铺")
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert t.status == Status.CLOSED
    assert UnreasonableClaim.objects.get(ticket=t).status == Decision.PENDING
    return t


def _assert_closed_with_the_round(t: Ticket, at: datetime) -> None:
    claim = UnreasonableClaim.objects.get(ticket=t)
    assert (claim.status, claim.decided_by, claim.decided_at, claim.decision_note) == (
        Decision.REJECTED, None, at, CLOSED_NOTE)
    assert t.timeline.last().data["claims_closed"] == [claim.pk]


def test_reopen_closes_the_pending_claim_and_round_2_cannot_decide_it(cast: Cast, frozen_now: datetime) -> None:
    t = _closed_with_a_pending_claim(cast)
    t = services.reopen(t, actor=cast.supervisor, reason="问题复发")
    _assert_closed_with_the_round(t, frozen_now)
    t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)  # the same unit leads round 2
    t = services.sign(t, actor=cast.lead_handler)
    assert Action.DECIDE_UNREASONABLE not in available_actions(t, cast.supervisor)
    with pytest.raises(InvalidTransition):
        services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定不合理")
    client = Client()
    client.force_login(cast.supervisor)
    assert t.number not in client.get(reverse("queue-approvals")).content.decode()
    assert t.number not in {o.number for o in client.get(reverse("orders"), {"pending": "unreasonable"})
                            .context["orders"]}
    # round 2's lead may apply afresh
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="诉求超出政策范围")
    assert UnreasonableClaim.objects.filter(ticket=t, status=Decision.PENDING).count() == 1


def test_a_second_visit_reopening_closes_the_pending_claim_too(
        cast: Cast, traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    RevisitRule.objects.update(is_active=False)
    RevisitRule.objects.create(name="反复性投诉", request_type="complaint", keywords="噪音", delay_days=30)
    with django_capture_on_commit_callbacks(execute=True):
        t = _closed_with_a_pending_claim(cast, description="楼下烧烤店每晚噪音扰民到凌晨两点")
    traveller.shift(timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        revisits.record(SecondVisit.objects.get(ticket=t), actor=cast.inspector, outcome=Outcome.BACK,
                        note="烧烤店又开始深夜营业")
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH
    _assert_closed_with_the_round(t, t.timeline.last().at)
