"""Every row of the transition table, allowed and refused, from every status.

`CASES` below is this test's own statement of the lifecycle: for each action, the statuses it may start
from (written out by hand, not read from `TRANSITIONS`), the service call that takes it with valid
arguments, and how to bring an order into a status where the call can succeed. Every (action, status)
pair is then tried:

- status in the sources: the call succeeds, lands in one of the row's targets (or keeps the status),
  appends exactly one timeline event (version + 1, seq == version, actor, from/to status) — merge also
  writes one on the master;
- status not in the sources: InvalidTransition, and nothing changed (stored row, version, timeline,
  the caller's instance).

`test_cases_cover_the_table` fails when the table and `CASES` disagree, so a new action, or a changed
row, cannot go untested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.attachments.services import attach
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    EmergencyService,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Status,
    SupervisionKind,
    TerminationReason,
)
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import ForwardSettings, Ticket
from hotline.tickets.tests.factories import (
    Cast,
    HandlingUnitFactory,
    UserFactory,
    instance_fields,
    make_ticket,
    stored,
)
from hotline.tickets.transitions import TRANSITIONS

S = Status
ALL = frozenset(Status)
OPEN = frozenset({S.REGISTERED, S.PENDING_DISPATCH, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS,
                  S.AWAITING_CITIZEN, S.REPLIED, S.AWAITING_VISIT})
HANDLING = frozenset({S.IN_PROGRESS, S.AWAITING_CITIZEN})
WITH_UNIT = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_CITIZEN, S.REPLIED})


# --- The people and units of one test ------------------------------------------------------------


@dataclass
class World:
    """A cast with one assisting unit, a spare street for re-dispatch, a community below the lead street
    (下派), and the roles no step needs."""

    cast: Cast
    spare: HandlingUnit
    spare_handler: User
    leader: User
    admin: User
    below: HandlingUnit

    def handler_of(self, unit: HandlingUnit) -> User:
        return self.spare_handler if unit == self.spare else self.cast.handler_of(unit)


@pytest.fixture
def world(db: None, frozen_now: object) -> World:
    cast = Cast.build(assisting=1)
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})  # 下派 to `below`
    return World(cast=cast, spare=spare, spare_handler=UserFactory(role=Role.UNIT_HANDLER, units=[spare]),
                 leader=UserFactory(role=Role.LEADER), admin=UserFactory(role=Role.ADMIN),
                 below=HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=cast.lead))


# --- Bringing an order into a status ------------------------------------------------------------------


def _current_lead_handler(t: Ticket, w: World) -> User:
    return w.handler_of(t.assignments.filter(role=AssignmentRole.LEAD).latest("id").unit)


def _step_towards(t: Ticket, w: World, target: str) -> None:
    """Take the obvious next step from `t.status` towards `target` (re-dispatching to the spare unit)."""
    c = w.cast
    if t.status == S.CLOSED:
        services.reopen(t, actor=c.inspector, reason="问题反复")
    elif t.status == S.PENDING_DISPATCH:
        services.dispatch(t, actor=c.dispatcher, lead=w.spare)
    elif t.status == S.RETURNED:
        services.accept_return(t, actor=c.dispatcher, note="同意")
    elif (t.status in (S.DISPATCHED, S.IN_PROGRESS) and target in (S.RETURNED, S.PENDING_DISPATCH)
          or t.status == S.IN_PROGRESS and target == S.DISPATCHED):
        services.return_order(t, actor=_current_lead_handler(t, w), reason_code=ReturnReason.NOT_OUR_AREA,
                              reason="不属于本辖区")
    elif t.status == S.DISPATCHED:
        services.sign(t, actor=_current_lead_handler(t, w))
    elif t.status == S.IN_PROGRESS and target == S.AWAITING_CITIZEN:
        services.request_info(t, actor=_current_lead_handler(t, w), question="请补充地址")
    elif t.status == S.IN_PROGRESS:
        services.reply(t, actor=_current_lead_handler(t, w), content="已处理", contacted=True, resolved=True)
    elif t.status == S.REPLIED:
        services.approve_reply(t, actor=c.inspector)
    elif t.status == S.AWAITING_VISIT:
        services.record_return_visit(t, actor=c.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    else:  # pragma: no cover - a route this helper does not know
        raise AssertionError(f"no route from {t.status} to {target}")


def drive(t: Ticket, w: World, target: str) -> Ticket:
    """Move an order to `target` by ordinary steps; returns it (refreshed)."""
    for _ in range(10):
        if t.status == target:
            return t
        _step_towards(t, w, target)
    raise AssertionError(f"could not drive the order to {target}, stuck in {t.status}")


Reach = Callable[[str, World], Ticket]


def plain(status: str, w: World) -> Ticket:
    """`make_ticket`'s path: lead and assisting unit dispatched together and signed together."""
    return make_ticket(status, cast=w.cast)


