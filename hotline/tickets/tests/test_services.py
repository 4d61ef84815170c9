"""The rules of the lifecycle services beyond the table: designation, return window, re-handling, deadlines.

The clock is frozen at `conftest.NOW` (Tuesday 4 March 2025, 10:00 Beijing time; no holiday or 调休
within two weeks), so every deadline below is written out as a date. Default policy 一般: sign and return
within 1 working day, reply within 5, close within 7.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection

from hotline.accounts.choices import Role
from hotline.kpis.visits import is_valid
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Status,
    SupervisionKind,
)
from hotline.tickets.constants import MAX_RETURNS_BEFORE_DESIGNATION
from hotline.tickets.exceptions import InvalidTransition, RuleViolation
from hotline.tickets.models import Assignment, Extension, Reply, ReturnRequest, ReturnVisit, Ticket
from hotline.tickets.tests.factories import (
    NOW,
    SHANGHAI,
    Cast,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
    stored,
)

pytestmark = pytest.mark.django_db


def bj(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of 2025 in Beijing time."""
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def lead_of(t: Ticket) -> Assignment:
    return t.assignments.filter(role=AssignmentRole.LEAD).latest("id")


def return_it(t: Ticket, cast: Cast, unit_handler: object = None) -> Ticket:
    return services.return_order(t, actor=unit_handler or cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                                 reason="不属于本单位职责")


def visit(t: Ticket, cast: Cast, *, resolved: bool, satisfaction: str, contacted: bool = True) -> Ticket:
    return services.record_return_visit(t, actor=cast.inspector, contacted=contacted, resolved=resolved,
                                        satisfaction=satisfaction)


# --- make_ticket itself ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_make_ticket_reaches_every_status_through_the_services(frozen_now: datetime, status: str) -> None:
    t = make_ticket(status)
    events = list(t.timeline.order_by("seq"))
    assert t.status == status
    assert [e.seq for e in events] == list(range(1, t.version + 1))
    assert events[0].action == Action.REGISTER and events[-1].to_status == status
    assert all(a.from_status == b.to_status for a, b in zip(events[1:], events, strict=False))


def test_make_ticket_at_freezes_every_step(db: None) -> None:
    t = make_ticket(Status.IN_PROGRESS, at=bj(3, 7, 16))
    assert {e.at for e in t.timeline.all()} == {bj(3, 7, 16)}
    assert lead_of(t).reply_due == bj(3, 14, 16)  # 5 working days from Friday 16:00


def test_the_order_number_is_the_local_date_and_the_id(db: None) -> None:
    """On PostgreSQL the id is reserved first and the number written with the row; elsewhere it follows."""
    from django.db import connection

    first, second = make_ticket(Status.REGISTERED, at=bj(3, 7, 23, 30)), make_ticket(Status.REGISTERED, at=bj(3, 8, 9))
    assert first.number == f"20250307{first.pk:07d}"  # 23:30 in Beijing is still the 7th
    assert second.number == f"20250308{second.pk:07d}" and second.pk > first.pk
    assert Ticket.objects.get(pk=first.pk).number == first.number
    reserved = Ticket.objects.reserve_id()
    assert (reserved is None) == (connection.vendor != "postgresql")
    if reserved is not None:
        assert reserved > second.pk and make_ticket(Status.REGISTERED).pk > reserved


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_registering_orders_runs_as_prepared_statements_on_postgresql(frozen_now: datetime) -> None:
    """The order INSERT is parsed and planned once per connection, not once per order (HOTLINE_DB_PREPARE_THRESHOLD)."""
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    if threshold is None:
        pytest.skip("prepared statements are switched off here")
    for _ in range(threshold + 2):
        make_ticket(Status.REGISTERED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(sql.startswith('INSERT INTO "tickets_ticket"') for sql in prepared), prepared


# --- Dispatch, designation, returns -------------------------------------------------------------------------------


def test_dispatch_snapshots_the_deadlines(frozen_now: datetime) -> None:
    t = make_ticket(Status.DISPATCHED)
    lead = lead_of(t)
    assert (lead.sign_due, lead.return_due, lead.reply_due) == (bj(3, 5), bj(3, 5), bj(3, 11))
    assert (t.close_due, t.phase_due) == (bj(3, 13), bj(3, 13))
    assert lead.phase_due == lead.sign_due and lead.phase_yellow_at <= lead.phase_due


def test_lead_unit_cannot_also_assist(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="主办单位不能同时是协办单位"):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead, assisting=[cast.lead])
    assert stored(t) == before and not t.assignments.exists()


