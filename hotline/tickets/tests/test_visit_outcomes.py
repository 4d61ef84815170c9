"""How a return visit (回访) ends when the citizen cannot be reached, and the 现场核查 of proactive orders (未诉先办)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.kpis.visits import is_valid
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentStatus,
    Channel,
    Satisfaction,
    Status,
    VisitMethod,
)
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import ReturnVisit, Ticket, VisitSettings
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import NOW, Cast, make_ticket, stored

PHONE = "13800001111"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The frozen clock, moved on by hand between calls (each call of a round at its own moment)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def not_reached(t: Ticket, cast: Cast, clock: time_machine.Coordinates, note: str = "") -> Ticket:
    clock.shift(timedelta(hours=2))
    return services.record_return_visit(t, actor=cast.inspector, contacted=False, note=note)


@pytest.mark.django_db
def test_the_order_closes_at_the_centres_number_of_unanswered_calls(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    assert VisitSettings.current().max_attempts == 3
    for attempt in (1, 2):
        not_reached(t, cast, clock)
        assert t.status == Status.AWAITING_VISIT
        assert t.timeline.last().data == {"contacted": False, "attempt": attempt}
    assert services.failed_attempts(t) == 2
    not_reached(t, cast, clock, note="三次拨打均无人接听")
    t.refresh_from_db()
    assert (t.status, t.closed_at) == (Status.CLOSED, datetime.now(tz=NOW.tzinfo))
    event = t.timeline.last()
    assert (event.action, event.to_status, event.is_public) == (Action.RETURN_VISIT, Status.CLOSED, True)
    assert event.data == {"contacted": False, "attempt": 3, "unreachable": True}
    assert event.note == "回访3次未联系上群众，工单办结（不计入有效回访）：三次拨打均无人接听"
    assert [a.status for a in t.assignments.all()] == [AssignmentStatus.COMPLETED]
    visits = ReturnVisit.objects.filter(ticket=t)
    assert visits.count() == 3 and not any(is_valid(v) for v in visits)


@pytest.mark.django_db
def test_the_number_of_calls_is_the_centres_setting(clock, cast: Cast) -> None:
    VisitSettings.objects.update_or_create(pk=1, defaults={"max_attempts": 1})
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    not_reached(t, cast, clock)
    assert t.status == Status.CLOSED
    assert t.timeline.last().note == "回访1次未联系上群众，工单办结（不计入有效回访）"


@pytest.mark.django_db
def test_an_order_without_a_phone_closes_at_the_first_attempt(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    assert services.visit_attempt_limit(t) == 1
    not_reached(t, cast, clock)
    assert t.status == Status.CLOSED
    event = t.timeline.last()
    assert event.note == "无联系电话，无法回访，工单办结（不计入有效回访）"
    assert event.data["unreachable"] is True


@pytest.mark.django_db
def test_the_count_starts_again_with_each_approved_reply(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    not_reached(t, cast, clock)
    not_reached(t, cast, clock)
    clock.shift(timedelta(hours=2))
    services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                 satisfaction=Satisfaction.UNSATISFIED)
    assert t.status == Status.IN_PROGRESS  # 重办
    clock.shift(timedelta(hours=2))
    services.reply(t, actor=cast.lead_handler, content="已再次上门处理", contacted=True, resolved=True)
    clock.shift(timedelta(hours=1))
    services.approve_reply(t, actor=cast.inspector)
    assert services.failed_attempts(t) == 0
    not_reached(t, cast, clock)
    not_reached(t, cast, clock)
    assert t.status == Status.AWAITING_VISIT  # two of this round, not four
    not_reached(t, cast, clock)
    assert t.status == Status.CLOSED


@pytest.mark.django_db
def test_a_reached_citizen_still_decides(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    not_reached(t, cast, clock)
    not_reached(t, cast, clock)
    clock.shift(timedelta(hours=2))
    services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    assert t.status == Status.CLOSED
    assert "unreachable" not in t.timeline.last().data


# --- 未诉先办: proactive orders are checked on site, never "visited" --------------------------------------------


@pytest.mark.django_db
def test_a_proactive_order_is_verified_on_site_and_closes(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=True,
                                 method=VisitMethod.VERIFY, note="现场查看：破损路面已修复")
    assert t.status == Status.CLOSED
    event = t.timeline.last()
    assert (event.action, event.note, event.data) == (
        Action.RETURN_VISIT, "现场查看：破损路面已修复", {"verified": True, "resolved": True})
    check = ReturnVisit.objects.get(ticket=t)
    assert (check.method, check.contacted, check.resolved, check.satisfaction, is_valid(check)) == (
        VisitMethod.VERIFY, False, True, "", False)


@pytest.mark.django_db
def test_a_proactive_order_not_put_right_goes_back_to_the_unit(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=False,
                                 method=VisitMethod.VERIFY)
    assert (t.status, t.rehandle_count) == (Status.IN_PROGRESS, 1)
    assert t.timeline.last().note == "现场核查：问题未解决，退回重办"


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs", [
    {"method": VisitMethod.PHONE, "contacted": True, "resolved": True, "satisfaction": Satisfaction.SATISFIED},
    {"method": VisitMethod.PHONE, "contacted": False},
    {"method": VisitMethod.VERIFY, "contacted": False},  # no answer on the result
])
def test_a_proactive_order_refuses_anything_but_a_verification(clock, cast: Cast, kwargs: dict) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.record_return_visit(t, actor=cast.inspector, **kwargs)
    assert stored(t) == before
    assert not ReturnVisit.objects.filter(ticket=t).exists()


@pytest.mark.django_db
def test_a_citizens_order_cannot_be_verified_instead_of_visited(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    before = stored(t)
    with pytest.raises(RuleViolation, match="现场核查只用于主动发现的工单"):
        services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=True,
                                     method=VisitMethod.VERIFY)
    assert stored(t) == before


@pytest.mark.django_db
def test_verifications_are_not_unanswered_calls(clock, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=False, method=VisitMethod.VERIFY)
    assert services.failed_attempts(t) == 0


# --- what a proactive order is not: no citizen asked ---------------------------------------------------------


@pytest.mark.django_db
def test_a_proactive_order_is_never_answered_directly(clock, cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.PROACTIVE)
    assert Action.ANSWER_DIRECTLY not in available_actions(t, cast.intake)
    before = stored(t)
    with pytest.raises(RuleViolation, match="没有群众的诉求"):
        services.answer_directly(t, actor=cast.intake, answer="已告知")
    assert stored(t) == before
    citizens = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    assert Action.ANSWER_DIRECTLY in available_actions(citizens, cast.intake)


@pytest.mark.django_db
def test_a_proactive_order_is_no_unreasonable_demand(clock, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    assert Action.APPLY_UNREASONABLE not in available_actions(t, cast.lead_handler)
    assert Action.RETURN in available_actions(t, cast.lead_handler)  # a unit that disagrees returns it
    with pytest.raises(RuleViolation):
        services.apply_unreasonable(t, actor=cast.lead_handler, reason="诉求不合理")


@pytest.mark.django_db
def test_a_proactive_order_keeps_no_phone(clock, cast: Cast) -> None:
    with pytest.raises(RuleViolation, match="不记联系电话"):
        make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE, caller_phone=PHONE)
    assert not Ticket.objects.filter(channel=Channel.PROACTIVE).exists()


@pytest.mark.django_db
def test_a_citizens_order_is_not_merged_into_a_proactive_one(clock, cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    citizens = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    before = stored(citizens)
    with pytest.raises(RuleViolation, match="群众的诉求不能并入"):
        services.merge(citizens, actor=cast.dispatcher, master=master)
    assert stored(citizens) == before
    other = make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.PROACTIVE)
    services.merge(other, actor=cast.dispatcher, master=master)  # the centre's own duplicates still merge
    assert other.status == Status.MERGED


@pytest.mark.django_db
def test_the_attempt_limit_is_kept_in_range_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    for bad in (0, 11):
        with pytest.raises(IntegrityError), transaction.atomic():
            VisitSettings.objects.update_or_create(pk=1, defaults={"max_attempts": bad})


@pytest.mark.django_db
def test_nobody_to_ask_for_information_or_to_withdraw(clock, cast: Cast) -> None:
    """请群众补充 and the termination reasons about the citizen (诉求人撤回, 无法联系) need someone who asked."""
    from hotline.tickets.choices import TerminationReason

    t = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    offered = available_actions(t, cast.lead_handler)
    assert Action.REQUEST_INFO not in offered and Action.APPLY_TERMINATION in offered
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.request_info(t, actor=cast.lead_handler, question="请提供具体位置")
    for reason in (TerminationReason.WITHDRAWN, TerminationReason.UNREACHABLE):
        with pytest.raises(RuleViolation, match="没有诉求人"):
            services.apply_termination(t, actor=cast.lead_handler, reason_code=reason, reason="无")
    assert stored(t) == before
    services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.DUPLICATE,
                               reason="已由另一张主动发现工单办理")
    assert t.timeline.last().action == Action.APPLY_TERMINATION


@pytest.mark.django_db
@pytest.mark.parametrize("caller", [{"caller_name": "张三"}, {"caller_company": "某物业"}, {"caller_sex": "m"},
                                    {"is_anonymous": True}])
def test_a_proactive_order_keeps_no_caller_details(clock, cast: Cast, caller: dict) -> None:
    with pytest.raises(RuleViolation, match="不记来电人信息"):
        make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE, **caller)
    assert not Ticket.objects.exists()