def assist_unsigned(status: str, w: World) -> Ticket:
    """The assisting unit has not signed yet."""
    return make_ticket(status, cast=w.cast, assist_signs=False)


def assist_signed(status: str, w: World) -> Ticket:
    """The assisting unit has signed (already while the order waits for the lead's signature or its review of
    the lead's return)."""
    t = make_ticket(status, cast=w.cast)
    if status in (S.DISPATCHED, S.RETURNED):
        services.sign(t, actor=w.cast.assist_handlers[0])
        t.refresh_from_db()
    return t


def pending(record: Callable[[Ticket, World], None], made_in: str) -> Reach:
    """Make the order in `made_in`, leave a pending record there, then drive it to the status asked for."""

    def reach(status: str, w: World) -> Ticket:
        if status not in OPEN | {S.CLOSED} or status == S.REGISTERED:  # no way back to these
            return plain(status, w)
        t = make_ticket(made_in, cast=w.cast)
        record(t, w)
        return drive(t, w, status)

    return reach


def _ask_extension(t: Ticket, w: World) -> None:
    services.request_extension(t, actor=w.cast.lead_handler, days=3, reason="需协调多个部门")


def _ask_extension_assisting(t: Ticket, w: World) -> None:
    """An assisting unit's request: the one the centre may approve while the lead's return is reviewed."""
    services.request_extension(t, actor=w.cast.assist_handlers[0], days=3, reason="需协调多个部门")


def asking(record: Callable[[Ticket, World], None]) -> Reach:
    """`pending(record, 办理中)`; in 待签收 the assisting unit signed before the lead and asked for more time."""
    elsewhere = pending(record, S.IN_PROGRESS)

    def reach(status: str, w: World) -> Ticket:
        if status != S.DISPATCHED:
            return elsewhere(status, w)
        t = assist_signed(S.DISPATCHED, w)
        _ask_extension_assisting(t, w)
        t.refresh_from_db()
        return t

    return reach


def _claim(t: Ticket, w: World) -> None:
    services.apply_unreasonable(t, actor=w.cast.lead_handler, reason="诉求超出政策规定")


def _appeal(t: Ticket, w: World) -> None:
    services.appeal(t, actor=w.cast.lead_handler, reason="群众不满意系政策原因")


def _apply_termination(t: Ticket, w: World) -> None:
    services.apply_termination(t, actor=w.cast.lead_handler, reason_code=TerminationReason.UNREACHABLE,
                               reason="三次致电均无人接听")


def handed_down(status: str, w: World) -> Ticket:
    """`plain`, and an order 已派单 is one the lead street handed down to its community (下派), still unsigned."""
    if status != S.DISPATCHED:
        return plain(status, w)
    t = make_ticket(S.IN_PROGRESS, cast=w.cast)
    services.forward(t, actor=w.cast.lead_handler, to=w.below, note="请社区核实")
    return t


# --- The calls, with valid arguments -------------------------------------------------------------------


def consulting(status: str, w: World) -> Ticket:
    """`plain`, and where a consultation may be open (before dispatch), one asking the spare street and the
    assisting unit."""
    t = plain(status, w)
    if status in (S.REGISTERED, S.PENDING_DISPATCH):
        services.start_consultation(t, actor=w.cast.dispatcher, units=[w.spare, w.cast.assisting[0]],
                                    question="职责不清")
        t.refresh_from_db()
    return t


