"""下派: a district hands its order to a street below it; the street may return it to the district.

The clock is frozen at `factories.NOW` (Tuesday 4 March 2025, 10:00 Beijing time). Default policy 一般:
sign and return within 1 working day, reply within 5 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.dataio.export import open311_queryset, open311_row
from hotline.kpis import engine, periods
from hotline.open311.selectors import public_orders
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.portal.selectors import public_order
from hotline.sla.sweep import sweep
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
from hotline.tickets.models import (
    Assignment,
    Extension,
    ForwardSettings,
    ReturnRequest,
    Ticket,
    UnreasonableClaim,
)
from hotline.tickets.permissions import available_actions
from hotline.tickets.public_text import outbound_note
from hotline.tickets.services.forwarding import units_below
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket, stored


@dataclass
class District:
    cast: Cast  # the district is the order's lead
    street: HandlingUnit
    street_handler: User
    other_street: HandlingUnit
    other_handler: User


@pytest.fixture
def district(db: None, frozen_now: datetime) -> District:
    unit = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=unit)
    other = HandlingUnitFactory(kind=UnitKind.STREET, name="景山街道", parent=unit)
    return District(cast=Cast.build(lead=unit), street=street,
                    street_handler=UserFactory(role=Role.UNIT_HANDLER, units=[street]),
                    other_street=other, other_handler=UserFactory(role=Role.UNIT_HANDLER, units=[other]))


def leads(t: Ticket) -> list[Assignment]:
    return list(t.assignments.filter(role=AssignmentRole.LEAD).order_by("id"))


def forward(t: Ticket, d: District, to: HandlingUnit | None = None) -> Ticket:
    return services.forward(t, actor=d.cast.lead_handler, to=to or d.street, note="请街道城管科现场核实处理")


def return_up(t: Ticket, handler: User) -> Ticket:
    return services.return_order(t, actor=handler, reason_code=ReturnReason.NOT_OUR_AREA, reason="该地址属景山街道")


# --- Handing down ----------------------------------------------------------------------------------------


def test_a_dispatched_order_handed_down_is_signed_by_the_district_and_waits_for_the_street(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    reply_due = leads(t)[0].reply_due
    forward(t, district)

    above, below = leads(t)
    assert t.status == Status.DISPATCHED
    assert (above.status, above.signed_at, above.ended_at) == (AssignmentStatus.FORWARDED, NOW, NOW)
    assert not above.sign_overdue and above.phase_due is None
    assert (below.unit, below.status, below.forwarded_from) == (district.street, AssignmentStatus.PENDING_SIGN, above)
    # The citizen's deadline does not move; the street gets its own sign and return windows.
    assert below.reply_due == reply_due
    assert below.sign_due == below.return_due == NOW + timedelta(days=1)
    assert below.phase_due == below.sign_due and below.dispatched_by == district.cast.lead_handler
    event = t.timeline.order_by("seq").last()
    assert (event.action, event.unit, event.is_public) == (Action.FORWARD, district.cast.lead, True)
    assert event.note == "下派至东华门街道：请街道城管科现场核实处理"
    assert event.data == {"from_unit": district.cast.lead.pk, "to_unit": district.street.pk, "signed_now": True}


def test_the_street_handles_the_order_and_the_district_keeps_seeing_it(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    assert t.timeline.order_by("seq").last().data["signed_now"] is False

    services.sign(t, actor=district.street_handler)
    services.reply(t, actor=district.street_handler, content="已修复路灯", contacted=True, resolved=True)
    assert t.status == Status.REPLIED
    assert Ticket.objects.visible_to(district.cast.lead_handler).filter(pk=t.pk).exists()
    assert Ticket.objects.visible_to(district.street_handler).filter(pk=t.pk).exists()
    assert not Ticket.objects.visible_to(district.other_handler).filter(pk=t.pk).exists()


def test_an_extension_granted_to_the_district_moves_the_streets_deadline_but_is_not_the_streets(
        district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    services.request_extension(t, actor=district.cast.lead_handler, days=3, reason="需协调施工")
    services.approve_extension(t, actor=district.cast.dispatcher)
    above = leads(t)[0]
    forward(t, district)
    below = leads(t)[1]
    assert (below.reply_due, below.extension_count, below.reply_overdue) == (above.reply_due, 0, False)
    assert leads(t)[0].extension_count == 1  # 延期率 judges the district that asked


def test_an_order_handed_down_past_its_deadline_is_the_districts_lateness(
        district: District, traveller: time_machine.Coordinates) -> None:
    """The street gets the policy's windows from now and may return it; the district is marked late."""
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    late, close_due = leads(t)[0].reply_due + timedelta(hours=1), t.close_due
    traveller.move_to(late)
    forward(t, district)
    above, below = leads(t)
    assert above.reply_overdue and not below.reply_overdue and not below.sign_overdue
    assert below.sign_due > late and below.return_due > late and below.reply_due > below.sign_due
    assert t.close_due == close_due  # the order's own deadline does not move
    assert Action.RETURN in available_actions(t, district.street_handler)


