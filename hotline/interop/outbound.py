"""What the centre sends to partners, queued after a step commits and delivered by the webhooks deliverer.

- 转应急 (TRANSFER to 110/119/120/122) → `transfer.created` to the partner of that service;
- dispatch to a specialised hotline's unit → `transfer.created` to that hotline;
- any public step on an order a partner transferred in → `transfer.update` back to that partner; once that order
  is merged (并单) into another, the master's public steps go to the partner under its reference on the merged
  order (`_forward_from_master`), so that the partner hears the outcome and every order keeps its one reference.

Confidential (保密) orders carry only their number, status and the partner's reference, except a
transfer out, which must carry the matter itself (never the caller's identity). Nor does a transfer out carry
an anonymous caller's or a 举报's reporter's identity (`Ticket.identity_withheld`): whistle-blowers' identities
never leave the centre, whichever platform the matter goes to (docs/security.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import clock, memo
from hotline.core.privacy import phone_for, scrub_public_text
from hotline.interop.choices import TRANSFER_CREATED, TRANSFER_UPDATE, Direction, MessageKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.tickets.choices import DISPATCH_ACTIONS, Action, Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.public_text import outbound_note
from hotline.webhooks.services import enqueue


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _private(ticket: Ticket) -> bool:
    """Whether the caller's identity must not leave the centre: withheld (匿名, 举报) or a confidential (保密) order."""
    return ticket.identity_withheld or ticket.is_confidential


def _order(ticket: Ticket, partner: Partner) -> dict[str, Any]:
    """The matter as a partner needs it to act; the caller only when the order is not confidential and the
    caller's identity is not withheld (`Ticket.identity_withheld`: an anonymous caller, the reporter of a 举报).
    Such an order (`_private`) goes with its title and content scrubbed as units read them (`scrub_public_text`:
    names, the caller's and other numbers masked); the partner asks the centre to pass a message on."""
    withheld = _private(ticket)
    body: dict[str, Any] = {
        "number": ticket.number, "status": ticket.status,
        "title": scrub_public_text(ticket.title, order=ticket) if withheld else ticket.title,
        "content": scrub_public_text(ticket.description, order=ticket) if withheld else ticket.description,
        "request_type": ticket.request_type, "urgency": ticket.urgency,
        "category": ticket.category.full_name if ticket.category_id else "",
        "address": scrub_public_text(ticket.address, order=ticket) if withheld else ticket.address,
        "lat": float(ticket.latitude) if ticket.latitude is not None else None,
        "long": float(ticket.longitude) if ticket.longitude is not None else None,
        "registered_at": _iso(ticket.registered_at), "confidential": ticket.is_confidential,
    }
    if not withheld:
        reader = partner.api_key.user if partner.api_key_id else None
        body["caller"] = {"name": ticket.caller_name, "phone": phone_for(ticket, reader)}
    return body


def _logged(partner: Partner, message_id: str) -> PartnerMessage | None:
    """The message already logged for this partner under this id (sent, or logged as unsendable), if any."""
    return PartnerMessage.objects.filter(partner=partner, message_id=message_id).first()


def _send(partner: Partner, event: TimelineEvent, event_type: str, kind: str, body: dict[str, Any],
          summary: str, external_id: str = "", ticket: Ticket | None = None) -> PartnerMessage:
    """Queue one message to the partner's endpoint and log it (or log that it has none).

    `ticket` is the order the message is about for the partner (the event's own by default). The message is
    queued and logged once per partner and `body["id"]` (`PartnerMessage.message_id`), whatever the endpoint
    state: a step followed up again (`tasks.repair`) gets the message logged the first time — also a
    「未配置接收地址」 line, which has no delivery — and two workers logging it at once log it once.
    """
    ticket = ticket or event.ticket
    message_id = body["id"]
    logged = _logged(partner, message_id)
    if logged is not None:
        return logged
    delivery = None
    if partner.endpoint_id and partner.endpoint.is_active:
        delivery = enqueue(partner.endpoint, event_id=message_id, event_type=event_type, payload=body,
                           ticket=ticket)
    else:
        kind = MessageKind.NO_ENDPOINT
        summary = _("%(summary)s（未配置接收地址，请电话联系对方）") % {"summary": summary}
    try:
        with transaction.atomic():
            return PartnerMessage.objects.create(partner=partner, ticket=ticket, direction=Direction.OUT, kind=kind,
                                                 external_id=external_id, summary=summary, delivery=delivery,
                                                 message_id=message_id, created_at=clock.now())
    except IntegrityError:  # another worker logged it meanwhile (`enqueue` queued the delivery once for both)
        return PartnerMessage.objects.get(partner=partner, message_id=message_id)


def _transfer_note(event: TimelineEvent) -> str:
    """The note a transfer out carries: the agent's or dispatcher's words, with the caller's name and number and
    every other number, identity card number and full name masked (`scrub_public_text`) when the caller's
    identity must not leave the centre (`_private`); as written otherwise (the partner acts on them)."""
    note = event.note or ""
    return scrub_public_text(note, order=event.ticket) if _private(event.ticket) else note