def _merge_into_new_master(t: Ticket, w: World, a: User | None) -> None:
    master = make_ticket(S.REGISTERED, cast=w.cast)
    t.merge_master = master  # type: ignore[attr-defined]  # the test checks the master too
    services.merge(t, actor=a, master=master)


def _merge_a_duplicate_into(t: Ticket, w: World, a: User | None) -> None:
    duplicate = make_ticket(S.REGISTERED, cast=w.cast)
    t.merge_duplicate = duplicate  # type: ignore[attr-defined]
    services.merge(duplicate, actor=a, master=t)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(56)


def _attach_photo(t: Ticket, w: World, a: User | None) -> None:
    attach(t, actor=a, upload=SimpleUploadedFile("现场照片.png", PNG, content_type="image/png"))


@dataclass(frozen=True)
class Case:
    """One action: where it may start, who takes it, how to take it, and how to get an order ready for it."""

    sources: frozenset[str]
    actor: Callable[[World], User | None]
    call: Callable[[Ticket, World, User | None], object]
    reach: Reach = plain
    #: allowed sources where no order can hold the record the step decides on (why, for the reader)
    unreachable: dict[str, str] = field(default_factory=dict)
    #: what a refused status raises (InvalidTransition unless the service says more precisely why)
    refusal: type[Exception] = InvalidTransition
    #: the step the service takes next in the same call, with its own event (改派 dispatches at once)
    then: frozenset[str] = frozenset()


def intake(w: World) -> User:
    return w.cast.intake


def dispatcher(w: World) -> User:
    return w.cast.dispatcher


def inspector(w: World) -> User:
    return w.cast.inspector


def supervisor(w: World) -> User:
    return w.cast.supervisor


def lead_handler(w: World) -> User:
    return w.cast.lead_handler


def spare_handler(w: World) -> User:
    return w.spare_handler


def assist_handler(w: World) -> User:
    return w.cast.assist_handlers[0]


NO_PENDING_BEFORE_HANDLING = "a registered order was never with a unit, so it has nothing pending to decide"
NO_CLAIM_WITHOUT_A_SIGNED_LEAD = ("waiting for dispatch or for a lead's signature, the order has no claim of its "
                                  "current lead: a unit that left (退单 accepted, 下派, reopened) took its claims along")