@pytest.mark.parametrize("bad", ["inactive", "centre"])
def test_dispatch_refuses_units_that_cannot_handle(frozen_now: datetime, cast: Cast, bad: str) -> None:
    unit = (HandlingUnitFactory(is_active=False) if bad == "inactive" else HandlingUnitFactory(kind=UnitKind.CENTRE))
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    with pytest.raises(RuleViolation):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead, assisting=[unit])
    assert not t.assignments.exists()


def test_designated_unit_cannot_return(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.DISPATCHED, cast=cast, designate=True)
    assert lead_of(t).is_designated
    before = stored(t)
    with pytest.raises(RuleViolation, match="指定派单的工单不能退单"):
        return_it(t, cast)
    assert stored(t) == before and not ReturnRequest.objects.exists()


def test_return_needs_a_reason(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.DISPATCHED, cast=cast)
    with pytest.raises(RuleViolation):
        services.return_order(t, actor=cast.lead_handler, reason_code="bogus", reason="x")
    with pytest.raises(RuleViolation):
        services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.OTHER, reason="  ")
    assert t.status == Status.DISPATCHED


def test_after_three_returns_only_a_designation_is_accepted(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.DISPATCHED, cast=cast)
    for n in range(1, MAX_RETURNS_BEFORE_DESIGNATION + 1):
        return_it(t, cast)
        assert t.return_count == n
        services.accept_return(t, actor=cast.dispatcher)
        if n < MAX_RETURNS_BEFORE_DESIGNATION:
            services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)  # plain dispatch still allowed
    assert t.status == Status.PENDING_DISPATCH

    before = stored(t)
    with pytest.raises(RuleViolation, match="须由中心指定承办单位"):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert stored(t) == before

    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead, designate=True)
    assert t.status == Status.DISPATCHED
    assert t.timeline.last().action == Action.DESIGNATE
    assert lead_of(t).is_designated
    with pytest.raises(RuleViolation):
        return_it(t, cast)


def test_accepting_the_third_return_with_a_plain_redispatch_changes_nothing(frozen_now: datetime,
                                                                           cast: Cast) -> None:
    """accept_return(lead=...) is one step: its dispatch refused, the acceptance is rolled back too."""
    t = make_ticket(Status.DISPATCHED, cast=cast)
    for _ in range(MAX_RETURNS_BEFORE_DESIGNATION - 1):
        return_it(t, cast)
        services.accept_return(t, actor=cast.dispatcher, lead=cast.lead)
    return_it(t, cast)
    before = stored(t)
    with pytest.raises(RuleViolation):
        services.accept_return(t, actor=cast.dispatcher, lead=cast.lead)
    assert stored(t) == before
    assert ReturnRequest.objects.filter(ticket=t, status=Decision.PENDING).count() == 1

    services.accept_return(t, actor=cast.dispatcher, lead=cast.lead, designate=True)
    assert t.status == Status.DISPATCHED
    assert [e.action for e in t.timeline.order_by("-seq")[:2]] == [Action.DESIGNATE, Action.ACCEPT_RETURN]


def test_return_within_the_window_counts_working_days(db: None, cast: Cast) -> None:
    """Dispatched on Friday 16:00: the return window (1 working day) ends on Monday 16:00."""
    with time_machine.travel(bj(3, 7, 16), tick=False) as traveller:
        t = make_ticket(Status.DISPATCHED, cast=cast)
        assert lead_of(t).return_due == bj(3, 10, 16)
        traveller.move_to(bj(3, 10, 15, 59))
        return_it(t, cast)
        assert t.status == Status.RETURNED


