"""A claim (不合理诉求) lives only while its unit leads the order: 并单 and an accepted 退单 close it, and the
centre's decision takes the current lead's claim, never one of a unit that left. Unit lists refuse ids no
unit can have with a 400."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import Action, Decision, ReturnReason, Status
from hotline.tickets.exceptions import InvalidTransition
from hotline.tickets.models import Ticket, UnreasonableClaim
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.queues.selectors import PENDING_KINDS

pytestmark = pytest.mark.django_db


def _claim(t: Ticket, cast: Cast) -> UnreasonableClaim:
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="诉求人反复要求超出政策范围的补偿")
    return UnreasonableClaim.objects.get(ticket=t, status=Decision.PENDING)


def _waiting(t: Ticket) -> bool:
    """Whether the centre's 待审批 queue lists a claim of this order."""
    return PENDING_KINDS["unreasonable"].waiting().filter(ticket=t).exists()


def _return(t: Ticket, cast: Cast) -> Ticket:
    return services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.values[0],
                                 reason="不属本单位职责")


def _closed(claim: UnreasonableClaim, at: datetime, note: str) -> None:
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.decided_at, claim.decision_note) == (
        Decision.REJECTED, None, at, note)


def test_merge_closes_the_pending_claim_and_names_it_in_the_event(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    claim = _claim(t, cast)
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.merge(t, actor=cast.dispatcher, master=master, note="重复诉求")
    assert t.status == Status.MERGED
    _closed(claim, frozen_now, "工单已并单，申请不再审定")
    assert t.timeline.last().data["claims_closed"] == [claim.pk]
    assert not _waiting(t)


def test_merge_without_a_pending_claim_records_no_claims(cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.merge(t, actor=cast.dispatcher, master=make_ticket(Status.IN_PROGRESS, cast=cast))
    assert "claims_closed" not in t.timeline.last().data


def test_an_accepted_return_closes_the_returning_units_claim(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    claim = _claim(t, cast)
    t = _return(t, cast)
    claim.refresh_from_db()
    assert claim.status == Decision.PENDING  # the centre may still send the order back to the unit
    services.accept_return(t, actor=cast.dispatcher, note="同意")
    _closed(claim, frozen_now, "工单已退单，申请不再审定")
    assert not _waiting(t)


def test_a_rejected_return_keeps_the_claim_for_the_centre_to_decide(cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    claim = _claim(t, cast)
    t = services.reject_return(_return(t, cast), actor=cast.dispatcher, note="属本单位职责，继续办理")
    assert _waiting(t)
    services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定为不合理诉求")
    claim.refresh_from_db()
    assert claim.status == Decision.APPROVED


def _redispatched(t: Ticket, cast: Cast) -> tuple[Ticket, HandlingUnit, object]:
    """The lead returns the order, the centre agrees and sends it to another street, which signs."""
    t = _return(t, cast)
    unit = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[unit])
    t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=unit)
    return services.sign(t, actor=handler), unit, handler


def test_after_a_return_and_redispatch_the_decision_takes_the_new_leads_claim(cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    old = _claim(t, cast)
    t, unit, handler = _redispatched(t, cast)
    t = services.apply_unreasonable(t, actor=handler, reason="诉求人要求超出政策范围")
    new = UnreasonableClaim.objects.get(ticket=t, unit=unit)
    t = services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定为不合理诉求")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (new.status, old.status) == (Decision.APPROVED, Decision.REJECTED)
    assert t.timeline.last().data == {"claim": new.pk, "approved": True, "note": "认定为不合理诉求"}


def test_a_stale_claim_of_a_unit_that_left_is_never_decided(cast: Cast, frozen_now: datetime) -> None:
    """Even a claim left pending by an earlier round (data from before claims closed) is not the decision's."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t, unit, handler = _redispatched(t, cast)
    stale = UnreasonableClaim.objects.create(ticket=t, unit=cast.lead, reason="旧申请", applicant=cast.lead_handler,
                                             applied_at=frozen_now)
    with pytest.raises(InvalidTransition):
        services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定为不合理诉求")
    t = services.apply_unreasonable(t, actor=handler, reason="诉求人要求超出政策范围")
    services.decide_unreasonable(t, actor=cast.supervisor, approve=False, note="不认定")
    stale.refresh_from_db()
    assert stale.status == Decision.PENDING
    assert UnreasonableClaim.objects.get(ticket=t, unit=unit).status == Decision.REJECTED


def test_accept_return_with_an_out_of_range_unit_id_answers_400(cast: Cast) -> None:
    t = make_ticket(Status.RETURNED, cast=cast)
    client = Client(raise_request_exception=False)
    client.force_login(cast.dispatcher)
    response = client.post(reverse("order-act", args=[t.number, Action.ACCEPT_RETURN]),
                           {"version": str(t.version), "accept_return-assisting": "99999999999999999999999"})
    assert response.status_code == 400
    t.refresh_from_db()
    assert t.status == Status.RETURNED
    assert Action.ACCEPT_RETURN in available_actions(t, cast.dispatcher)
