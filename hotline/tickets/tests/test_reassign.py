"""改派: the centre takes an order back from the units holding it and dispatches it to another unit.

The clock is frozen at `factories.NOW` (Tuesday 4 March 2025, 10:00 Beijing time), or moved with `traveller`.
Default policy 一般: sign and return within 1 working day, reply within 5 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.dashboards.ledger import Event, event_counts
from hotline.kpis import engine, periods
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    ReturnReason,
    Status,
    TerminationReason,
)
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Extension, ForwardSettings, Ticket, UnreasonableClaim
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket, stored
from hotline.webhooks.choices import EventType, event_type_for


@dataclass
class Desk:
    cast: Cast  # lead street with one assisting unit
    spare: HandlingUnit
    spare_handler: User
    other: HandlingUnit


@pytest.fixture
def desk(db: None) -> Desk:
    cast = Cast.build(assisting=1)
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name="景山街道")
    return Desk(cast=cast, spare=spare, spare_handler=UserFactory(role=Role.UNIT_HANDLER, units=[spare]),
                other=HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name="东华门街道"))


def reassign(t: Ticket, d: Desk, **kw: object) -> Ticket:
    kw.setdefault("lead", d.spare)
    kw.setdefault("reason", "派单有误，属景山街道辖区")
    return services.reassign(t, actor=d.cast.dispatcher, **kw)


def events(t: Ticket, since: int) -> list:
    return list(t.timeline.filter(seq__gt=since).order_by("seq"))


@pytest.mark.usefixtures("frozen_now")
def test_withdraws_every_unit_and_dispatches_to_the_new_ones(desk: Desk) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    old = list(t.assignments.all())
    version = t.version

    reassign(t, desk, assisting=[desk.other], designate=True)

    t.refresh_from_db()
    assert t.status == Status.DISPATCHED
    for a in old:
        a.refresh_from_db()
        assert (a.status, a.ended_at, a.phase_due) == (AssignmentStatus.WITHDRAWN, NOW, None)
    new = {a.unit_id: a for a in t.assignments.filter(status=AssignmentStatus.PENDING_SIGN)}
    assert set(new) == {desk.spare.pk, desk.other.pk}
    lead = new[desk.spare.pk]
    assert (lead.role, lead.is_designated, lead.dispatched_at, lead.dispatched_by) == (
        AssignmentRole.LEAD, True, NOW, desk.cast.dispatcher)
    assert lead.sign_due > NOW and lead.reply_due > lead.sign_due and lead.return_due > NOW  # fresh deadlines
    reassigned, dispatched = events(t, version)
    assert (reassigned.action, reassigned.from_status, reassigned.to_status, reassigned.is_public) == (
        Action.REASSIGN, Status.IN_PROGRESS, Status.PENDING_DISPATCH, False)
    assert (dispatched.action, dispatched.from_status, dispatched.to_status, dispatched.is_public) == (
        Action.DESIGNATE, Status.PENDING_DISPATCH, Status.DISPATCHED, True)
    assert reassigned.data["reason"] == "派单有误，属景山街道辖区"
    assert (reassigned.data["from_lead"], reassigned.data["from_assisting"]) == (
        desk.cast.lead.pk, [desk.cast.assisting[0].pk])
    assert (reassigned.data["to_lead"], reassigned.data["to_assisting"], reassigned.data["designated"]) == (
        desk.spare.pk, [desk.other.pk], True)
    assert sorted(reassigned.data["withdrawn"]) == sorted(a.pk for a in old)
    assert "派单有误" in reassigned.note and str(desk.cast.lead) in reassigned.note and str(desk.spare) in reassigned.note
    assert reassigned.actor == dispatched.actor == desk.cast.dispatcher
    assert t.version == version + 2 and t.return_count == 0


def test_close_deadline_keeps_running(desk: Desk, traveller: time_machine.Coordinates) -> None:
    t = make_ticket(Status.DISPATCHED, cast=desk.cast)
    close_due = t.close_due
    traveller.shift(timedelta(hours=3))

    reassign(t, desk)

    t.refresh_from_db()
    assert t.close_due == close_due  # no shift: the citizen kept waiting
    assert t.phase_due == close_due
    lead = t.assignments.get(unit=desk.spare)
    assert lead.dispatched_at == NOW + timedelta(hours=3)


def test_an_order_handed_down_withdraws_the_unit_below(desk: Desk) -> None:
    """下派: the unit below holds the order; it is withdrawn, the unit above keeps its 已下派 row as history."""
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    below = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=desk.cast.lead)
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    services.forward(t, actor=desk.cast.lead_handler, to=below, note="请社区核实")
    assert t.status == Status.DISPATCHED

    reassign(t, desk)

    assert t.assignments.get(unit=below).status == AssignmentStatus.WITHDRAWN
    assert t.assignments.get(unit=desk.cast.lead).status == AssignmentStatus.FORWARDED
    assert t.assignments.get(unit=desk.spare, status=AssignmentStatus.PENDING_SIGN).role == AssignmentRole.LEAD
    assert t.timeline.get(action=Action.REASSIGN).data["from_lead"] == below.pk


@pytest.mark.usefixtures("frozen_now")
def test_pending_extensions_and_claims_close(desk: Desk) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    services.request_extension(t, actor=desk.cast.lead_handler, days=3, reason="需协调")
    services.request_extension(t, actor=desk.cast.assist_handlers[0], days=2, reason="需配合")
    services.apply_unreasonable(t, actor=desk.cast.lead_handler, reason="诉求超出政策")

    reassign(t, desk)

    assert set(Extension.objects.filter(assignment__ticket=t).values_list("status", "decision_note")) == {
        (Decision.REJECTED, "工单已改派，原承办单位撤回")}
    claim = UnreasonableClaim.objects.get(ticket=t)
    assert (claim.status, claim.decision_note) == (Decision.REJECTED, "工单已改派，申请不再审定")
    event = t.timeline.get(action=Action.REASSIGN)
    assert len(event.data["extensions_closed"]) == 2 and event.data["claims_closed"] == [claim.pk]
    assert Action.APPROVE_EXTENSION not in available_actions(t, desk.cast.dispatcher)


@pytest.mark.usefixtures("frozen_now")
def test_overdue_flags_stay_and_no_return_is_charged(desk: Desk, traveller: time_machine.Coordinates) -> None:
    """The withdrawn unit's lateness is history; it gets no 退单 (return rate) and the returns rule does not move."""
    t = make_ticket(Status.DISPATCHED, cast=desk.cast)
    lead = t.assignments.get(unit=desk.cast.lead)
    traveller.shift(timedelta(days=3))
    from hotline.sla.sweep import sweep

    sweep()
    lead.refresh_from_db()
    assert lead.sign_overdue

    reassign(t, desk)

    lead.refresh_from_db()
    assert (lead.status, lead.sign_overdue) == (AssignmentStatus.WITHDRAWN, True)
    t.refresh_from_db()
    assert t.return_count == 0 and not t.returns.exists()
    ctx = engine.context(periods.month(2025, 3), as_of=NOW + timedelta(days=30))
    returns = engine.by_unit("return", ctx)
    assert (returns[desk.cast.lead.pk].numerator, returns[desk.cast.lead.pk].denominator) == (0, 1)
    on_time = engine.by_unit("on_time", ctx)
    assert desk.cast.lead.pk not in on_time or on_time[desk.cast.lead.pk].denominator == 0