CASES: dict[str, Case] = {
    Action.ANSWER_DIRECTLY: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, intake, lambda t, w, a: services.answer_directly(t, actor=a, answer="可在政务网办理")),
    Action.TRANSFER: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, intake,
        lambda t, w, a: services.transfer(t, actor=a, to=EmergencyService.FIRE)),
    Action.NOT_ACCEPT: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, intake,
        lambda t, w, a: services.not_accept(t, actor=a, reason=NotAcceptedReason.OUTSIDE_DUTY)),
    Action.SEND_TO_DISPATCH: Case(
        {S.REGISTERED}, intake, lambda t, w, a: services.send_to_dispatch(t, actor=a)),
    Action.DISPATCH: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, dispatcher,
        lambda t, w, a: services.dispatch(t, actor=a, lead=w.spare)),
    Action.DESIGNATE: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, dispatcher,
        lambda t, w, a: services.dispatch(t, actor=a, lead=w.spare, designate=True)),
    Action.CONSULT: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, dispatcher,
        lambda t, w, a: services.start_consultation(t, actor=a, units=[w.spare, w.cast.assisting[0]],
                                                    question="物业与城管职责不清")),
    Action.GIVE_OPINION: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, spare_handler,
        lambda t, w, a: services.give_opinion(t, actor=a, stance="lead", basis="街道履职清单第5项"),
        reach=consulting),
    Action.CONCLUDE_CONSULTATION: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, dispatcher,
        lambda t, w, a: services.conclude_consultation(t, actor=a, lead=w.spare, note="按履职清单第5项定责"),
        reach=consulting),
    Action.WITHDRAW_CONSULTATION: Case(
        {S.REGISTERED, S.PENDING_DISPATCH}, dispatcher,
        lambda t, w, a: services.withdraw_consultation(t, actor=a, reason="邀请单位有误"), reach=consulting),
    Action.SIGN: Case(
        {S.DISPATCHED}, lead_handler, lambda t, w, a: services.sign(t, actor=a)),
    Action.SIGN_ASSIST: Case(
        {S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_CITIZEN, S.RETURNED, S.REPLIED}, assist_handler,
        lambda t, w, a: services.sign(t, actor=a), reach=assist_unsigned),
    Action.RETURN: Case(
        {S.DISPATCHED, S.IN_PROGRESS}, lead_handler,
        lambda t, w, a: services.return_order(t, actor=a, reason_code=ReturnReason.NOT_OUR_DUTY,
                                              reason="属于市场监管部门职责")),
    Action.FORWARD: Case(
        {S.DISPATCHED, S.IN_PROGRESS}, lead_handler,
        lambda t, w, a: services.forward(t, actor=a, to=w.below, note="请社区网格员现场核实")),
    Action.RECALL: Case(
        {S.DISPATCHED}, lead_handler,
        lambda t, w, a: services.recall(t, actor=a, note="下派单位选错"), reach=handed_down),
    Action.ACCEPT_RETURN: Case(
        {S.RETURNED}, dispatcher, lambda t, w, a: services.accept_return(t, actor=a, note="同意退单")),
    Action.REJECT_RETURN: Case(
        {S.RETURNED}, dispatcher, lambda t, w, a: services.reject_return(t, actor=a, note="属本单位职责")),
    # 改派: the centre withdraws the units and dispatches to another lead in the same call (two events).
    Action.REASSIGN: Case(
        {S.DISPATCHED, S.IN_PROGRESS}, dispatcher,
        lambda t, w, a: services.reassign(t, actor=a, reason="派单有误", lead=w.spare),
        then=frozenset({Action.DISPATCH})),
    # The assisting unit's request: wherever its reply clock runs — 待签收 (signed before the lead), 退单待审
    # (the lead, 已退单, has nothing to ask for), 答复待审 (the lead has replied) — as 协办答复.
    Action.REQUEST_EXTENSION: Case(
        {S.DISPATCHED, S.RETURNED, S.REPLIED} | HANDLING, assist_handler,
        lambda t, w, a: services.request_extension(t, actor=a, days=5, reason="需要施工"), reach=assist_signed),
    Action.APPROVE_EXTENSION: Case(
        HANDLING | {S.DISPATCHED, S.REPLIED, S.RETURNED}, dispatcher,
        lambda t, w, a: services.approve_extension(t, actor=a), reach=asking(_ask_extension_assisting)),
    Action.DENY_EXTENSION: Case(
        HANDLING | {S.DISPATCHED, S.REPLIED, S.RETURNED}, dispatcher,
        lambda t, w, a: services.deny_extension(t, actor=a, note="理由不足"), reach=asking(_ask_extension)),
    Action.REQUEST_INFO: Case(
        {S.IN_PROGRESS}, lead_handler, lambda t, w, a: services.request_info(t, actor=a, question="请提供照片")),
    Action.RESUME: Case(
        {S.AWAITING_CITIZEN}, lead_handler, lambda t, w, a: services.resume(t, actor=a, note="群众已补充")),
    Action.REPLY: Case(
        {S.IN_PROGRESS}, lead_handler,
        lambda t, w, a: services.reply(t, actor=a, content="已修复", contacted=True, resolved=True)),
    Action.ASSIST_REPLY: Case(
        {S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_CITIZEN, S.RETURNED, S.REPLIED}, assist_handler,
        lambda t, w, a: services.reply(t, actor=a, content="已配合排查", contacted=False, resolved=True),
        reach=assist_signed),
    Action.APPROVE_REPLY: Case(
        {S.REPLIED}, inspector, lambda t, w, a: services.approve_reply(t, actor=a)),
    Action.SEND_BACK: Case(
        {S.REPLIED}, inspector, lambda t, w, a: services.send_back(t, actor=a, reason="答复未回应诉求")),
    Action.RETURN_VISIT: Case(
        {S.AWAITING_VISIT}, inspector,
        lambda t, w, a: services.record_return_visit(t, actor=a, contacted=True, resolved=True,
                                                     satisfaction=Satisfaction.BASICALLY)),
    Action.REOPEN: Case(
        {S.CLOSED, S.ANSWERED, S.TERMINATED}, inspector,
        lambda t, w, a: services.reopen(t, actor=a, reason="问题复发")),
    Action.MERGE: Case(
        OPEN - {S.REPLIED, S.AWAITING_VISIT}, dispatcher, _merge_into_new_master),
    Action.MERGE_INTO: Case(
        OPEN, dispatcher, _merge_a_duplicate_into,
        # merge() looks at the master first and refuses a finished one with a RuleViolation naming why
        refusal=RuleViolation),
    Action.ATTACH: Case(OPEN, intake, _attach_photo),
    Action.SUPERVISE: Case(
        WITH_UNIT | {S.RETURNED, S.AWAITING_VISIT}, supervisor,
        lambda t, w, a: services.supervise(t, actor=a, kind=SupervisionKind.SUPERVISE, note="请尽快办理",
                                           level=2)),
    Action.APPLY_UNREASONABLE: Case(
        HANDLING | {S.REPLIED, S.AWAITING_VISIT}, lead_handler,
        lambda t, w, a: services.apply_unreasonable(t, actor=a, reason="要求超出政策")),
    Action.DECIDE_UNREASONABLE: Case(
        OPEN | {S.CLOSED}, supervisor,
        lambda t, w, a: services.decide_unreasonable(t, actor=a, approve=True, note="属实"),
        reach=pending(_claim, S.IN_PROGRESS),
        unreachable={S.REGISTERED: NO_PENDING_BEFORE_HANDLING, S.PENDING_DISPATCH: NO_CLAIM_WITHOUT_A_SIGNED_LEAD,
                     S.DISPATCHED: NO_CLAIM_WITHOUT_A_SIGNED_LEAD}),
    Action.APPEAL: Case(
        {S.CLOSED}, lead_handler, lambda t, w, a: services.appeal(t, actor=a, reason="不满意系政策原因")),
    Action.DECIDE_APPEAL: Case(
        OPEN | {S.CLOSED}, supervisor,
        lambda t, w, a: services.decide_appeal(t, actor=a, uphold=True, note="申诉成立"),
        reach=pending(_appeal, S.CLOSED), unreachable={S.REGISTERED: NO_PENDING_BEFORE_HANDLING}),
    Action.APPLY_TERMINATION: Case(
        HANDLING, lead_handler,
        lambda t, w, a: services.apply_termination(t, actor=a, reason_code=TerminationReason.WITHDRAWN,
                                                   reason="群众来电撤回诉求")),
    Action.DECIDE_TERMINATION: Case(
        HANDLING, dispatcher,
        lambda t, w, a: services.decide_termination(t, actor=a, approve=True, note="经核实，同意终止"),
        reach=pending(_apply_termination, S.IN_PROGRESS)),
    # A citizen's repeat call on an open order a unit holds or will hold (not 已登记: no decision taken yet;
    # not 待回访: the unit has replied, the return visit answers the citizen).
    Action.CHASE: Case(
        OPEN - {S.REGISTERED, S.AWAITING_VISIT}, intake, lambda t, w, a: services.chase(t, actor=a, note="群众来电催办，已告知进度")),
    Action.SUPPLEMENT: Case(
        OPEN - {S.REGISTERED, S.AWAITING_VISIT}, supervisor, lambda t, w, a: services.supplement(t, actor=a, text="噪音晚上十点后更严重")),
    # The centre corrects how it recorded an open order (工单更正).
    Action.CORRECT: Case(
        OPEN, dispatcher,
        lambda t, w, a: services.correct(t, actor=a, reason="核实后更正", is_difficult=not t.is_difficult)),
    # 拆单: the other demands of an order still at the centre become new orders; the order's status stays.
    Action.SPLIT: Case(
        frozenset({S.REGISTERED, S.PENDING_DISPATCH}), intake,
        lambda t, w, a: services.split(t, actor=a, children=[services.ChildDraft(description="另：小区路灯不亮")])),
}
#: What any step writes on the order it touches, besides its own changes.
BOOKKEEPING = {"version", "updated_at", "timeline_count"}
#: REGISTER creates the order; it has no existing order to start from (its source is "").
REGISTER_SOURCES = frozenset({""})