def test_return_after_the_window_is_refused(db: None, cast: Cast) -> None:
    with time_machine.travel(bj(3, 7, 16), tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        traveller.move_to(bj(3, 10, 16, 1))
        before = stored(t)
        with pytest.raises(RuleViolation, match="已超过退单时限"):
            return_it(t, cast)
        assert stored(t) == before and not ReturnRequest.objects.exists()


def test_rejected_return_goes_back_to_the_unit_as_it_was(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    return_it(t, cast)
    services.reject_return(t, actor=cast.dispatcher, note="属本单位职责")
    assert t.status == Status.IN_PROGRESS
    assert lead_of(t).status == AssignmentStatus.SIGNED
    assert ReturnRequest.objects.get(ticket=t).status == Decision.REJECTED


def test_after_a_rejected_return_the_unit_cannot_return_it_again(frozen_now: datetime, cast: Cast) -> None:
    """The centre ruled the order is the unit's: the assignment is designated, no return-reject loop."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    return_it(t, cast)
    services.reject_return(t, actor=cast.dispatcher, note="属本单位职责")
    assert lead_of(t).is_designated
    before = stored(t)
    with pytest.raises(RuleViolation, match="指定派单的工单不能退单"):
        return_it(t, cast)
    assert stored(t) == before and ReturnRequest.objects.filter(ticket=t).count() == 1


def test_rejected_returns_do_not_count_towards_the_designation_rule(frozen_now: datetime, cast: Cast) -> None:
    """Three returns, one of them rejected: only two sent the order on, so a plain dispatch is still allowed."""
    t = make_ticket(Status.DISPATCHED, cast=cast)
    return_it(t, cast)
    services.reject_return(t, actor=cast.dispatcher, note="属本单位职责")
    Assignment.objects.filter(ticket=t).update(is_designated=False)  # as an order dispatched again after it
    for _ in range(MAX_RETURNS_BEFORE_DESIGNATION - 1):
        return_it(t, cast)
        services.accept_return(t, actor=cast.dispatcher)
        if t.return_count < MAX_RETURNS_BEFORE_DESIGNATION:
            services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert t.return_count == MAX_RETURNS_BEFORE_DESIGNATION and t.status == Status.PENDING_DISPATCH
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert t.status == Status.DISPATCHED and not lead_of(t).is_designated


# --- Handling: extensions, asking the citizen, replies ------------------------------------------------------------


def test_extension_moves_reply_and_close_deadlines_by_working_days(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    assert (lead_of(t).reply_due, t.close_due) == (bj(3, 11), bj(3, 13))
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调燃气公司")
    assert (lead_of(t).reply_due, t.close_due) == (bj(3, 11), bj(3, 13))  # asking moves nothing

    services.approve_extension(t, actor=cast.dispatcher)

    lead = lead_of(t)
    assert lead.reply_due == bj(3, 14)  # Tue 11 + 3 working days
    assert t.close_due == bj(3, 18)  # Thu 13 + 3 working days, over the weekend
    assert lead.phase_due == lead.reply_due and lead.phase_yellow_at <= lead.phase_due
    assert t.phase_due == t.close_due
    assert (t.extension_count, lead.extension_count) == (1, 1)
    assert Extension.objects.get(ticket=t).status == Decision.APPROVED


def test_extension_days_are_bounded_and_one_request_at_a_time(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    for days in (0, 31):
        with pytest.raises(RuleViolation):
            services.request_extension(t, actor=cast.lead_handler, days=days, reason="x")
    services.request_extension(t, actor=cast.lead_handler, days=2, reason="x")
    with pytest.raises(RuleViolation, match="已有待审批的延期申请"):
        services.request_extension(t, actor=cast.lead_handler, days=2, reason="x")


def test_denied_extension_moves_nothing(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(t, actor=cast.lead_handler, days=2, reason="x")
    services.deny_extension(t, actor=cast.dispatcher, note="可按期办结")
    assert (lead_of(t).reply_due, t.close_due, t.extension_count) == (bj(3, 11), bj(3, 13), 0)
    with pytest.raises(InvalidTransition, match="没有待审批的延期申请"):
        services.approve_extension(t, actor=cast.dispatcher)


def test_pause_shifts_deadlines_by_the_working_time_paused(db: None, cast: Cast) -> None:
    """Paused from Friday 12:00 to Monday 12:00: three calendar days, one working day."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        yellow_before = lead_of(t).phase_yellow_at
        traveller.move_to(bj(3, 7, 12))
        services.request_info(t, actor=cast.lead_handler, question="请提供具体位置")
        assert t.status == Status.AWAITING_CITIZEN
        assert t.paused_at == bj(3, 7, 12) and lead_of(t).paused_at == bj(3, 7, 12)

        traveller.move_to(bj(3, 10, 12))
        services.resume(t, actor=cast.lead_handler, note="群众已补充")

    lead = lead_of(t)
    assert t.status == Status.IN_PROGRESS
    assert lead.reply_due == bj(3, 12)  # Tue 11 + 1 working day
    assert t.close_due == bj(3, 14)  # Thu 13 + 1 working day
    assert (lead.phase_due, t.phase_due) == (lead.reply_due, t.close_due)
    assert lead.phase_yellow_at > yellow_before and lead.phase_yellow_at <= lead.phase_due
    assert t.paused_seconds == timedelta(days=3).total_seconds()
    assert (t.paused_at, lead.paused_at) == (None, None)
    assert t.timeline.last().data == {"paused_seconds": 3 * 86_400}


def test_resume_by_the_centre(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    services.resume(t, actor=cast.intake, note="群众来电补充")
    assert t.status == Status.IN_PROGRESS


def test_unresolved_reply_needs_the_reason(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="未解决的须说明原因"):
        services.reply(t, actor=cast.lead_handler, content="已现场查看", contacted=True, resolved=False)
    assert stored(t) == before and not Reply.objects.exists()

    services.reply(t, actor=cast.lead_handler, content="已现场查看", contacted=True, resolved=False,
                   unresolved_reason="涉及规划调整，需市级部门协调")
    assert t.status == Status.REPLIED
    answer = Reply.objects.get(ticket=t)
    assert (answer.resolved, answer.review_status) == (False, Decision.PENDING)
    assert lead_of(t).status == AssignmentStatus.REPLIED


def test_assisting_reply_is_input_not_the_answer(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.reply(t, actor=cast.assist_handlers[0], content="配合排查完毕", contacted=False, resolved=True)
    assert t.status == Status.IN_PROGRESS
    assert t.timeline.last().action == Action.ASSIST_REPLY
    assert Reply.objects.get(ticket=t).review_status == Decision.APPROVED


# --- Review, return visit, reopening -------------------------------------------------------------------------------


def test_send_back_gives_a_fresh_reply_deadline(db: None, cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.REPLIED, cast=cast)
        traveller.move_to(bj(3, 6))
        with pytest.raises(RuleViolation):
            services.send_back(t, actor=cast.inspector, reason=" ")
        services.send_back(t, actor=cast.inspector, reason="答复未说明维修时间")
    lead = lead_of(t)
    assert (t.status, t.rehandle_count, lead.status) == (Status.IN_PROGRESS, 1, AssignmentStatus.SIGNED)
    assert lead.reply_due == bj(3, 13) and lead.phase_due == lead.reply_due
    assert Reply.objects.get(ticket=t).review_status == Decision.REJECTED


def test_unsatisfied_visit_sends_the_order_back_with_a_fresh_reply_deadline(db: None, cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.AWAITING_VISIT, cast=cast)
        old_due = lead_of(t).reply_due
        traveller.move_to(bj(3, 6))  # Thursday
        visit(t, cast, resolved=False, satisfaction=Satisfaction.UNSATISFIED)

    lead = lead_of(t)
    assert t.status == Status.IN_PROGRESS
    assert t.rehandle_count == 1
    assert (lead.status, lead.replied_at) == (AssignmentStatus.SIGNED, None)
    assert old_due == bj(3, 11)
    assert lead.reply_due == bj(3, 13)  # 5 working days from Thursday 6th, not the old deadline
    assert lead.phase_due == lead.reply_due and lead.phase_started_at == bj(3, 6)
    assert t.closed_at is None
    event = t.timeline.last()
    assert (event.action, event.to_status) == (Action.RETURN_VISIT, Status.IN_PROGRESS)
    assert event.data == {"contacted": True, "resolved": False, "satisfaction": Satisfaction.UNSATISFIED}
    assert ReturnVisit.objects.get(ticket=t).satisfaction == Satisfaction.UNSATISFIED

    # the unit answers again and this time the citizen is satisfied
    services.reply(t, actor=cast.lead_handler, content="已彻底修复", contacted=True, resolved=True)
    services.approve_reply(t, actor=cast.inspector)
    visit(t, cast, resolved=True, satisfaction=Satisfaction.SATISFIED)
    assert t.status == Status.CLOSED


def test_citizen_not_reached_keeps_the_order_waiting(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="13800001111")
    version = t.version
    services.record_return_visit(t, actor=cast.inspector, contacted=False)
    assert (t.status, t.version, t.rehandle_count, t.closed_at) == (Status.AWAITING_VISIT, version + 1, 0, None)
    event = t.timeline.last()
    assert (event.action, event.from_status, event.to_status) == (
        Action.RETURN_VISIT, Status.AWAITING_VISIT, Status.AWAITING_VISIT)
    attempt = ReturnVisit.objects.get(ticket=t)
    assert (attempt.contacted, attempt.resolved, is_valid(attempt)) == (False, None, False)


def test_contacted_visit_must_record_the_answers(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast)
    with pytest.raises(RuleViolation):
        services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True, satisfaction="")
    assert not ReturnVisit.objects.exists()


def test_approved_unreasonable_claim_closes_despite_an_unsatisfied_visit(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求政府承担私人债务")
    services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="属不合理诉求")
    services.reply(t, actor=cast.lead_handler, content="已解释政策", contacted=True, resolved=False,
                   unresolved_reason="诉求不符合政策")
    services.approve_reply(t, actor=cast.inspector)
    visit(t, cast, resolved=False, satisfaction=Satisfaction.UNSATISFIED)
    assert t.status == Status.CLOSED
    assert t.rehandle_count == 0
    assert lead_of(t).status == AssignmentStatus.COMPLETED


def test_rejected_unreasonable_claim_does_not_close(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求过高")
    services.decide_unreasonable(t, actor=cast.supervisor, approve=False, note="诉求合理")
    services.reply(t, actor=cast.lead_handler, content="x", contacted=True, resolved=False, unresolved_reason="y")
    services.approve_reply(t, actor=cast.inspector)
    visit(t, cast, resolved=False, satisfaction=Satisfaction.UNSATISFIED)
    assert (t.status, t.rehandle_count) == (Status.IN_PROGRESS, 1)


def test_one_unreasonable_claim_at_a_time(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="x")
    with pytest.raises(RuleViolation, match="已有不合理诉求申请"):
        services.apply_unreasonable(t, actor=cast.lead_handler, reason="x")


def test_closing_completes_the_lead_and_withdraws_unfinished_assisting_units(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=2)
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.reply(t, actor=cast.assist_handlers[0], content="已配合", contacted=False, resolved=True)
    services.reply(t, actor=cast.lead_handler, content="已修复", contacted=True, resolved=True)
    services.approve_reply(t, actor=cast.inspector)
    visit(t, cast, resolved=True, satisfaction=Satisfaction.SATISFIED)
    statuses = {a.unit_id: a.status for a in t.assignments.all()}
    assert statuses == {cast.lead.pk: AssignmentStatus.COMPLETED, cast.assisting[0].pk: AssignmentStatus.COMPLETED,
                        cast.assisting[1].pk: AssignmentStatus.WITHDRAWN}
    assert t.closed_at == NOW and t.phase_due is None


def test_reopen_returns_a_closed_order_to_dispatch(db: None, cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.CLOSED, cast=cast)
        first_lead = lead_of(t)
        traveller.move_to(bj(3, 20))
        with pytest.raises(RuleViolation):
            services.reopen(t, actor=cast.inspector, reason="")
        services.reopen(t, actor=cast.inspector, reason="路灯再次损坏")
        assert (t.status, t.reopen_count, t.closed_at, t.close_due, t.phase_due) == (
            Status.PENDING_DISPATCH, 1, None, None, None)

        other = HandlingUnitFactory(parent=cast.lead.parent)
        services.dispatch(t, actor=cast.dispatcher, lead=other)

    assert t.status == Status.DISPATCHED
    assert t.close_due == bj(3, 31)  # 7 working days from the re-dispatch on Thursday 20th
    active = t.assignments.filter(status__in=[AssignmentStatus.PENDING_SIGN])
    assert [a.unit for a in active] == [other]
    first_lead.refresh_from_db()
    assert first_lead.status == AssignmentStatus.COMPLETED


def test_reopen_a_direct_answer(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.ANSWERED, cast=cast)
    services.reopen(t, actor=cast.inspector, reason="群众再次来电，答复不准确")
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert t.status == Status.DISPATCHED and t.close_due == bj(3, 13)


# --- Merging ----------------------------------------------------------------------------------------------------


def test_merge_writes_both_timelines_and_withdraws_the_duplicates_units(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    duplicate = make_ticket(Status.IN_PROGRESS, cast=cast)
    master = make_ticket(Status.DISPATCHED, cast=Cast.build())
    master_version = master.version

    services.merge(duplicate, actor=cast.dispatcher, master=master, note="同一路灯")

    assert (duplicate.status, duplicate.master_id, duplicate.closed_at) == (Status.MERGED, master.pk, NOW)
    assert duplicate.timeline.last().action == Action.MERGE
    assert set(duplicate.assignments.values_list("status", flat=True)) == {AssignmentStatus.WITHDRAWN}
    assert all(a.ended_at == NOW and a.phase_due is None for a in duplicate.assignments.all())
    master.refresh_from_db()
    assert (master.status, master.version) == (Status.DISPATCHED, master_version + 1)
    event = master.timeline.last()
    assert (event.action, event.seq, event.actor, event.data) == (
        Action.MERGE_INTO, master.version, cast.dispatcher, {"merged": duplicate.pk})
    assert list(master.merged.all()) == [duplicate]


def test_merging_a_returned_order_settles_its_return(frozen_now: datetime, cast: Cast) -> None:
    duplicate = make_ticket(Status.RETURNED, cast=cast)
    services.merge(duplicate, actor=cast.dispatcher, master=make_ticket(Status.REGISTERED, cast=cast))
    assert ReturnRequest.objects.get(ticket=duplicate).status == Decision.REJECTED


@pytest.mark.parametrize("master_status", [Status.MERGED, Status.TRANSFERRED, Status.NOT_ACCEPTED])
def test_cannot_merge_into_a_finished_or_merged_order(frozen_now: datetime, cast: Cast, master_status: str) -> None:
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    master = make_ticket(master_status, cast=cast)
    before = stored(duplicate), stored(master)
    with pytest.raises(RuleViolation):
        services.merge(duplicate, actor=cast.dispatcher, master=master)
    assert (stored(duplicate), stored(master)) == before


def test_cannot_merge_into_itself(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    with pytest.raises(RuleViolation, match="不能并入自身"):
        services.merge(t, actor=cast.dispatcher, master=t)
    assert stored(t)["status"] == Status.PENDING_DISPATCH


# --- Supervision, appeals, intake decisions -------------------------------------------------------------------


def test_supervision_level_never_goes_down(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.REMIND, note="请尽快办理")
    assert t.supervision_level == 1
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="区级督办", level=2)
    assert t.supervision_level == 2
    before = stored(t)
    with pytest.raises(RuleViolation, match="不能低于已有级别"):
        services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="降级", level=1)
    with pytest.raises(RuleViolation):
        services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="越级", level=4)
    assert stored(t) == before
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.REMIND, note="再次催办")  # keeps level 2
    assert t.supervision_level == 2
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="市级督办", level=3)
    assert t.supervision_level == 3 and t.supervisions.count() == 4


def test_one_open_appeal_per_unit(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.CLOSED, cast=cast)
    services.appeal(t, actor=cast.lead_handler, reason="群众诉求超出职责")
    with pytest.raises(RuleViolation, match="该工单已有申诉"):
        services.appeal(t, actor=cast.lead_handler, reason="再次申诉")
    services.decide_appeal(t, actor=cast.supervisor, uphold=False, note="不成立")
    services.appeal(t, actor=cast.lead_handler, reason="补充材料后再次申诉")  # a rejected one may be renewed
    assert t.appeals.count() == 2 and t.status == Status.CLOSED


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (services.answer_directly, {"answer": " "}),
        (services.transfer, {"to": "999"}),
        (services.not_accept, {"reason": "bogus"}),
        (services.not_accept, {"reason": NotAcceptedReason.OTHER, "note": ""}),
    ],
)
def test_intake_decisions_need_their_content(frozen_now: datetime, cast: Cast, call: object,
                                             kwargs: dict) -> None:
    t = make_ticket(Status.REGISTERED, cast=cast)
    with pytest.raises(RuleViolation):
        call(t, actor=cast.intake, **kwargs)
    assert stored(t)["status"] == Status.REGISTERED


