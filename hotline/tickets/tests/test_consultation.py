"""会商: before an unclear order is dispatched, the invited units say whose duty it is; the desk decides."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.core import workcalendar
from hotline.orgs.choices import UnitKind
from hotline.routing.models import DispatchSettings
from hotline.sla.choices import LimitUnit
from hotline.tickets import services
from hotline.tickets.choices import (
    DISPATCH_ACTIONS,
    Action,
    AssignmentRole,
    ConsultationStatus,
    Stance,
    Status,
)
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Consultation, Opinion, Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.services.consultation import opinions_only_since
from hotline.tickets.services.holds import held_steps
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket, stored
from hotline.tickets.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db

QUESTION = "楼道堆放杂物占用消防通道，属物业管理还是消防监管职责不清"


@pytest.fixture
def parties(cast: Cast) -> tuple[Cast, list]:
    """The cast with two candidate units (the lead street and a city department), each with a handler."""
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    return cast, [(cast.lead, cast.lead_handler), (department, handler)]


def _consult(t: Ticket, cast: Cast, units: list) -> Ticket:
    return services.start_consultation(t, actor=cast.dispatcher, units=[u for u, _h in units], question=QUESTION)


def test_the_transition_rows() -> None:
    consult, opinion, conclude = (TRANSITIONS[a] for a in
                                  (Action.CONSULT, Action.GIVE_OPINION, Action.CONCLUDE_CONSULTATION))
    assert consult.sources == opinion.sources == conclude.sources == {Status.REGISTERED, Status.PENDING_DISPATCH}
    assert consult.keeps_status and opinion.keeps_status and conclude.targets == {Status.DISPATCHED}
    assert Role.DISPATCHER in consult.roles and Role.UNIT_HANDLER not in consult.roles
    assert opinion.roles == {Role.UNIT_HANDLER, Role.UNIT_ADMIN} and conclude.roles == consult.roles
    assert Action.CONCLUDE_CONSULTATION in DISPATCH_ACTIONS


def test_starting_asks_every_unit_with_a_deadline_and_lets_them_see_the_order(frozen_now: datetime,
                                                                                parties: tuple) -> None:
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    assert t.status == Status.PENDING_DISPATCH
    consultation = Consultation.objects.get(ticket=t)
    assert consultation.status == ConsultationStatus.OPEN and consultation.started_by == cast.dispatcher
    assert consultation.opinions_due == workcalendar.add_limit(NOW, 1, LimitUnit.WORKING_DAYS)
    assert [o.unit for o in Opinion.objects.filter(consultation=consultation).order_by("id")] == [u for u, _ in units]
    event = t.timeline.last()
    assert event.action == Action.CONSULT and event.is_public and QUESTION not in event.note  # partners read it
    assert all(u.name in event.note for u, _h in units)
    for _unit, handler in units:
        assert Ticket.objects.visible_to(handler).filter(pk=t.pk).exists()
        assert Ticket.objects.visible_to(handler, one=True).filter(pk=t.pk).exists()
        assert Action.GIVE_OPINION in available_actions(t, handler)
    stranger = UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory(kind=UnitKind.DEPARTMENT)])
    assert not Ticket.objects.visible_to(stranger).filter(pk=t.pk).exists()


def test_the_centre_sets_the_opinions_deadline(frozen_now: datetime, parties: tuple) -> None:
    settings = DispatchSettings.current()
    settings.consultation_days = 3
    settings.save()
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    assert Consultation.objects.get(ticket=t).opinions_due == workcalendar.add_limit(NOW, 3, LimitUnit.WORKING_DAYS)


@pytest.mark.parametrize("case", ["one unit", "no question", "centre", "inactive", "second", "confidential"])
def test_refusals_leave_the_order_as_it_was(frozen_now: datetime, parties: tuple, case: str) -> None:
    cast, units = parties
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=case == "confidential")
    chosen, question = [u for u, _h in units], QUESTION
    if case == "one unit":
        chosen = chosen[:1]
    elif case == "no question":
        question = "  "
    elif case == "centre":
        chosen.append(HandlingUnitFactory(kind=UnitKind.CENTRE))
    elif case == "inactive":
        chosen.append(HandlingUnitFactory(kind=UnitKind.DEPARTMENT, is_active=False))
    elif case == "second":
        t = _consult(t, cast, units)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.start_consultation(t, actor=cast.dispatcher, units=chosen, question=question)
    assert stored(t) == before and Consultation.objects.filter(ticket=t).count() == (case == "second")


def test_a_unit_answers_and_may_revise_until_the_conclusion(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (department, department_handler) = units
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    t = services.give_opinion(t, actor=street_handler, stance=Stance.NOT_OURS, basis="街道履职清单无此项",
                              suggested_unit=department)
    t = services.give_opinion(t, actor=department_handler, stance=Stance.ASSIST, basis="消防监管可配合检查")
    t = services.give_opinion(t, actor=street_handler, stance=Stance.ASSIST, basis="可督促物业清理")
    mine = Opinion.objects.get(unit=street)
    assert mine.stance == Stance.ASSIST and mine.suggested_unit is None and mine.author == street_handler
    assert mine.answered_at == NOW and mine.revised_at == NOW  # the first answer stays: the deadline judges it
    assert Opinion.objects.get(unit=department).revised_at is None
    events = list(t.timeline.filter(action=Action.GIVE_OPINION).order_by("seq"))
    assert [e.data["revised"] for e in events] == [False, False, True] and events[0].unit == street
    assert "建议由" in events[0].note and not events[0].is_public


@pytest.mark.parametrize("case", ["not invited", "centre staff", "no basis", "no stance", "suggests itself",
                                  "no consultation"])
def test_opinion_refusals(frozen_now: datetime, parties: tuple, case: str) -> None:
    cast, units = parties
    (street, street_handler), _department = units
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    if case != "no consultation":
        t = _consult(t, cast, units)
    actor = {"not invited": UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory()]),
             "centre staff": cast.dispatcher}.get(case, street_handler)
    kwargs = {"stance": "" if case == "no stance" else Stance.LEAD, "basis": "  " if case == "no basis" else "依据",
              "suggested_unit": street if case == "suggests itself" else None}
    before = stored(t)
    with pytest.raises((RuleViolation, NotPermitted, InvalidTransition)):
        services.give_opinion(t, actor=actor, **kwargs)
    assert stored(t) == before
    assert not Opinion.objects.filter(answered_at__isnull=False).exists()


def test_dispatch_waits_for_the_conclusion(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    assert Action.CONSULT in available_actions(t, cast.dispatcher)
    assert Action.CONCLUDE_CONSULTATION not in available_actions(t, cast.dispatcher)
    t = _consult(t, cast, units)
    offered = available_actions(t, cast.dispatcher)
    assert Action.CONCLUDE_CONSULTATION in offered and Action.CONSULT not in offered
    assert held_steps(t, cast.dispatcher, offered)[Action.DISPATCH] == "该工单正在会商，请以「会商定责」派单"
    before = stored(t)
    with pytest.raises(RuleViolation, match="正在会商"):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert stored(t) == before


def test_the_conclusion_designates_the_lead(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (department, department_handler) = units
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    t = services.give_opinion(t, actor=department_handler, stance=Stance.NOT_OURS, basis="不在权责清单")
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[department],
                                       note="物业管理属街道履职清单第12项")
    assert t.status == Status.DISPATCHED and t.close_due is not None
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    assert lead.unit == street and lead.is_designated
    assert Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST).unit == department
    consultation = Consultation.objects.get(ticket=t)
    assert consultation.status == ConsultationStatus.CONCLUDED and consultation.lead == street
    assert consultation.ended_by == cast.dispatcher and consultation.conclusion == "物业管理属街道履职清单第12项"
    assert list(consultation.assisting.all()) == [department]
    event = t.timeline.last()
    assert event.action == Action.CONCLUDE_CONSULTATION and event.is_public and "履职清单" not in event.note
    assert event.data["consultation"] == consultation.pk and event.data["unanswered"] == 1
    assert event.data["lead"] == street.pk and event.data["designated"] is True
    with pytest.raises(RuleViolation, match="指定派单"):
        services.return_order(t, actor=street_handler, reason_code="not_our_duty", reason="非本单位职责")
    assert Action.GIVE_OPINION not in available_actions(t, department_handler)


def test_a_conclusion_needs_its_reasons(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.conclude_consultation(t, actor=cast.dispatcher, lead=cast.lead, note=" ")
    assert stored(t) == before and Consultation.objects.get(ticket=t).status == ConsultationStatus.OPEN


@pytest.mark.parametrize("step", ["answer", "not_accept", "transfer", "merge"])
def test_leaving_dispatch_another_way_withdraws_the_consultation(frozen_now: datetime, parties: tuple,
                                                                  step: str) -> None:
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    if step == "answer":
        t = services.answer_directly(t, actor=cast.dispatcher, answer="已告知群众向物业公司反映")
    elif step == "not_accept":
        t = services.not_accept(t, actor=cast.dispatcher, reason="outside_duty")
    elif step == "transfer":
        t = services.transfer(t, actor=cast.dispatcher, to="119")
    else:
        master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
        t = services.merge(t, actor=cast.dispatcher, master=master)
    consultation = Consultation.objects.get(ticket=t)
    assert consultation.status == ConsultationStatus.CLOSED and consultation.ended_at == NOW
    assert "会商撤销" in consultation.conclusion
    assert t.timeline.last().data["consultation_closed"] == consultation.pk


def test_after_a_return_the_desk_may_consult_before_redispatching(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    t = make_ticket(Status.RETURNED, cast=cast)
    t = services.accept_return(t, actor=cast.dispatcher, note="退单理由成立")
    t = _consult(t, cast, units)
    (street, _h), (department, department_handler) = units
    t = services.give_opinion(t, actor=department_handler, stance=Stance.LEAD, basis="权责清单第3项")
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=department, note="按权责清单第3项")
    assert Assignment.objects.filter(ticket=t, role=AssignmentRole.LEAD, is_designated=True).last().unit == department


def test_a_lead_that_was_not_asked_is_dispatched_plainly(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    third = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=third, note="两单位意见均指向第三方")
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    assert lead.unit == third and not lead.is_designated and t.timeline.last().data["designated"] is False


def test_the_desk_withdraws_and_may_ask_again(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    assert Action.WITHDRAW_CONSULTATION in available_actions(t, cast.dispatcher)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.withdraw_consultation(t, actor=cast.dispatcher, reason=" ")
    assert stored(t) == before
    t = services.withdraw_consultation(t, actor=cast.dispatcher, reason="邀请单位有误")
    consultation = Consultation.objects.get(ticket=t)
    assert t.status == Status.PENDING_DISPATCH and consultation.status == ConsultationStatus.CLOSED
    assert consultation.conclusion == "邀请单位有误" and t.timeline.last().action == Action.WITHDRAW_CONSULTATION
    assert Action.WITHDRAW_CONSULTATION not in available_actions(t, cast.dispatcher)
    with pytest.raises(InvalidTransition):
        services.withdraw_consultation(t, actor=cast.dispatcher, reason="再次撤销")
    t = _consult(t, cast, units)  # a new one, with other units if need be
    assert Consultation.objects.filter(ticket=t).count() == 2


def test_someone_in_two_invited_units_names_the_unit(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    (street, _s), (department, _d) = units
    both = UserFactory(role=Role.UNIT_HANDLER, units=[street, department])
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    with pytest.raises(RuleViolation, match="多个受邀单位"):
        services.give_opinion(t, actor=both, stance=Stance.LEAD, basis="依据")
    t = services.give_opinion(t, actor=both, stance=Stance.LEAD, basis="依据", unit=department)
    assert Opinion.objects.get(unit=department).author == both and Opinion.objects.get(unit=street).answered_at is None


def test_opinions_do_not_conflict_with_each_other(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    (_street, street_handler), (department, department_handler) = units
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    seen = t.version
    assert not opinions_only_since(t, seen, user=street_handler)  # nothing happened since
    t = services.give_opinion(t, actor=department_handler, stance=Stance.ASSIST, basis="可配合")
    assert opinions_only_since(t, seen, user=street_handler)  # another unit's opinion
    colleague = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    assert not opinions_only_since(t, seen, user=colleague)  # their own unit's: not seen, would be overwritten
    t = services.withdraw_consultation(t, actor=cast.dispatcher, reason="重新邀请")
    assert not opinions_only_since(t, seen, user=street_handler)


def test_confidential_and_inactive(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    assert Action.CONSULT not in available_actions(secret, cast.dispatcher)
    (street, street_handler), _department = units
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    street.is_active = False
    street.save()
    assert Action.GIVE_OPINION not in available_actions(t, street_handler)
    before = stored(t)
    with pytest.raises(RuleViolation, match="已停用"):
        services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="依据")
    assert stored(t) == before


def test_after_the_last_return_any_lead_is_designated(frozen_now: datetime, parties: tuple) -> None:
    """Once the order has used up its returns only a designation may send it on: the conclusion designates."""
    from hotline.tickets.constants import MAX_RETURNS_BEFORE_DESIGNATION

    cast, units = parties
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    for _round in range(MAX_RETURNS_BEFORE_DESIGNATION):
        t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
        t = services.return_order(t, actor=cast.lead_handler, reason_code="not_our_duty", reason="非本单位职责")
        t = services.accept_return(t, actor=cast.dispatcher, note="同意")
    t = _consult(t, cast, units)
    third = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=third, note="按权责清单由第三方主办")
    lead = Assignment.objects.filter(ticket=t, role=AssignmentRole.LEAD).latest("id")
    assert lead.unit == third and lead.is_designated


def test_a_refused_conclusion_leaves_the_consultation_open(frozen_now: datetime, parties: tuple) -> None:
    cast, units = parties
    (street, _h), (department, _d) = units
    t = _consult(make_ticket(Status.PENDING_DISPATCH, cast=cast), cast, units)
    before = stored(t)
    with pytest.raises(RuleViolation):  # refused inside the dispatch, after the consultation was written
        services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[street], note="定责")
    consultation = Consultation.objects.get(ticket=t)
    assert consultation.status == ConsultationStatus.OPEN and consultation.lead is None
    assert not consultation.assisting.exists() and stored(t) == before