def test_cases_cover_the_table() -> None:
    """The table and this test agree on every action and every source: change one, change the other."""
    assert set(CASES) | {Action.REGISTER} == set(TRANSITIONS)
    assert TRANSITIONS[Action.REGISTER].sources == REGISTER_SOURCES
    for action, case in CASES.items():
        assert TRANSITIONS[action].sources == case.sources, action


ALLOWED = [(a, s) for a, c in CASES.items() for s in sorted(c.sources) if s not in c.unreachable]
UNREACHABLE = [(a, s) for a, c in CASES.items() for s in sorted(c.unreachable)]
REFUSED = [(a, s) for a, c in CASES.items() for s in sorted(ALL - c.sources)]


@pytest.mark.parametrize(("action", "status"), ALLOWED)
def test_allowed(world: World, action: str, status: str) -> None:
    case = CASES[action]
    row = TRANSITIONS[action]
    t = case.reach(status, world)
    assert t.status == status
    before = stored(t)
    actor = case.actor(world)

    case.call(t, world, actor)

    t.refresh_from_db()
    after = stored(t)
    steps = 2 if case.then else 1
    assert after["version"] == before["version"] + steps
    assert after["timeline_count"] == before["timeline_count"] + steps
    event, *following = t.timeline.filter(seq__gt=before["version"]).order_by("seq")
    if row.targets:
        assert event.to_status in row.targets
    else:
        assert event.to_status == status
    assert (event.seq, event.action, event.actor, event.from_status) == (before["version"] + 1, action, actor, status)
    if case.then:  # the next step starts where this one ended and leaves the order as it is now
        (then,) = following
        assert (then.action in case.then, then.actor, then.from_status, then.to_status) == (
            True, actor, event.to_status, t.status)
        assert t.status in TRANSITIONS[then.action].targets
    else:
        assert event.to_status == t.status
    assert list(t.timeline.values_list("seq", flat=True)) == list(range(1, t.version + 1))
    if status == S.CLOSED and action != Action.REOPEN:  # only reopening changes a closed order itself
        assert {k: v for k, v in after.items() if k not in BOOKKEEPING} == {
            k: v for k, v in before.items() if k not in BOOKKEEPING}

    if action == Action.MERGE:
        master = t.merge_master
        master_events = list(master.timeline.order_by("seq"))
        assert len(master_events) == 2  # registered, then the merge
        assert (master_events[-1].action, master_events[-1].data["merged"]) == (Action.MERGE_INTO, t.pk)
        assert t.master_id == master.pk
    if action == Action.MERGE_INTO:
        duplicate = t.merge_duplicate
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.master_id, duplicate.version) == (S.MERGED, t.pk, 2)
        assert event.data["merged"] == duplicate.pk


