"""Taking a call in one go: register the order, attach the files, take the first decision — all or nothing."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from hotline.accounts.models import User
from hotline.attachments.services import attach
from hotline.governance.models import Theme
from hotline.governance.proactive import registration
from hotline.governance.services import link_proactive_order
from hotline.tickets import services
from hotline.tickets.models import Ticket
from hotline.workbench.intake.choices import Decision

#: The lifecycle service each decision calls after registration (仅登记 calls none).
_STEPS = {
    Decision.DISPATCH: services.send_to_dispatch,
    Decision.ANSWER: services.answer_directly,
    Decision.TRANSFER: services.transfer,
    Decision.NOT_ACCEPT: services.not_accept,
}


def take_call(draft: services.TicketDraft, *, actor: User, decision: str, uploads: Sequence[UploadedFile] = (),
              theme: Theme | None = None, **step_args: str) -> Ticket:
    """Register a call (受理登记) with its files and its first decision in one transaction.

    A refused step (DomainError) rolls everything back, including the files already written to storage.
    The services run as one unit (`all_or_nothing`: no savepoint each). Where the order's id can be
    taken first (PostgreSQL) and there are no files, the decision writes the order once, in its
    decided state, with both timeline events (`first_decision`).

    A proactive order raised from a 每月一题 `theme` (未诉先办) is linked to it in the same transaction, and
    its registration event names the theme; it is always written by `register` (which records both).
    """
    written: list[str] = []
    step = _STEPS.get(Decision(decision))
    try:
        with services.all_or_nothing():
            if step and not uploads and theme is None and not actor.is_unit_staff and (
                    new := services.register_unwritten(draft, actor=actor)):
                ticket, registered = new
                with services.first_decision(ticket, registered):  # the decision writes the order, decided
                    step(ticket, actor=actor, **step_args)
                return ticket
            if theme is None:
                ticket = services.register(draft, actor=actor)
            else:
                note, data = registration(theme)
                ticket = services.register(draft, actor=actor, note=note, data=data)
                link_proactive_order(theme, ticket, actor)
            for upload in uploads:
                attach(ticket, actor=actor, upload=upload)
                written = list(ticket.attachments.values_list("file", flat=True))
            if step:
                with services.held(ticket):  # registered just now, in this transaction: no re-read needed
                    step(ticket, actor=actor, **step_args)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return ticket


def link_to_current_call(ticket: Ticket, agent: User) -> None:
    """Link an order the agent chased or supplemented to the CTI call they are on (as a registered order is)."""
    from hotline.calls.services import call_during, link_order
    from hotline.core import clock

    call = call_during(agent.pk, clock.now())
    if call is not None:
        link_order(call, ticket)
