"""Steps offered to a person that must wait for now (暂缓), and why: one answer for the order page.

`available_actions` says which steps a person's role and unit allow on the order's status. Some of
them the service would still refuse for a pending record: a second extension request while the first
waits, a second 不合理诉求 in the same round, a review before the extension decision that says whether
the reply was late, a second 终止办理 request while the first waits, a dispatch while a consultation
(会商) is open, 直接答复 of a 举报. Each hold below asks the predicate the service itself refuses with, and gives the
service's words, so the page and the service cannot disagree. The services keep refusing (API, bulk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hotline.accounts.models import User
from hotline.tickets.choices import Action, AssignmentStatus
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.permissions import current_lead_id
from hotline.tickets.services.consultation import CONSULTATION_OPEN, consultation_open
from hotline.tickets.services.handling import CLAIM_STANDS, EXTENSION_WAITS, claim_stands, extension_waits
from hotline.tickets.services.intake import REPORT_NEEDS_UNIT, report_needs_unit
from hotline.tickets.services.reassign import TERMINATION_PENDING
from hotline.tickets.services.review import review_blocker
from hotline.tickets.services.split import split_refused
from hotline.tickets.services.termination import TERMINATION_WAITS, pending_terminations, termination_waits


def _extension_waits(ticket: Ticket, user: User) -> str | None:
    """申请延期 waits while the request of the person's unit is undecided (the assignment `request_extension` takes)."""
    mine = (Assignment.objects.filter(ticket=ticket, status=AssignmentStatus.SIGNED, unit__memberships__user=user)
            .order_by("-dispatched_at", "-id").first())
    return str(EXTENSION_WAITS) if mine is not None and extension_waits(mine) else None


def _claim_stands(ticket: Ticket, user: User) -> str | None:
    """申请不合理诉求 waits while this round's claim is pending or granted (a refused one may be made again)."""
    lead = Assignment.objects.filter(pk=current_lead_id(ticket)).first()  # offered to the current round's lead only
    return str(CLAIM_STANDS) if lead is not None and claim_stands(lead) else None


def _termination_waits(ticket: Ticket, user: User) -> str | None:
    """申请终止办理 waits while the order's request is undecided (one at a time per order)."""
    return str(TERMINATION_WAITS) if termination_waits(ticket) else None


def _termination_pending(ticket: Ticket, user: User) -> str | None:
    """改派 waits while a termination request (终止办理) is undecided: the centre decides it first."""
    return str(TERMINATION_PENDING) if pending_terminations(ticket).exists() else None


def _consultation_open(ticket: Ticket, user: User) -> str | None:
    """派单 and 指定派单 wait while a consultation (会商) is open: its conclusion dispatches the order."""
    return str(CONSULTATION_OPEN) if consultation_open(ticket) else None


def _split_refused(ticket: Ticket, user: User) -> str | None:
    """拆单 waits while a consultation (会商) is open: the units are asked about the order as it is."""
    return split_refused(ticket)


def _report_needs_unit(ticket: Ticket, user: User) -> str | None:
    """直接答复 is not for a report of wrongdoing (举报): it goes to a unit (a confidential one excepted)."""
    return str(REPORT_NEEDS_UNIT) if report_needs_unit(ticket) else None


#: Each hold: the steps it holds back, and the question (None: not held) asked only when one is offered.
HOLDS: tuple[tuple[frozenset[str], Callable[[Ticket, User], str | None]], ...] = (
    (frozenset({Action.REQUEST_EXTENSION}), _extension_waits),
    (frozenset({Action.APPLY_UNREASONABLE}), _claim_stands),
    (frozenset({Action.APPLY_TERMINATION}), _termination_waits),
    (frozenset({Action.REASSIGN}), _termination_pending),
    (frozenset({Action.APPROVE_REPLY, Action.SEND_BACK}), review_blocker),
    (frozenset({Action.DISPATCH, Action.DESIGNATE}), _consultation_open),
    (frozenset({Action.ANSWER_DIRECTLY}), _report_needs_unit),
    (frozenset({Action.SPLIT}), _split_refused),
)


def held_steps(ticket: Ticket, user: User, actions: Iterable[str]) -> dict[str, str]:
    """The offered `actions` this person must not take yet, each with the words the service would refuse in."""
    offered = set(actions)
    held: dict[str, str] = {}
    for steps, why in HOLDS:
        if offered & steps and (reason := why(ticket, user)):
            held.update(dict.fromkeys(offered & steps, reason))
    return held
