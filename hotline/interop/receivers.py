"""Receivers: committed steps go out to partners; a partner's 2xx answer to a transfer is its acknowledgement."""

from __future__ import annotations

import json
import logging
from typing import Any

from hotline.interop.choices import TRANSFER_CREATED
from hotline.interop.models import Partner
from hotline.interop.outbound import on_event
from hotline.interop.services import record_acknowledgement
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, event_id: int, **kwargs: Any) -> None:
    """A step committed: queue its messages for the partners that want it (errors logged, the step followed up again)."""
    with guarded(logger, "interop messages for event %s failed", event_id):
        on_event(event_id)


def on_delivery_succeeded(sender: Any, *, delivery: Any, body: bytes = b"", **kwargs: Any) -> None:
    """A partner answered a transfer with `{"reference": "..."}`: record it as its acknowledgement."""
    if delivery.event_type != TRANSFER_CREATED or delivery.ticket_id is None:
        return
    partner = Partner.objects.filter(endpoint_id=delivery.subscription_id).first()
    if partner is None:
        return
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return
    reference = answer.get("reference") if isinstance(answer, dict) else None
    if isinstance(reference, str | int) and str(reference).strip():
        record_acknowledgement(partner, delivery.ticket, str(reference).strip()[:64],
                               str(answer.get("note") or "")[:2000])