def test_handing_down_closes_the_districts_pending_requests(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    services.request_extension(t, actor=district.cast.lead_handler, days=3, reason="需协调施工")
    forward(t, district)
    extension = Extension.objects.get(ticket=t)
    assert extension.status == Decision.REJECTED and extension.decided_by is None
    assert "下派至东华门街道" in extension.decision_note
    assert t.timeline.order_by("seq").last().data["extensions_closed"] == [extension.pk]


@pytest.mark.parametrize("target", ["itself", "a unit elsewhere", "an inactive street", "the assisting street"])
def test_only_an_active_unit_below_that_does_not_hold_the_order_may_receive_it(district: District, target: str) -> None:
    assisting = HandlingUnitFactory(kind=UnitKind.STREET, parent=district.cast.lead)
    t = make_ticket(Status.IN_PROGRESS, cast=Cast.build(lead=district.cast.lead, assisting=[assisting],
                                                          lead_handler=district.cast.lead_handler))
    to = {"itself": district.cast.lead, "a unit elsewhere": HandlingUnitFactory(kind=UnitKind.STREET),
          "an inactive street": HandlingUnitFactory(kind=UnitKind.STREET, parent=district.cast.lead, is_active=False),
          "the assisting street": assisting}[target]
    before = stored(t)
    with pytest.raises(RuleViolation):
        forward(t, district, to)
    assert stored(t) == before and len(leads(t)) == 1


def test_instructions_are_required(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="请填写下派要求"):
        services.forward(t, actor=district.cast.lead_handler, to=district.street, note="  ")
    assert stored(t) == before and leads(t)[0].status == AssignmentStatus.PENDING_SIGN


def test_only_the_lead_unit_hands_the_order_down(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    for actor in (district.street_handler, district.cast.dispatcher):
        with pytest.raises(NotPermitted):
            services.forward(t, actor=actor, to=district.street, note="x")
    assert t.status == Status.IN_PROGRESS and len(leads(t)) == 1


def test_the_step_is_offered_to_a_unit_with_units_below_it(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    assert Action.FORWARD in available_actions(t, district.cast.lead_handler)
    forward(t, district)
    assert Action.FORWARD not in available_actions(t, district.street_handler)  # nothing below it
    assert Action.SIGN in available_actions(t, district.street_handler)
    HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=district.street)
    assert Action.FORWARD not in available_actions(t, district.street_handler)  # communities: not by default
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    assert Action.FORWARD in available_actions(t, district.street_handler)


def test_orders_go_down_to_communities_only_when_the_centre_allows_it(district: District) -> None:
    """A community (社区/村) is no administrative body: by default no order is pushed down to it."""
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="幸福社区", parent=district.street)
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    assert community not in units_below(district.cast.lead.path)
    before = stored(t)
    with pytest.raises(RuleViolation, match="工单不下派至社区"):
        forward(t, district, community)
    assert stored(t) == before
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    assert community in units_below(district.cast.lead.path)
    forward(t, district, community)
    assert leads(t)[-1].unit == community


# --- Returning to the unit above ---------------------------------------------------------------------------


def test_a_return_goes_back_to_the_district_at_once_without_the_centre(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    forward(t, district)
    reply_due = leads(t)[0].reply_due
    return_up(t, district.street_handler)

    above, below = leads(t)
    assert t.status == Status.IN_PROGRESS and t.return_count == 0
    assert (above.status, above.ended_at, above.reply_due) == (AssignmentStatus.SIGNED, None, reply_due)
    assert above.phase_due == reply_due
    assert (below.status, below.ended_at) == (AssignmentStatus.RETURNED, NOW)
    request = ReturnRequest.objects.get(ticket=t)
    assert (request.status, request.assignment, request.decided_by) == (Decision.APPROVED, below, None)
    event = t.timeline.order_by("seq").last()
    assert (event.action, event.to_status, event.data["to_unit"]) == (Action.RETURN, Status.IN_PROGRESS,
                                                                      district.cast.lead.pk)
    assert "退回下派单位东城区" in event.note

    # The district hands it to the right street; that street handles it.
    forward(t, district, district.other_street)
    services.sign(t, actor=district.other_handler)
    assert leads(t)[-1].unit == district.other_street and t.status == Status.IN_PROGRESS


def test_an_extension_granted_to_the_street_carries_back_up(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    services.request_extension(t, actor=district.street_handler, days=2, reason="需协调")
    services.approve_extension(t, actor=district.cast.dispatcher)
    extended = leads(t)[1].reply_due
    return_up(t, district.street_handler)
    above = leads(t)[0]
    assert (above.reply_due, above.extension_count) == (extended, 0)


def test_a_return_to_the_district_does_not_count_among_the_centres_returns(district: District) -> None:
    """The district may give the order back to the centre afterwards; the street's return stays as it was."""
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    forward(t, district)
    return_up(t, district.street_handler)
    street_return = leads(t)[1]
    services.return_order(t, actor=district.cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="属市级部门职责")
    assert t.status == Status.RETURNED and t.return_count == 1
    services.accept_return(t, actor=district.cast.dispatcher)
    street_return.refresh_from_db()
    assert street_return.status == AssignmentStatus.RETURNED and street_return.ended_at == NOW
    assert leads(t)[0].status == AssignmentStatus.WITHDRAWN


# --- Taking it back ------------------------------------------------------------------------------------------


def test_the_district_takes_back_an_order_the_street_has_not_signed(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    reply_due = leads(t)[0].reply_due
    forward(t, district)
    assert Action.RECALL in available_actions(t, district.cast.lead_handler)
    with pytest.raises(NotPermitted):
        services.recall(t, actor=district.street_handler, note="x")
    services.recall(t, actor=district.cast.lead_handler, note="选错街道")

    above, below = leads(t)
    assert t.status == Status.IN_PROGRESS
    assert (above.status, above.ended_at, above.phase_due) == (AssignmentStatus.SIGNED, None, reply_due)
    assert (below.status, below.ended_at) == (AssignmentStatus.WITHDRAWN, NOW)
    event = t.timeline.order_by("seq").last()
    assert (event.action, event.note) == (Action.RECALL, "收回下派（东华门街道）：选错街道")
    assert not Ticket.objects.visible_to(district.other_handler).filter(pk=t.pk).exists()
    forward(t, district, district.other_street)  # and hands it to the right street
    assert leads(t)[-1].unit == district.other_street


def test_an_order_the_street_signed_cannot_be_taken_back(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    assert Action.RECALL not in available_actions(t, district.cast.lead_handler)
    before = stored(t)
    with pytest.raises(InvalidTransition):  # 办理中: the table refuses it
        services.recall(t, actor=district.cast.lead_handler, note="x")
    assert stored(t) == before


def test_taking_back_needs_a_reason(district: District) -> None:
    t = make_ticket(Status.DISPATCHED, cast=district.cast)
    forward(t, district)
    before = stored(t)
    with pytest.raises(RuleViolation, match="请填写收回理由"):
        services.recall(t, actor=district.cast.lead_handler, note=" ")
    assert stored(t) == before


# --- With the rest of the lifecycle ------------------------------------------------------------------------


def test_the_district_that_took_the_order_back_speaks_for_it_again(district: District) -> None:
    """终止办理 and 不合理诉求 belong to the current lead: after a return from below, the district."""
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    return_up(t, district.street_handler)
    offered = available_actions(t, district.cast.lead_handler)
    assert Action.APPLY_TERMINATION in offered and Action.APPLY_UNREASONABLE in offered
    services.apply_unreasonable(t, actor=district.cast.lead_handler, reason="诉求超出政策范围")
    assert UnreasonableClaim.objects.get(ticket=t).unit == district.cast.lead


def test_a_return_to_the_district_closes_the_streets_pending_claim(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    services.apply_unreasonable(t, actor=district.street_handler, reason="诉求超出政策范围")
    return_up(t, district.street_handler)
    claim = UnreasonableClaim.objects.get(ticket=t)
    assert claim.status == Decision.REJECTED and claim.decided_by is None


def test_an_approved_termination_leaves_an_earlier_return_to_the_district_as_it_was(
        district: District, traveller: time_machine.Coordinates) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    return_up(t, district.street_handler)
    forward(t, district, district.other_street)
    services.sign(t, actor=district.other_handler)
    traveller.shift(timedelta(hours=3))
    services.apply_termination(t, actor=district.other_handler, reason_code=TerminationReason.OTHER,
                               reason="属历史遗留问题")
    services.decide_termination(t, actor=district.cast.dispatcher, approve=True, note="同意终止")
    first = leads(t)[1]
    assert (first.unit, first.status, first.ended_at) == (district.street, AssignmentStatus.RETURNED, NOW)


def test_the_indicators_judge_each_unit_on_its_own_part(district: District,
                                                         traveller: time_machine.Coordinates) -> None:
    """The district handed the order down late: its lateness is its own; the street replied in time."""
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    traveller.move_to(leads(t)[0].reply_due + timedelta(hours=1))
    sweep()
    services.request_extension(t, actor=district.cast.lead_handler, days=5, reason="需协调施工")
    services.approve_extension(t, actor=district.cast.dispatcher)
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    services.reply(t, actor=district.street_handler, content="已修复", contacted=True, resolved=True)
    ctx = engine.context(periods.month(2025, 3), as_of=NOW + timedelta(days=30))
    on_time, extension = engine.by_unit("on_time", ctx), engine.by_unit("extension", ctx)
    assert (on_time[district.street.pk].numerator, on_time[district.street.pk].denominator) == (1, 1)
    assert (on_time[district.cast.lead.pk].numerator, on_time[district.cast.lead.pk].denominator) == (0, 1)
    assert extension[district.street.pk].numerator == 0


def test_public_lists_and_exports_name_the_unit_answering_for_the_order(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    assert public_orders().get(pk=t.pk).lead_name == "东华门街道"
    return_up(t, district.street_handler)
    assert public_orders().get(pk=t.pk).lead_name == "东城区"
    assert open311_row(open311_queryset().get(pk=t.pk))["agency_responsible"] == "东城区"


def test_the_citizen_sees_the_order_handed_to_the_street_never_the_instructions(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    shown = public_order(t)
    assert shown.status == "已转交承办单位"
    last = shown.events[-1]
    assert (last.label, last.unit, last.text) == ("转交承办单位", "东华门街道", "")
    assert outbound_note(t.timeline.order_by("seq").last()) == ""  # webhooks and partners: no instructions


# --- Taking back, and each unit's own part in the indicators (second review) ------------------------------


def recall(t: Ticket, d: District) -> Ticket:
    return services.recall(t, actor=d.cast.lead_handler, note="派错街道")


def kpi(code: str) -> dict:
    return engine.by_unit(code, engine.context(periods.month(2025, 3), as_of=NOW + timedelta(days=30)))


def test_after_taking_an_order_back_the_district_speaks_for_it(district: District) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    recall(t, district)
    offered = available_actions(t, district.cast.lead_handler)
    assert Action.APPLY_TERMINATION in offered and Action.APPLY_UNREASONABLE in offered
    assert open311_row(open311_queryset().get(pk=t.pk))["agency_responsible"] == "东城区"
    last = public_order(t).events[-1]  # the citizen sees who handles it now, never the reason
    assert (last.label, last.unit, last.text) == ("承办单位调整", "东城区", "")


def test_the_districts_own_extension_and_sent_back_reply_stay_in_its_rates(
        district: District, traveller: time_machine.Coordinates) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    services.request_extension(t, actor=district.cast.lead_handler, days=3, reason="需协调施工")
    services.approve_extension(t, actor=district.cast.dispatcher)
    services.reply(t, actor=district.cast.lead_handler, content="已处理", contacted=True, resolved=True)
    traveller.shift(timedelta(hours=1))
    services.send_back(t, actor=district.cast.inspector, reason="答复未回应诉求")
    traveller.shift(timedelta(hours=1))
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    services.reply(t, actor=district.street_handler, content="已修复", contacted=True, resolved=True)
    extension, rehandle = kpi("extension"), kpi("rehandle")
    assert (extension[district.cast.lead.pk].numerator, rehandle[district.cast.lead.pk].numerator) == (1, 1)
    assert (extension[district.street.pk].numerator, rehandle[district.street.pk].numerator) == (0, 0)


def test_the_streets_sent_back_reply_is_not_the_districts_rehandling(
        district: District, traveller: time_machine.Coordinates) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    services.reply(t, actor=district.street_handler, content="已修复", contacted=True, resolved=True)
    traveller.shift(timedelta(hours=1))
    services.send_back(t, actor=district.cast.inspector, reason="答复未回应诉求")
    traveller.shift(timedelta(hours=1))
    return_up(t, district.street_handler)
    services.reply(t, actor=district.cast.lead_handler, content="区里已处理", contacted=True, resolved=True)
    assert kpi("rehandle")[district.cast.lead.pk].numerator == 0


def test_a_street_returning_the_order_past_its_deadline_is_the_late_one(
        district: District, traveller: time_machine.Coordinates) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=district.cast)
    due = leads(t)[0].reply_due
    traveller.move_to(due - timedelta(hours=2))
    forward(t, district)
    services.sign(t, actor=district.street_handler)
    traveller.move_to(due + timedelta(hours=3))
    sweep()
    return_up(t, district.street_handler)
    above, below = leads(t)
    assert below.reply_overdue and not above.reply_overdue and above.reply_due > due + timedelta(hours=3)
    services.reply(t, actor=district.cast.lead_handler, content="区里已处理", contacted=True, resolved=True)
    on_time = kpi("on_time")
    assert (on_time[district.street.pk].numerator, on_time[district.street.pk].denominator) == (0, 1)
    assert (on_time[district.cast.lead.pk].numerator, on_time[district.cast.lead.pk].denominator) == (1, 1)