def test_register_refuses_an_empty_request(db: None) -> None:
    with pytest.raises(RuleViolation):
        services.register(services.TicketDraft(request_type="help", title="t", description="  "),
                          actor=UserFactory(role=Role.INTAKE))
    assert not Ticket.objects.exists()


# --- Regressions of bugs found by this suite ---------------------------------------------------------------------


def _close_again_with_the_same_lead(t: Ticket, cast: Cast) -> Ticket:
    services.reopen(t, actor=cast.inspector, reason="问题复发")
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    services.sign(t, actor=cast.lead_handler)
    return t


def test_lead_unit_can_apply_unreasonable_after_a_reopen(frozen_now: datetime, cast: Cast) -> None:
    t = _close_again_with_the_same_lead(make_ticket(Status.CLOSED, cast=cast), cast)
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="诉求超出政策")
    assert t.unreasonable_claims.count() == 1


def test_lead_unit_can_appeal_an_order_closed_twice(frozen_now: datetime, cast: Cast) -> None:
    t = _close_again_with_the_same_lead(make_ticket(Status.CLOSED, cast=cast), cast)
    services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
    services.approve_reply(t, actor=cast.inspector)
    visit(t, cast, resolved=True, satisfaction=Satisfaction.SATISFIED)
    services.appeal(t, actor=cast.lead_handler, unit=cast.lead, reason="考核有误")
    assert t.appeals.count() == 1


def test_extension_approval_applies_to_the_unit_holding_the_order(frozen_now: datetime) -> None:
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调")
    return_it(t, cast)
    new_lead = HandlingUnitFactory(parent=cast.lead.parent)
    new_handler = UserFactory(role=Role.UNIT_HANDLER, units=[new_lead])
    services.accept_return(t, actor=cast.dispatcher, lead=new_lead)
    services.sign(t, actor=new_handler)
    services.request_extension(t, actor=new_handler, days=2, reason="需施工")
    reply_due = lead_of(t).reply_due

    services.approve_extension(t, actor=cast.dispatcher)

    assert lead_of(t).unit == new_lead
    assert lead_of(t).reply_due == reply_due + timedelta(days=2)  # Tue 11 → Thu 13: no weekend between
