"""Every change to a work order goes through these functions (one per lifecycle step).

Each locks the order, checks the transition table (`hotline.tickets.transitions`) and the actor,
changes the order, and appends its timeline event in the same transaction. A refused step raises a
`hotline.tickets.exceptions.DomainError` and changes nothing.
"""

from hotline.core.transactions import all_or_nothing
from hotline.tickets.services._core import actor_label, first_decision, held
from hotline.tickets.services.consultation import give_opinion, start_consultation, withdraw_consultation
from hotline.tickets.services.correction import correct
from hotline.tickets.services.dispatching import (
    accept_return,
    conclude_consultation,
    dispatch,
    merge,
    reject_return,
    return_order,
)
from hotline.tickets.services.followups import chase, supplement, supplement_and_resume
from hotline.tickets.services.forwarding import forward, recall
from hotline.tickets.services.handling import (
    apply_unreasonable,
    approve_extension,
    deny_extension,
    reply,
    request_extension,
    request_info,
    resume,
    sign,
)
from hotline.tickets.services.intake import (
    TicketDraft,
    answer_directly,
    not_accept,
    register,
    register_unwritten,
    send_to_dispatch,
    transfer,
)
from hotline.tickets.services.reassign import reassign
from hotline.tickets.services.review import (
    approve_reply,
    failed_attempts,
    record_return_visit,
    reopen,
    send_back,
    visit_attempt_limit,
)
from hotline.tickets.services.split import ChildDraft, split
from hotline.tickets.services.supervision import appeal, decide_appeal, decide_unreasonable, supervise
from hotline.tickets.services.termination import apply_termination, decide_termination

__all__ = [
    "ChildDraft",
    "TicketDraft",
    "accept_return",
    "actor_label",
    "all_or_nothing",
    "answer_directly",
    "appeal",
    "apply_termination",
    "apply_unreasonable",
    "approve_extension",
    "approve_reply",
    "chase",
    "correct",
    "conclude_consultation",
    "decide_appeal",
    "decide_termination",
    "decide_unreasonable",
    "deny_extension",
    "dispatch",
    "first_decision",
    "forward",
    "give_opinion",
    "held",
    "merge",
    "not_accept",
    "record_return_visit",
    "failed_attempts",
    "visit_attempt_limit",
    "register",
    "register_unwritten",
    "recall",
    "reassign",
    "reject_return",
    "reopen",
    "reply",
    "request_extension",
    "request_info",
    "resume",
    "return_order",
    "send_back",
    "send_to_dispatch",
    "sign",
    "split",
    "start_consultation",
    "supplement",
    "supplement_and_resume",
    "supervise",
    "transfer",
    "withdraw_consultation",
]