@pytest.mark.parametrize(("action", "status"), UNREACHABLE)
def test_allowed_but_nothing_to_decide(world: World, action: str, status: str) -> None:
    """The table lets the step start here, but no order in this status can hold the record it decides."""
    case = CASES[action]
    t = case.reach(status, world)
    before = stored(t)
    with pytest.raises(InvalidTransition) as refused:
        case.call(t, world, case.actor(world))
    assert "当前状态" not in refused.value.message  # not refused by the table, but for lack of a record
    assert stored(t) == before


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_refused(world: World, action: str, status: str) -> None:
    case = CASES[action]
    t = case.reach(status, world)
    assert t.status == status
    before = stored(t)

    with pytest.raises(case.refusal) as refused:
        case.call(t, world, case.actor(world))

    assert stored(t) == before
    assert {k: v for k, v in before.items() if k != "timeline_count"} == instance_fields(t)
    if case.refusal is InvalidTransition:
        assert f"当前状态为「{Status(status).label}」" in refused.value.message
    if action == Action.MERGE:
        assert stored(t.merge_master)["version"] == 1  # the would-be master got no event either
    if action == Action.MERGE_INTO:
        duplicate = t.merge_duplicate
        assert stored(duplicate)["version"] == 1
        assert Ticket.objects.get(pk=duplicate.pk).status == S.REGISTERED