def _transfer_out(partner: Partner, event: TimelineEvent, role: str) -> PartnerMessage:
    body = {"id": f"{TRANSFER_CREATED}:{event.pk}", "type": TRANSFER_CREATED, "occurred_at": _iso(event.at),
            "partner": partner.code, "role": role, "note": _transfer_note(event),
            "order": _order(event.ticket, partner),
            "acknowledge": {"method": "POST", "path": "/interop/v1/acks",
                            "body": {"number": event.ticket.number, "reference": "<your id>"}}}
    summary = _("工单 %(number)s 转至「%(partner)s」") % {"number": event.ticket.number, "partner": partner.name}
    return _send(partner, event, TRANSFER_CREATED, MessageKind.TRANSFER_OUT, body, summary)


def _update_back(reference: ExternalReference, event: TimelineEvent) -> PartnerMessage:
    ticket = event.ticket
    body: dict[str, Any] = {"id": f"{TRANSFER_UPDATE}:{event.pk}", "type": TRANSFER_UPDATE,
                            "occurred_at": _iso(event.at), "reference": reference.external_id,
                            "order": {"number": ticket.number, "status": ticket.status}}
    if not ticket.is_confidential:
        body["order"]["status_label"] = str(ticket.get_status_display())
        body["step"] = {"action": event.action, "label": str(event.label), "note": outbound_note(event),
                        "unit": event.unit.name if event.unit_id else ""}
    summary = _("进展：%(step)s → %(status)s") % {"step": event.label,
                                                 "status": Status(event.to_status).label}
    return _send(reference.partner, event, TRANSFER_UPDATE, MessageKind.UPDATE_OUT, body, summary,
                 reference.external_id)


def _forward_from_master(reference: ExternalReference, event: TimelineEvent) -> PartnerMessage:
    """A public step of the master (主工单) sent to a partner whose order was merged into it (并单).

    The message names the partner's own reference and our merged order (its status 已并单), and under
    `merged_into` the master's status and step. A confidential (保密) master is not named and its step is
    not told (its status only), nor is the step of a merged order that is itself confidential.
    """
    merged, master = reference.ticket, event.ticket
    body: dict[str, Any] = {"id": f"{TRANSFER_UPDATE}:{event.pk}:{reference.pk}", "type": TRANSFER_UPDATE,
                            "occurred_at": _iso(event.at), "reference": reference.external_id,
                            "order": {"number": merged.number, "status": merged.status},
                            "merged_into": {"status": master.status}}
    if not master.is_confidential:
        body["merged_into"]["number"] = master.number
    if not (master.is_confidential or merged.is_confidential):
        body["merged_into"]["status_label"] = str(master.get_status_display())
        body["step"] = {"action": event.action, "label": str(event.label), "note": outbound_note(event),
                        "unit": event.unit.name if event.unit_id else ""}
    summary = _("主工单进展：%(step)s → %(status)s") % {"step": event.label, "status": Status(event.to_status).label}
    return _send(reference.partner, event, TRANSFER_UPDATE, MessageKind.UPDATE_OUT, body, summary,
                 reference.external_id, ticket=merged)


def on_event(event_id: int) -> list[PartnerMessage]:
    """Send whatever partners must hear about a committed step (idempotent per event)."""
    if not memo.once("interop.any_partner", Partner.objects.filter(is_active=True).exists):  # none: one query
        return []
    event = TimelineEvent.objects.select_related("ticket__category", "unit").filter(pk=event_id).first()
    if event is None:
        return []
    sent: list[PartnerMessage] = []
    ticket = event.ticket
    active = Partner.objects.filter(is_active=True).select_related("endpoint", "api_key__user")
    if event.action == Action.TRANSFER and ticket.transferred_to:
        partner = active.filter(emergency_service=ticket.transferred_to).first()
        if partner is not None:
            sent.append(_transfer_out(partner, event, "lead"))
    if event.action in DISPATCH_ACTIONS and isinstance(event.data, dict):
        roles = {event.data.get("lead"): "lead", **{pk: "assist" for pk in event.data.get("assisting", [])}}
        for partner in active.filter(unit_id__in=[pk for pk in roles if pk]):
            sent.append(_transfer_out(partner, event, roles[partner.unit_id]))
    if event.is_public and event.action != Action.REGISTER:
        # The order's own references, and (but for the step recording another merge, which would name that
        # order) those on the orders merged into it (并单), whose partners hear the outcome through the master.
        merged = Q(ticket__master=ticket, ticket__status=Status.MERGED) if event.action != Action.MERGE_INTO else Q()
        for reference in ExternalReference.objects.filter(Q(ticket=ticket) | merged, direction=Direction.IN,
                                                          partner__is_active=True).select_related(
                                                              "partner__endpoint", "ticket"):
            if reference.ticket_id == ticket.pk:
                sent.append(_update_back(reference, event))
            else:
                sent.append(_forward_from_master(reference, event))
    return sent
