"""Receiver of the work-order signal: a return visit that disputes the reply's 已联系群众 becomes a finding."""

from __future__ import annotations

import logging
from typing import Any

from hotline.replyqa import services
from hotline.tickets.choices import Action
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, event_id: int, action: str, **kwargs: Any) -> None:
    """After a 回访 step commits, record a disputed contact (idempotent); errors are logged, never raised, and
    the step is followed up again."""
    if action != Action.RETURN_VISIT:
        return
    with guarded(logger, "recording a disputed contact for ticket %s event %s failed", ticket_id, event_id):
        services.record_disputed_contact(event_id)