# --- Register --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.INTAKE, Role.DISPATCHER, Role.ADMIN, None])
def test_register_writes_the_first_event(db: None, frozen_now: object, role: str | None) -> None:
    actor = UserFactory(role=role) if role else None  # None: the citizen portal or an integration
    t = services.register(services.TicketDraft(request_type="help", title="", description="井盖缺失"), actor=actor)
    event = t.timeline.get()
    assert (t.status, t.version, t.number is not None) == (S.REGISTERED, 1, True)
    assert (event.seq, event.action, event.actor, event.from_status, event.to_status) == (
        1, Action.REGISTER, actor, "", S.REGISTERED)


# --- Who may take each step -------------------------------------------------------------------------------


#: sign() and reply() take the assisting unit's path only for a member of an assisting unit; anyone else's
#: call is judged as the lead's step, so try the role where both paths start.
ROLE_CHECK_STATUS = {Action.SIGN_ASSIST: S.DISPATCHED, Action.ASSIST_REPLY: S.IN_PROGRESS}


def _first_source(action: str) -> str:
    case = CASES[action]
    return ROLE_CHECK_STATUS.get(action) or min(s for s in case.sources if s not in case.unreachable)


def _make_actor(role: str | None, w: World) -> User | None:
    if role is None:
        return None
    units = [w.cast.lead, *w.cast.assisting] if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else []
    return UserFactory(role=role, units=units)  # unit staff even belong to the order's units


WRONG_ROLES = [
    (action, role)
    for action in [*CASES, Action.REGISTER]
    for role in [*Role, None]
    if role not in TRANSITIONS[action].roles and not (role is None and TRANSITIONS[action].anonymous)
]


@pytest.mark.parametrize(("action", "role"), WRONG_ROLES)
def test_wrong_role_is_not_permitted(world: World, action: str, role: str | None) -> None:
    """Every role the table does not name (and no one at all, unless the row allows it) gets NotPermitted."""
    actor = _make_actor(role, world)
    if action == Action.REGISTER:
        with pytest.raises(NotPermitted):
            services.register(services.TicketDraft(request_type="help", title="", description="x"), actor=actor)
        assert not Ticket.objects.exists()
        return
    case = CASES[action]
    t = case.reach(_first_source(action), world)
    before = stored(t)
    with pytest.raises(NotPermitted):
        case.call(t, world, actor)
    assert stored(t) == before
    assert {k: v for k, v in before.items() if k != "timeline_count"} == instance_fields(t)


def test_unit_handler_cannot_dispatch(world: World) -> None:
    t = make_ticket(S.PENDING_DISPATCH, cast=world.cast)
    with pytest.raises(NotPermitted, match="承办人无权执行「派单」"):
        services.dispatch(t, actor=world.cast.lead_handler, lead=world.cast.lead)
    assert t.status == S.PENDING_DISPATCH and not t.assignments.exists()


def test_dispatcher_cannot_sign(world: World) -> None:
    t = make_ticket(S.DISPATCHED, cast=world.cast)
    with pytest.raises(NotPermitted):
        services.sign(t, actor=world.cast.dispatcher)
    assert stored(t)["status"] == S.DISPATCHED


def test_inactive_user_is_not_permitted(world: World) -> None:
    t = make_ticket(S.PENDING_DISPATCH, cast=world.cast)
    world.cast.dispatcher.is_active = False
    world.cast.dispatcher.save()
    with pytest.raises(NotPermitted):
        services.dispatch(t, actor=world.cast.dispatcher, lead=world.spare)


