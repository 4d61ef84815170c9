"""The one transition table of the lifecycle (工单流转规则), enforced by every service.

Each action names the statuses it may start from, the statuses it may lead to (empty = the status
stays), who may take it, and whether the actor must act for the unit that holds the order.
`docs/lifecycle.md` draws this table as a state diagram.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.accounts.choices import Role
from hotline.tickets.choices import Action, AssignmentStatus
from hotline.tickets.choices import Status as S

INTAKE = frozenset({Role.INTAKE, Role.DISPATCHER, Role.ADMIN})
DISPATCH = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
REVIEW = frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN})
VISIT = frozenset({Role.INSPECTOR, Role.INTAKE, Role.SUPERVISOR, Role.ADMIN})
SUPERVISE = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: The centre's people who answer a citizen's repeat call (群众催办, 补充诉求).
CALL_HANDLERS = frozenset({Role.INTAKE, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
UNIT = frozenset({Role.UNIT_HANDLER, Role.UNIT_ADMIN})

#: Statuses in which an order is still open (not finished).
OPEN = frozenset({S.REGISTERED, S.PENDING_DISPATCH, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS,
                  S.AWAITING_CITIZEN, S.REPLIED, S.AWAITING_VISIT})
HANDLING = frozenset({S.IN_PROGRESS, S.AWAITING_CITIZEN})
#: Open orders a citizen's repeat call is recorded on (群众催办, 补充诉求): those a unit holds or will hold. Not
#: 已登记, whose first decision (answer on the spot, dispatch, refuse) the centre has not taken yet, nor 待回访,
#: where the unit has replied: a repeat call there is answered by taking that step (the decision, the visit).
FOLLOWED_UP = OPEN - {S.REGISTERED, S.AWAITING_VISIT}
#: Where a chase counts against the unit (`Ticket.chase_count`): a unit holds the order and should act on it.
CHASE_COUNTED = frozenset({S.DISPATCHED, S.IN_PROGRESS})


@dataclass(frozen=True)
class Transition:
    """One row of the table."""

    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]
    by_unit: bool = False  # the actor must be a member of the unit holding the assignment
    anonymous: bool = False  # may be taken with no logged-in actor (citizen portal, integrations)
    citizens_only: bool = False  # only on an order a citizen asked for, never a proactive one (未诉先办)

    @property
    def keeps_status(self) -> bool:
        return not self.targets


def _t(sources, targets=(), roles=INTAKE, **kw) -> Transition:  # noqa: ANN001
    return Transition(frozenset(sources), frozenset(targets), frozenset(roles), **kw)


TRANSITIONS: dict[str, Transition] = {
    Action.REGISTER: _t([""], [S.REGISTERED], INTAKE, anonymous=True),
    Action.ANSWER_DIRECTLY: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.ANSWERED], citizens_only=True),
    Action.TRANSFER: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.TRANSFERRED]),
    Action.NOT_ACCEPT: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.NOT_ACCEPTED]),
    Action.SEND_TO_DISPATCH: _t([S.REGISTERED], [S.PENDING_DISPATCH]),
    Action.DISPATCH: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.DISPATCHED], DISPATCH),
    Action.DESIGNATE: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.DISPATCHED], DISPATCH),
    # 会商: the dispatch desk asks the candidate units for their view before it decides who holds the matter.
    Action.CONSULT: _t([S.REGISTERED, S.PENDING_DISPATCH], [], DISPATCH),
    Action.GIVE_OPINION: _t([S.REGISTERED, S.PENDING_DISPATCH], [], UNIT),  # invited units only (the service checks)
    Action.CONCLUDE_CONSULTATION: _t([S.REGISTERED, S.PENDING_DISPATCH], [S.DISPATCHED], DISPATCH),
    Action.WITHDRAW_CONSULTATION: _t([S.REGISTERED, S.PENDING_DISPATCH], [], DISPATCH),
    Action.SIGN: _t([S.DISPATCHED], [S.IN_PROGRESS], UNIT, by_unit=True),
    Action.SIGN_ASSIST: _t([S.DISPATCHED, *HANDLING, S.RETURNED, S.REPLIED], [], UNIT, by_unit=True),  # 退单待审 too: its clock runs
    # 退单: to the centre for review; an order a unit received by 下派 goes straight back to the unit above.
    Action.RETURN: _t([S.DISPATCHED, S.IN_PROGRESS], [S.RETURNED, S.IN_PROGRESS], UNIT, by_unit=True),
    # 下派: the lead unit hands the order to a unit below it (a district to a street); the deadlines stay.
    Action.FORWARD: _t([S.DISPATCHED, S.IN_PROGRESS], [S.DISPATCHED], UNIT, by_unit=True),
    # 收回下派: the unit above takes back an order it handed down, before the unit below signed it.
    Action.RECALL: _t([S.DISPATCHED], [S.IN_PROGRESS], UNIT, by_unit=True),
    Action.ACCEPT_RETURN: _t([S.RETURNED], [S.PENDING_DISPATCH], DISPATCH),
    Action.REJECT_RETURN: _t([S.RETURNED], [S.DISPATCHED, S.IN_PROGRESS], DISPATCH),
    # 改派: the centre withdraws the units holding the order and dispatches it anew in the same call (a second
    # event, 派单/指定派单). Not while a return, a reply or the citizen's supplement waits: that step decides first.
    Action.REASSIGN: _t([S.DISPATCHED, S.IN_PROGRESS], [S.PENDING_DISPATCH], DISPATCH),
    # Wherever an assisting unit's own reply clock runs (as 协办答复): 待签收 (it signed before the lead), 退单待审
    # (the lead, 已退单, has nothing to ask for) and 答复待审 (the lead has replied); the service takes only a
    # signed unit's request. The centre may decide a request in those statuses, as it may deny one.
    Action.REQUEST_EXTENSION: _t([S.DISPATCHED, *HANDLING, S.RETURNED, S.REPLIED], [], UNIT, by_unit=True),
    Action.APPROVE_EXTENSION: _t([S.DISPATCHED, *HANDLING, S.REPLIED, S.RETURNED], [], DISPATCH),
    Action.DENY_EXTENSION: _t([S.DISPATCHED, *HANDLING, S.REPLIED, S.RETURNED], [], DISPATCH),
    Action.REQUEST_INFO: _t([S.IN_PROGRESS], [S.AWAITING_CITIZEN], UNIT, by_unit=True, citizens_only=True),
    Action.RESUME: _t([S.AWAITING_CITIZEN], [S.IN_PROGRESS], UNIT | INTAKE, by_unit=True),
    Action.REPLY: _t([S.IN_PROGRESS], [S.REPLIED], UNIT, by_unit=True),
    Action.ASSIST_REPLY: _t([S.DISPATCHED, *HANDLING, S.RETURNED, S.REPLIED], [], UNIT, by_unit=True),  # as 协办签收
    Action.APPROVE_REPLY: _t([S.REPLIED], [S.AWAITING_VISIT], REVIEW),
    Action.SEND_BACK: _t([S.REPLIED], [S.IN_PROGRESS], REVIEW),
    Action.RETURN_VISIT: _t([S.AWAITING_VISIT], [S.CLOSED, S.IN_PROGRESS, S.AWAITING_VISIT], VISIT,
                            anonymous=True),  # the citizen rates through a tokenised portal link
    Action.REOPEN: _t([S.CLOSED, S.ANSWERED, S.TERMINATED], [S.PENDING_DISPATCH], REVIEW),  # 终止后群众再来
    Action.MERGE: _t(OPEN - {S.AWAITING_VISIT, S.REPLIED}, [S.MERGED], DISPATCH),
    Action.MERGE_INTO: _t(OPEN, [], DISPATCH),  # a finished order takes no duplicate: nobody would handle it
    Action.SUPERVISE: _t([S.DISPATCHED, S.RETURNED, *HANDLING, S.REPLIED, S.AWAITING_VISIT], [], SUPERVISE),
    Action.APPLY_UNREASONABLE: _t([*HANDLING, S.REPLIED, S.AWAITING_VISIT], [], UNIT, by_unit=True,
                                  citizens_only=True),
    Action.DECIDE_UNREASONABLE: _t(OPEN | {S.CLOSED}, [], SUPERVISE),
    Action.APPEAL: _t([S.CLOSED], [], UNIT, by_unit=True),
    Action.DECIDE_APPEAL: _t([S.CLOSED, *OPEN], [], SUPERVISE),
    Action.APPLY_TERMINATION: _t(HANDLING, [], UNIT, by_unit=True),
    # The dispatch desk that sent the order decides, like returns and extensions; supervisors too (SUPERVISE ⊂ DISPATCH).
    Action.DECIDE_TERMINATION: _t(HANDLING, [S.TERMINATED, *HANDLING], SUPERVISE | DISPATCH),
    # A unit attaches only to an order it holds now (待签收, 办理中, 已答复), as lead or assisting unit.
    Action.ATTACH: _t(OPEN, [], INTAKE | DISPATCH | UNIT | REVIEW, by_unit=True, anonymous=True),
    # A citizen's repeat contact recorded on the open order instead of a new one; the portal chases too.
    Action.CHASE: _t(FOLLOWED_UP, [], CALL_HANDLERS, anonymous=True, citizens_only=True),
    Action.SUPPLEMENT: _t(FOLLOWED_UP, [], CALL_HANDLERS, citizens_only=True),
    # The centre corrects how it recorded an open order (category, urgency, place…): agents, dispatchers, supervisors.
    Action.CORRECT: _t(OPEN, [], INTAKE | DISPATCH),
    # 拆单: an order holding several unrelated demands (一单多诉) becomes the parent of 1..5 new orders, one per
    # other demand, while it is still at the centre (not during a 会商: the service checks); the parent's status stays.
    Action.SPLIT: _t([S.REGISTERED, S.PENDING_DISPATCH], [], INTAKE),
}

#: Actions that a closed order accepts; all of them leave the order's own fields untouched except REOPEN.
CLOSED_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if S.CLOSED in t.sources)

#: Moves of one unit's assignment (the unit-level part of the lifecycle).
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentStatus.PENDING_SIGN: frozenset({AssignmentStatus.SIGNED, AssignmentStatus.RETURNED,
                                              AssignmentStatus.WITHDRAWN}),
    AssignmentStatus.SIGNED: frozenset({AssignmentStatus.RETURNED, AssignmentStatus.REPLIED,
                                        AssignmentStatus.WITHDRAWN, AssignmentStatus.FORWARDED}),
    AssignmentStatus.RETURNED: frozenset({AssignmentStatus.WITHDRAWN, AssignmentStatus.PENDING_SIGN,
                                          AssignmentStatus.SIGNED}),
    AssignmentStatus.REPLIED: frozenset({AssignmentStatus.SIGNED, AssignmentStatus.COMPLETED,
                                         AssignmentStatus.WITHDRAWN}),
    AssignmentStatus.COMPLETED: frozenset({AssignmentStatus.SIGNED}),
    AssignmentStatus.WITHDRAWN: frozenset(),
    # A unit that forwarded (下派) takes the order back when the unit below returns it.
    AssignmentStatus.FORWARDED: frozenset({AssignmentStatus.SIGNED}),
}


def allowed_actions(status: str) -> list[str]:
    """Every action the table allows from this status (before role and unit checks)."""
    return [action for action, row in TRANSITIONS.items() if status in row.sources]


def may_reopen(user: object) -> bool:
    """Whether this person's role may reopen a finished order (重新启用), e.g. after a second visit."""
    return getattr(user, "role", None) in TRANSITIONS[Action.REOPEN].roles
