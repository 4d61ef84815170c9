"""Intake (受理): register an order and take the first decision on it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.labels import label
from hotline.orgs.models import HandlingUnit
from hotline.orgs.places import recognise
from hotline.sla import services as sla
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import (
    ONLINE_CHANNELS,
    Action,
    Channel,
    EmergencyService,
    NotAcceptedReason,
    Status,
)
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.services._core import (
    Step,
    actor_label,
    announce,
    atomic_step,
    begin,
    check_role,
    service,
)
from hotline.tickets.services.consultation import close_open_consultation
from hotline.tickets.titles import default_title


@dataclass
class TicketDraft:
    """What the intake agent (or the portal, or an integration) records about a request."""

    request_type: str
    title: str
    description: str
    channel: str = Channel.PHONE
    category: Category | None = None
    urgency: str = Urgency.NORMAL
    is_difficult: bool = False
    caller_name: str = ""
    caller_sex: str = ""
    caller_phone: str = ""
    caller_company: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False
    address: str = ""
    district: HandlingUnit | None = None
    street: HandlingUnit | None = None
    community: HandlingUnit | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    #: The order this one is split from (拆单, `services.split`); None for every order a caller raised as such.
    split_from: Ticket | None = None

    def __post_init__(self) -> None:
        """Control characters (NUL included, which PostgreSQL cannot store) never carry meaning in a request."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                setattr(self, f.name, _CONTROL.sub("", value))


#: C0 control characters except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_draft(draft: TicketDraft) -> None:
    """Refuse a draft whose content or address does not hold together, whatever channel it came from."""
    if not draft.description.strip():
        raise RuleViolation(_("诉求内容不能为空"))
    if draft.channel == Channel.PROACTIVE and draft.caller_phone.strip():
        raise RuleViolation(_("主动发现的工单没有来电群众，不记联系电话（不发短信、不回访）；发现人的联系方式请写在诉求内容中"))
    if draft.channel == Channel.PROACTIVE and (draft.caller_name.strip() or draft.caller_company.strip()
                                               or draft.caller_sex or draft.is_anonymous):
        raise RuleViolation(_("主动发现的工单没有来电群众，不记来电人信息；发现人的情况请写在诉求内容中"))
    if draft.category is not None and not draft.category.is_active:
        raise RuleViolation(_("分类「%(category)s」已停用") % {"category": draft.category})
    if draft.street and draft.district and draft.street.parent_id != draft.district.pk:
        raise RuleViolation(_("街道「%(street)s」不属于「%(district)s」") % {"street": draft.street, "district": draft.district})
    if draft.community and draft.street and draft.community.parent_id != draft.street.pk:
        raise RuleViolation(_("社区「%(community)s」不属于「%(street)s」")
                            % {"community": draft.community, "street": draft.street})


def _area_from_address(draft: TicketDraft) -> TicketDraft | None:
    """The draft with the area its address names (地址识别), for an order given an address but no area.

    Only the address is read (a description mentions other places), and only a certain chain is taken:
    an address naming two places, a street of another district, a place of another city (「株洲市」) or
    only a community name (every city has a 向阳社区) leaves the area to the dispatcher. A street (or community)
    that is no longer below the district (or street) found — the gazetteer not yet rebuilt after a move made
    in another process — is dropped: the order is never given a street outside its district.
    """
    if draft.district or draft.street or draft.community or not draft.address.strip():
        return None
    place = recognise(draft.address)
    if place is None or not place.is_certain:
        return None
    ids = [pk for pk in place.ids if pk]
    units = HandlingUnit.objects.filter(is_active=True).in_bulk(ids)
    if len(units) != len(ids):
        return None  # the gazetteer is behind the table: take nothing rather than a part
    district, street, community = (units.get(pk) if pk else None for pk in place.ids)
    if street is not None and district is not None and street.parent_id != district.pk:
        street = community = None  # moved to another district since the gazetteer was built: the district only
    if community is not None and street is not None and community.parent_id != street.pk:
        community = None
    return replace(draft, district=district, street=street, community=community)


def _number(at: datetime, pk: int) -> str:
    """The order number (工单编号): the local registration date and the id, e.g. 202611230000042."""
    return f"{timezone.localtime(at):%Y%m%d}{pk:07d}"


def _new_order(draft: TicketDraft, actor: User | None, note: str, data: dict | None) -> tuple[Ticket, TimelineEvent]:
    """The order and its registration event, checked and built, not written."""
    check_role(Action.REGISTER, actor)
    _check_draft(draft)
    if (located := _area_from_address(draft)) is not None:
        draft, data = located, {**(data or {}), "area_from_address": True}
    at = clock.now()
    ticket = Ticket(
        **{f.name: getattr(draft, f.name) for f in fields(draft)},
        status=Status.REGISTERED, version=1, registered_at=at, registered_by=actor,
        query_code=f"{secrets.randbelow(10**6):06d}",
    )
    ticket.title = ticket.title.strip() or default_title(draft.description)
    if ticket.channel in ONLINE_CHANNELS:
        sla.start_acceptance_clock(ticket, at)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: not in the agent's page language
        channel = label(Channel, ticket.channel)
    event = TimelineEvent(
        ticket=ticket, seq=1, at=at, actor=actor, actor_label=actor_label(actor), action=Action.REGISTER,
        from_status="", to_status=Status.REGISTERED, note=f"渠道：{channel}"
        + (f"；{note}" if note else ""), data=data or {}, is_public=True,
    )
    return ticket, event


