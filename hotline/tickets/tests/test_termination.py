"""终止办理: the lead unit applies, the centre decides after a written review; approved, every clock stops."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.sla import sweep
from hotline.sla.choices import Light
from hotline.tickets import services
from hotline.tickets.choices import FINISHED, Action, AssignmentStatus, Decision, Status, TerminationReason
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Extension, TerminationRequest, Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.public_text import citizen_text, status_text
from hotline.tickets.tests.factories import NOW, Cast, make_ticket, stored
from hotline.tickets.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db

ACCOUNT = "3月2日、3日两次致电13812345678均无人接听，上门无人"


def _apply(t: Ticket, cast: Cast, code: str = TerminationReason.UNREACHABLE) -> Ticket:
    return services.apply_termination(t, actor=cast.lead_handler, reason_code=code, reason=ACCOUNT)


def test_the_transition_rows() -> None:
    apply, decide = TRANSITIONS[Action.APPLY_TERMINATION], TRANSITIONS[Action.DECIDE_TERMINATION]
    assert apply.sources == {Status.IN_PROGRESS, Status.AWAITING_CITIZEN} and apply.keeps_status and apply.by_unit
    assert apply.roles == {Role.UNIT_HANDLER, Role.UNIT_ADMIN}
    assert decide.sources == apply.sources and Status.TERMINATED in decide.targets
    assert Role.DISPATCHER in decide.roles and Role.SUPERVISOR in decide.roles and Role.UNIT_HANDLER not in decide.roles
    assert Status.TERMINATED in TRANSITIONS[Action.REOPEN].sources and Status.TERMINATED in FINISHED


def test_approved_the_order_is_terminated_with_every_clock_stopped(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调物业")
    t = _apply(t, cast)
    request = TerminationRequest.objects.get(ticket=t)
    assert request.status == Decision.PENDING and request.unit == cast.lead and t.status == Status.IN_PROGRESS
    t = services.decide_termination(t, actor=cast.dispatcher, approve=True, note="核实通话记录属实，同意终止")
    assert t.status == Status.TERMINATED and t.closed_at == NOW and t.light == Light.NONE and t.phase_due is None
    request.refresh_from_db()
    assert request.status == Decision.APPROVED and request.decided_by == cast.dispatcher
    assert set(Assignment.objects.filter(ticket=t).values_list("status", flat=True)) == {AssignmentStatus.WITHDRAWN}
    assert not Assignment.objects.filter(ticket=t).exclude(light=Light.NONE).exists()
    assert Extension.objects.get(ticket=t).status == Decision.REJECTED  # closed, not waiting for the centre
    event = t.timeline.last()
    assert event.is_public and event.note == "经热线中心审核，终止办理：无法联系且无法核实"
    assert ACCOUNT not in event.note and "核实通话记录" not in event.note


def test_no_red_light_after_approval(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast)
        services.decide_termination(t, actor=cast.supervisor, approve=True, note="同意")
    with time_machine.travel(NOW + timedelta(days=60), tick=False):
        sweep.sweep()
    t.refresh_from_db()
    lead = Assignment.objects.get(ticket=t)
    assert t.light == lead.light == Light.NONE and not t.close_overdue and not lead.reply_overdue


def test_from_awaiting_citizen_the_pause_ends(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.AWAITING_CITIZEN, cast=cast), cast, TerminationReason.WITHDRAWN)
    t = services.decide_termination(t, actor=cast.dispatcher, approve=True, note="群众来电撤回")
    assert t.status == Status.TERMINATED and t.paused_at is None
    assert not Assignment.objects.filter(ticket=t, paused_at__isnull=False).exists()


def test_rejected_the_order_goes_on_and_the_unit_reads_why(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.AWAITING_CITIZEN, cast=cast), cast)
    t = services.decide_termination(t, actor=cast.dispatcher, approve=False, note="请再联系一次并上门核实")
    assert t.status == Status.AWAITING_CITIZEN and t.closed_at is None
    event = t.timeline.last()
    assert not event.is_public and "请再联系一次并上门核实" in event.note
    assert citizen_text(event.action, event.note, event.data) == ""
    assert TerminationRequest.objects.get(ticket=t).status == Decision.REJECTED
    _apply(t, cast)  # after a refusal the unit may apply again


def test_refusals_change_nothing(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.OTHER, reason="  ")
    with pytest.raises(RuleViolation):
        services.apply_termination(t, actor=cast.lead_handler, reason_code="bogus", reason=ACCOUNT)
    with pytest.raises(NotPermitted):  # a centre role may not apply
        services.apply_termination(t, actor=cast.dispatcher, reason_code=TerminationReason.OTHER, reason=ACCOUNT)
    with pytest.raises(NotPermitted):  # another unit's handler
        services.apply_termination(t, actor=Cast.build().lead_handler, reason_code="other", reason=ACCOUNT)
    with pytest.raises(InvalidTransition):  # nothing to decide
        services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")
    assert stored(t) == before
    t = _apply(t, cast)
    with pytest.raises(RuleViolation):  # one pending request at a time
        _apply(t, cast)
    with pytest.raises(RuleViolation):  # the written review is required
        services.decide_termination(t, actor=cast.dispatcher, approve=True, note=" ")
    with pytest.raises(NotPermitted):
        services.decide_termination(t, actor=cast.lead_handler, approve=True, note="同意")
    assert TerminationRequest.objects.filter(ticket=t).count() == 1


def test_wrong_status_and_assisting_unit_are_refused(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    with pytest.raises(InvalidTransition):
        _apply(make_ticket(Status.REPLIED, cast=cast), cast)
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    with pytest.raises(NotPermitted):  # an assisting unit is not the lead
        services.apply_termination(t, actor=cast.assist_handlers[0], reason_code="other", reason=ACCOUNT)


def test_an_earlier_rounds_lead_may_not_apply(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.return_order(t, actor=cast.lead_handler, reason_code="not_our_duty", reason="非本单位职责")
    other = Cast.build()
    t = services.accept_return(t, actor=cast.dispatcher, lead=other.lead)
    t = services.sign(t, actor=other.lead_handler)
    assert Action.APPLY_TERMINATION not in available_actions(t, cast.lead_handler)
    with pytest.raises(NotPermitted):
        _apply(t, cast)
    assert Action.APPLY_TERMINATION in available_actions(t, other.lead_handler)


def test_the_steps_are_offered_to_the_right_people(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    assert Action.APPLY_TERMINATION in available_actions(t, cast.lead_handler)
    assert Action.DECIDE_TERMINATION not in available_actions(t, cast.dispatcher)  # nothing pending
    t = _apply(t, cast)
    assert Action.DECIDE_TERMINATION in available_actions(t, cast.dispatcher)
    assert Action.DECIDE_TERMINATION in available_actions(t, cast.supervisor)
    assert Action.DECIDE_TERMINATION not in available_actions(t, cast.inspector)
    assert Action.DECIDE_TERMINATION not in available_actions(t, cast.lead_handler)


def test_a_terminated_order_may_be_reopened(frozen_now: datetime, cast: Cast) -> None:
    t = _apply(make_ticket(Status.IN_PROGRESS, cast=cast), cast, TerminationReason.WITHDRAWN)
    t = services.decide_termination(t, actor=cast.supervisor, approve=True, note="同意")
    t = services.reopen(t, actor=cast.inspector, reason="群众再次来电，问题仍在")
    assert t.status == Status.PENDING_DISPATCH and t.closed_at is None


def test_public_status_text_only_after_approval() -> None:
    text = "经热线中心审核，终止办理：诉求人撤回"
    assert status_text(Status.TERMINATED, Action.DECIDE_TERMINATION, text) == text
    assert status_text(Status.IN_PROGRESS, Action.DECIDE_TERMINATION, "不同意终止办理：再核实") == ""


def test_the_order_page_offers_and_takes_the_steps(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    unit, centre = Client(), Client()
    unit.force_login(cast.lead_handler)
    centre.force_login(cast.dispatcher)
    assert "申请终止办理" in unit.get(reverse("order-detail", args=[t.number])).content.decode()
    r = unit.post(reverse("order-act", args=[t.number, Action.APPLY_TERMINATION]),
                  {"version": t.version, "apply_termination-reason_code": TerminationReason.LEGAL_CHANNEL,
                   "apply_termination-reason": "群众已申请劳动仲裁"})
    assert r.status_code == 302, r.content.decode()[:500]
    t.refresh_from_db()
    assert "审定终止办理" in centre.get(reverse("order-detail", args=[t.number])).content.decode()
    r = centre.post(reverse("order-act", args=[t.number, Action.DECIDE_TERMINATION]),
                    {"version": t.version, "decide_termination-approve": "1",
                     "decide_termination-note": "仲裁受理通知书已核验"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == Status.TERMINATED


def _api(client: Client, path: str, body: dict | None = None, **headers: str):  # noqa: ANN202
    if body is None:
        return client.get(f"/api/v1{path}", headers=headers)
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_api_action_endpoints(frozen_now: datetime, cast: Cast) -> None:
    from hotline.api.keys import create_key

    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    _, raw = create_key("街道对接", ["read", "act"], unit=cast.lead)
    key = {"X-API-Key": raw}
    offered = [a["action"] for a in _api(Client(), f"/orders/{t.number}/actions", **key).json()]
    assert Action.APPLY_TERMINATION in offered
    r = _api(Client(), f"/orders/{t.number}/actions/apply_termination",
             {"version": t.version, "reason_code": "duplicate", "reason": "同一事项已由另一工单办理"}, **key)
    assert r.status_code == 200, r.content
    centre = Client()
    centre.force_login(cast.supervisor)
    r = _api(centre, f"/orders/{t.number}/actions/decide_termination",
             {"version": r.json()["version"], "approve": True, "note": "核实重复，同意终止"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.TERMINATED