def test_the_same_lead_is_refused_and_nothing_changes(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="已是该工单的主办单位"):
        reassign(t, desk, lead=desk.cast.lead)
    assert stored(t) == before
    assert not t.assignments.filter(status=AssignmentStatus.WITHDRAWN).exists()


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"reason": "  "}, RuleViolation, "改派理由"),
    ({"assisting": "self"}, RuleViolation, "主办单位不能同时是协办单位"),
    ({"lead": "inactive"}, RuleViolation, "不能承办工单"),
])
def test_bad_input_is_refused_and_nothing_changes(desk: Desk, frozen_now: object, kwargs: dict, error: type,
                                                  words: str) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    if kwargs.get("assisting") == "self":
        kwargs = {"assisting": [desk.spare]}
    if kwargs.get("lead") == "inactive":
        kwargs = {"lead": HandlingUnitFactory(parent=desk.cast.lead.parent, is_active=False)}
    before = stored(t)
    with pytest.raises(error, match=words):
        reassign(t, desk, **kwargs)
    assert stored(t) == before
    assert t.status == Status.IN_PROGRESS and t.version == before["version"]  # the caller's copy reloaded
    assert set(t.assignments.values_list("status", flat=True)) == {AssignmentStatus.SIGNED}


@pytest.mark.parametrize(("status", "words"), [
    (Status.RETURNED, "同意退单"),
    (Status.AWAITING_CITIZEN, "恢复办理"),
    (Status.REPLIED, "退回重办"),
])
def test_refused_while_another_step_decides_first(desk: Desk, frozen_now: object, status: str, words: str) -> None:
    t = make_ticket(status, cast=desk.cast)
    before = stored(t)
    with pytest.raises(InvalidTransition, match=words) as refused:
        reassign(t, desk)
    assert f"当前状态为「{Status(status).label}」" in refused.value.message
    assert stored(t) == before