@atomic_step
def register(draft: TicketDraft, *, actor: User | None, note: str = "", data: dict | None = None) -> Ticket:
    """Record a new request (受理登记): it gets its number, its query code and its first timeline event.

    `note` and `data` add to that event (e.g. the partner platform and its reference for a transfer in).
    """
    ticket, event = _new_order(draft, actor, note, data)
    if (reserved := Ticket.objects.reserve_id()) is not None:  # PostgreSQL: number and row in one INSERT
        ticket.pk, ticket.number = reserved, _number(ticket.registered_at, reserved)
        ticket.save(force_insert=True)
    else:
        ticket.save()
        ticket.number = _number(ticket.registered_at, ticket.pk)
        ticket.save(update_fields=["number"])
    event.save(force_insert=True)
    announce(event)
    return ticket


def register_unwritten(draft: TicketDraft, *, actor: User | None) -> tuple[Ticket, TimelineEvent] | None:
    """Register an order whose first decision follows at once, in `first_decision(ticket, event)`.

    The order gets its id and number now and is written by that decision, in its final state (see
    `first_decision`). Only where the id can be taken before the row is written (PostgreSQL's
    sequence); elsewhere None, and the caller uses `register`. Checks exactly what `register` checks.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("register_unwritten needs the transaction its first decision runs in")
    if not Ticket.objects.can_reserve_id():
        return None
    ticket, event = _new_order(draft, actor, "", None)
    ticket.pk = Ticket.objects.reserve_id()
    ticket.number = _number(ticket.registered_at, ticket.pk)
    return ticket, event


#: Why a report of wrongdoing (举报) is not answered on the spot; the refusal and the order page say the same words.
REPORT_NEEDS_UNIT = gettext_lazy("举报件须派单由承办单位核查办理，不能直接答复")


def report_needs_unit(ticket: Ticket) -> bool:
    """Whether the order is a report (举报) that must go to a unit: every one but a confidential (保密) one."""
    return ticket.request_type == RequestType.REPORT and not ticket.is_confidential


@service
def answer_directly(ticket: Ticket, *, actor: User, answer: str) -> Ticket:
    """Answer on the spot from the knowledge base (即时答复); the order closes at once.

    A report of wrongdoing (举报) is not answered on the spot: it is dispatched, so that a unit looks into it.
    A confidential (保密) one is the exception: it never leaves the centre, which answers it itself.
    """
    step = begin(ticket, Action.ANSWER_DIRECTLY, actor)
    if not answer.strip():
        raise RuleViolation(_("直接答复内容不能为空"))
    if report_needs_unit(ticket):
        raise RuleViolation(str(REPORT_NEEDS_UNIT))
    ticket.direct_answer = answer
    ticket.closed_at = step.at
    return step.commit(Status.ANSWERED, note=answer, public=True, data=_consultation_closed(step, "工单已直接答复"))


def _consultation_closed(step: Step, why: str) -> dict:
    """End the order's open consultation (会商) as the order leaves dispatching; the event data names it."""
    closed = close_open_consultation(step, f"{why}，会商撤销")
    return {"consultation_closed": closed} if closed else {}


@service
def transfer(ticket: Ticket, *, actor: User, to: str, note: str = "") -> Ticket:
    """Hand an emergency to 110/119/120/122 (转应急); the order leaves the hotline's handling."""
    step = begin(ticket, Action.TRANSFER, actor)
    if to not in EmergencyService.values:
        raise RuleViolation(_("不支持转至「%(to)s」") % {"to": to})
    ticket.transferred_to = to
    ticket.closed_at = step.at
    return step.commit(Status.TRANSFERRED, note=note, data={"to": to, **_consultation_closed(step, "工单已转应急")},
                       public=True)


@service
def not_accept(ticket: Ticket, *, actor: User, reason: str, note: str = "") -> Ticket:
    """Decline the request with a reason code (告知/不予受理), telling the citizen the right channel."""
    step = begin(ticket, Action.NOT_ACCEPT, actor)
    if reason not in NotAcceptedReason.values:
        raise RuleViolation(_("未知的不予受理原因「%(reason)s」") % {"reason": reason})
    if reason == NotAcceptedReason.OTHER and not note.strip():
        raise RuleViolation(_("选择「其他」时须说明原因"))
    ticket.not_accepted_reason = reason
    ticket.closed_at = step.at
    if not note:
        with translation.override(settings.LANGUAGE_CODE):  # stored text: not in the agent's page language
            note = str(NotAcceptedReason(reason).label)
    return step.commit(Status.NOT_ACCEPTED, note=note,
                       data={"reason": reason, **_consultation_closed(step, "工单不予受理")}, public=True)


@service
def send_to_dispatch(ticket: Ticket, *, actor: User, note: str = "") -> Ticket:
    """Pass the order to the dispatchers (转派单)."""
    step = begin(ticket, Action.SEND_TO_DISPATCH, actor)
    return step.commit(Status.PENDING_DISPATCH, note=note, public=True)