def test_leader_and_no_one_are_in_the_refusals_of_every_step() -> None:
    """A leader (领导) only looks; no one logged in may only use the portal. `WRONG_ROLES` tries each of them."""
    assert {a for a, r in WRONG_ROLES if r == Role.LEADER} == set(TRANSITIONS)
    assert {a for a, r in WRONG_ROLES if r is None} == {a for a, row in TRANSITIONS.items() if not row.anonymous}
    assert {Action.REGISTER, Action.RETURN_VISIT, Action.ATTACH, Action.CHASE} >= {
        a for a, row in TRANSITIONS.items() if row.anonymous}  # the portal: register, rate, attach, chase


# --- A unit acts only for itself -------------------------------------------------------------------------------


def _other_unit_handler(w: World) -> User:
    return UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory(parent=w.cast.lead.parent)])


UNIT_STEPS = {
    Action.SIGN: S.DISPATCHED,
    Action.RETURN: S.IN_PROGRESS,
    Action.FORWARD: S.IN_PROGRESS,
    Action.RECALL: S.DISPATCHED,
    Action.REPLY: S.IN_PROGRESS,
    Action.REQUEST_INFO: S.IN_PROGRESS,
    Action.REQUEST_EXTENSION: S.IN_PROGRESS,
    Action.RESUME: S.AWAITING_CITIZEN,
    Action.APPLY_UNREASONABLE: S.REPLIED,
    Action.APPEAL: S.CLOSED,
    Action.APPLY_TERMINATION: S.IN_PROGRESS,
    Action.ATTACH: S.IN_PROGRESS,  # the district above sees the order but does not hold it
}


def test_unit_steps_cover_every_by_unit_row() -> None:
    by_unit = {a for a, row in TRANSITIONS.items() if row.by_unit}
    assert by_unit - set(UNIT_STEPS) == {Action.SIGN_ASSIST, Action.ASSIST_REPLY}  # the same calls as SIGN, REPLY


@pytest.mark.parametrize(("action", "status"), sorted(UNIT_STEPS.items()))
@pytest.mark.parametrize("who", ["other street", "parent district"])
def test_unit_cannot_act_for_another_unit(world: World, action: str, status: str, who: str) -> None:
    """Another street, or the district above the lead street (which sees the order), cannot take its steps."""
    if who == "other street":
        actor = _other_unit_handler(world)
    else:
        actor = UserFactory(role=Role.UNIT_ADMIN, units=[world.cast.lead.parent])
    t = make_ticket(status, cast=world.cast)
    before = stored(t)
    with pytest.raises(NotPermitted):
        CASES[action].call(t, world, actor)
    assert stored(t) == before


LEAD_ONLY = {  # the lead's steps, and the state of the assisting unit's own assignment when it tries them
    Action.SIGN: S.DISPATCHED,  # the assisting unit has signed its own part: nothing left to sign
    Action.RETURN: S.IN_PROGRESS,
    Action.FORWARD: S.IN_PROGRESS,
    Action.REPLY: S.REPLIED,  # the assisting unit has given its input: the lead's reply is not its to give
    Action.REQUEST_INFO: S.IN_PROGRESS,
    Action.RESUME: S.AWAITING_CITIZEN,
    Action.APPLY_UNREASONABLE: S.IN_PROGRESS,
    Action.APPEAL: S.CLOSED,
    Action.APPLY_TERMINATION: S.IN_PROGRESS,
}


@pytest.mark.parametrize(("action", "status"), sorted(LEAD_ONLY.items()))
def test_assisting_unit_cannot_take_the_leads_steps(world: World, action: str, status: str) -> None:
    if action == Action.REPLY:
        t = make_ticket(S.IN_PROGRESS, cast=world.cast)
        CASES[Action.ASSIST_REPLY].call(t, world, world.cast.assist_handlers[0])
    else:
        t = assist_signed(status, world)
    before = stored(t)
    with pytest.raises(NotPermitted):
        CASES[action].call(t, world, world.cast.assist_handlers[0])
    assert stored(t) == before