def test_refused_while_a_termination_request_waits(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    services.apply_termination(t, actor=desk.cast.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                               reason="群众来电撤回诉求")
    before = stored(t)
    with pytest.raises(RuleViolation, match="审定终止办理"):
        reassign(t, desk)
    assert stored(t) == before


def test_after_three_returns_only_a_designation(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.DISPATCHED, cast=desk.cast)
    for _ in range(3):
        services.return_order(t, actor=desk.cast.lead_handler, reason_code=ReturnReason.NOT_OUR_AREA, reason="非本辖区")
        services.accept_return(t, actor=desk.cast.dispatcher, lead=desk.cast.lead, designate=_ == 2)
    before = stored(t)
    with pytest.raises(RuleViolation, match="须由中心指定承办单位"):
        reassign(t, desk)
    assert stored(t) == before
    reassign(t, desk, designate=True)
    assert t.assignments.get(unit=desk.spare).is_designated


def test_a_designated_order_at_the_wrong_unit_moves(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.DISPATCHED, cast=desk.cast, designate=True)
    reassign(t, desk)
    assert t.assignments.get(unit=desk.cast.lead).status == AssignmentStatus.WITHDRAWN
    assert not t.assignments.get(unit=desk.spare).is_designated


def test_a_unit_switched_off_gives_its_orders_up(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    HandlingUnit.objects.filter(pk=desk.cast.lead.pk).update(is_active=False)  # dissolved in a reorganisation
    reassign(t, desk, reason="单位撤并")
    assert t.status == Status.DISPATCHED and Assignment.objects.get(ticket=t, unit=desk.spare).status == "pending_sign"


def test_only_the_dispatch_desk_may_reassign(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    for actor in (desk.cast.lead_handler, desk.cast.intake, desk.cast.inspector):
        with pytest.raises(NotPermitted):
            services.reassign(t, actor=actor, reason="x", lead=desk.spare)
    assert Action.REASSIGN in available_actions(t, desk.cast.dispatcher)
    assert Action.REASSIGN in available_actions(t, desk.cast.supervisor)
    assert Action.REASSIGN not in available_actions(t, desk.cast.lead_handler)


def test_webhook_and_ledger(desk: Desk, frozen_now: object) -> None:
    assert event_type_for(Action.REASSIGN, Status.PENDING_DISPATCH) == EventType.REASSIGNED
    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    reassign(t, desk)
    evs = [Event(seq=e.seq, at=e.at, action=e.action, unit_id=e.unit_id, data=e.data, from_status=e.from_status,
                 to_status=e.to_status) for e in t.timeline.order_by("seq")]
    dispatched = [unit for _day, unit, counter in event_counts(evs) if counter == "dispatched"]
    assert dispatched == [desk.cast.lead.pk, desk.spare.pk]


def test_the_order_page_holds_reassign_while_a_termination_request_waits(desk: Desk, frozen_now: object) -> None:
    from hotline.tickets.services.holds import held_steps

    t = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    assert not held_steps(t, desk.cast.dispatcher, [Action.REASSIGN])
    services.apply_termination(t, actor=desk.cast.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                               reason="群众来电撤回诉求")
    assert held_steps(t, desk.cast.dispatcher, [Action.REASSIGN])


def test_a_deadline_passed_since_the_last_sweep_is_judged_at_the_reassignment(desk: Desk) -> None:
    """No sweep ran: the unit still to sign past its sign deadline, and the lead past its reply deadline, are
    flagged late when the centre takes the order back, as the sweep would have flagged them."""
    with time_machine.travel(NOW, tick=False):
        unsigned = make_ticket(Status.DISPATCHED, cast=desk.cast)
        signed = make_ticket(Status.IN_PROGRESS, cast=desk.cast)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        reassign(unsigned, desk)
        reassign(signed, desk)
    lead = unsigned.assignments.get(unit=desk.cast.lead)
    assert lead.status == AssignmentStatus.WITHDRAWN and lead.sign_overdue
    lead = signed.assignments.get(unit=desk.cast.lead)
    assert lead.status == AssignmentStatus.WITHDRAWN and lead.reply_overdue


def test_a_reassignment_before_any_deadline_flags_nothing(desk: Desk, frozen_now: object) -> None:
    t = make_ticket(Status.DISPATCHED, cast=desk.cast)
    reassign(t, desk)
    lead = t.assignments.get(unit=desk.cast.lead)
    assert not lead.sign_overdue and not lead.reply_overdue
