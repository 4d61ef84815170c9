"""Receivers of the knowledge base: remember which article a direct answer came from."""

from __future__ import annotations

import logging

from hotline.kb.services import record_usage_from_event
from hotline.tickets.choices import Action
from hotline.tickets.models import TimelineEvent
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: object, *, event_id: int, action: str, **kwargs: object) -> None:
    """After a 直接答复 is stored, record the article named by the answer's mark (idempotent)."""
    if action != Action.ANSWER_DIRECTLY:
        return
    with guarded(logger, "recording the article of the direct answer (event %s) failed", event_id):
        event = TimelineEvent.objects.select_related("ticket", "actor").filter(pk=event_id).first()
        if event is not None:
            record_usage_from_event(event)
