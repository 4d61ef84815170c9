"""Which lifecycle steps a person may offer to take on an order right now (for pages and the API).

The services remain the authority — they re-check everything under the row lock. This module answers
"which buttons to show" from the same transition table, the actor's role, their unit's assignment and
the pending records a decision needs, in a handful of queries.
"""

from __future__ import annotations

from hotline.accounts.models import User
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, Decision
from hotline.tickets.models import Appeal, Assignment, Extension, ReturnRequest, Ticket, UnreasonableClaim
from hotline.tickets.transitions import TRANSITIONS

#: For unit actions: the role and statuses of the actor's own assignment that the step needs.
_UNIT_NEEDS: dict[str, tuple[str | None, set[str]]] = {
    Action.SIGN: (AssignmentRole.LEAD, {AssignmentStatus.PENDING_SIGN}),
    Action.SIGN_ASSIST: (AssignmentRole.ASSIST, {AssignmentStatus.PENDING_SIGN}),
    Action.RETURN: (AssignmentRole.LEAD, {AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED}),
    Action.REQUEST_EXTENSION: (None, {AssignmentStatus.SIGNED}),
    Action.REQUEST_INFO: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.RESUME: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.REPLY: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.ASSIST_REPLY: (AssignmentRole.ASSIST, {AssignmentStatus.SIGNED}),
    Action.APPLY_UNREASONABLE: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
                                                      AssignmentStatus.COMPLETED}),
    Action.APPEAL: (AssignmentRole.LEAD, {AssignmentStatus.COMPLETED}),
}

#: Centre decisions that need a pending record to decide on.
_PENDING: dict[str, type] = {
    Action.ACCEPT_RETURN: ReturnRequest,
    Action.REJECT_RETURN: ReturnRequest,
    Action.APPROVE_EXTENSION: Extension,
    Action.DENY_EXTENSION: Extension,
    Action.DECIDE_UNREASONABLE: UnreasonableClaim,
    Action.DECIDE_APPEAL: Appeal,
}

#: Steps that are never offered as a button of their own.
_NOT_OFFERED = {Action.REGISTER, Action.MERGE_INTO}


def available_actions(ticket: Ticket, user: User) -> list[str]:
    """The actions this person may take on this order now, in the table's order."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    candidates = [
        action for action, row in TRANSITIONS.items()
        if action not in _NOT_OFFERED and ticket.status in row.sources and user.role in row.roles
    ]
    if not candidates:
        return []
    mine: list[tuple[str, str, bool]] = []
    if any(TRANSITIONS[a].by_unit for a in candidates) and not user.is_centre_staff:
        mine = list(Assignment.objects.filter(ticket=ticket, unit__memberships__user=user)
                    .values_list("role", "status", "is_designated"))
    pending = {model for a, model in _PENDING.items() if a in candidates}
    has_pending = {model: model.objects.filter(ticket=ticket, status=Decision.PENDING).exists()
                   for model in pending}
    result = []
    for action in candidates:
        if action in _PENDING and not has_pending[_PENDING[action]]:
            continue
        if TRANSITIONS[action].by_unit and not user.is_centre_staff:
            role, statuses = _UNIT_NEEDS[action]
            ok = [m for m in mine if (role is None or m[0] == role) and m[1] in statuses]
            if not ok or (action == Action.RETURN and all(m[2] for m in ok)):
                continue
        result.append(action)
    return result
