"""After a step commits: count a newly registered call among the published incidents it matches, and mark the
links answered with the incident's script (errors logged, never raised)."""

from __future__ import annotations

import logging
from typing import Any

from hotline.incidents import services
from hotline.tickets.choices import Action
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, action: str, **kwargs: Any) -> None:
    """A registration is matched against the published incidents (自动关联); a later direct answer marks the
    links whose script it contains (按口径答复). Both are idempotent."""
    with guarded(logger, "incident matching of ticket %s (%s) failed", ticket_id, action):
        if action == Action.REGISTER:
            services.link_registered(ticket_id)
        elif action == Action.ANSWER_DIRECTLY:
            services.note_direct_answer(ticket_id)
