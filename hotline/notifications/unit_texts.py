"""What an alert to a handling unit's duty phone says (承办单位提醒): order numbers, a short title, the deadline
in Beijing time and a link to the order page for staff. Never the caller's name or phone, never the
description, never a confidential order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.core.privacy import scrub_public_text
from hotline.notifications.choices import Template, UnitAlertKind
from hotline.notifications.constants import MAX_LISTED, MAX_TITLE_CHARS
from hotline.notifications.services import public_url, site_path
from hotline.orgs.models import HandlingUnit
from hotline.portal.validators import is_mobile
from hotline.sla.display import deadline_day
from hotline.taxonomy.choices import Urgency
from hotline.tickets.choices import Action, AssignmentStatus, FollowUpChannel
from hotline.tickets.models import Assignment, ReturnRequest, Ticket, TimelineEvent
from hotline.tickets.titles import is_default_title

#: What separates several numbers in one `HandlingUnit.phone` ("0731-88990001 / 13912345678"); spaces do not
#: (「139 0000 1111」, 「+86 139 0000 1111」 are one number).
_SEPARATORS = re.compile(r"[,;/、|]+")
#: What may sit inside one written number: spaces, hyphens, dots, brackets.
_INSIDE = re.compile(r"[\s\-.()]+")
#: A country code in front of a mainland mobile.
_COUNTRY = re.compile(r"^(?:\+86|0086)")
#: Inbox tab that lists the orders of a grouped alert (`/work/inbox/?tab=…`).
_INBOX_TAB = {UnitAlertKind.DUE_SOON: "soon", UnitAlertKind.OVERDUE: "overdue"}

#: How an order came back to a unit to handle again (退回重办), as its alert tells it (`came_back`).
BACK_REVIEW = "review"  # 退回重办: the centre did not accept the reply
BACK_UNSATISFIED = "unsatisfied"  # 回访: the citizen is not satisfied
BACK_UNRESOLVED = "unresolved"  # 回访: the citizen says the problem is not solved
BACK_VERIFIED = "verified"  # 现场核查 of a proactive order: not solved
BACK_BELOW = "below"  # 下级退回: the unit it was handed down to returned it

#: The text telling a unit the centre reassigned (改派) an order it held: it need not act any more. Sent under the
#: 新派单 kind and switch (as 收回下派), so it has no `Template` of its own.
WITHDRAWN_TEMPLATE = "unit_withdrawn"


def duty_mobile(unit: HandlingUnit) -> str:
    """The number that gets the unit's SMS: the first mobile in its 联系电话 (a landline cannot take SMS); "" if none."""
    written = unicodedata.normalize("NFKC", unit.phone or "")  # full-width digits and separators to ASCII
    for part in _SEPARATORS.split(written):
        candidate = _COUNTRY.sub("", _INSIDE.sub("", part))
        if candidate.isascii() and is_mobile(candidate):
            return candidate
    return ""


def short_title(ticket: Ticket) -> str:
    """The order's title cut to MAX_TITLE_CHARS, with anything personal masked.

    A title the intake left empty was made of the description's first words: the category's name (else the
    request type) stands in for it, so no part of the description leaves the centre. The caller's name and number, and whatever
    looks like a phone, an identity card number or a full name (`scrub_public_text`), are masked first.
    """
    title = " ".join((ticket.title or "").split())
    if not title or is_default_title(title, ticket.description or ""):
        title = ticket.category.name if ticket.category_id else str(ticket.get_request_type_display())
    for secret in (ticket.caller_name, ticket.caller_phone):
        if secret and secret.strip():
            title = title.replace(secret.strip(), "***")
    title = scrub_public_text(title)
    return title[:MAX_TITLE_CHARS] + ("…" if len(title) > MAX_TITLE_CHARS else "")


def order_url(ticket: Ticket) -> str:
    """The staff page of the order (`/orders/<number>/`; the unit's handlers log in to see it)."""
    number = ticket.number or ""
    return public_url(site_path("order-detail", f"/orders/{number}/", number))


def inbox_url(kind: str) -> str:
    """The unit's inbox, at the tab that lists the orders of this kind of alert."""
    path = site_path("queue-inbox", "/work/inbox/")
    tab = _INBOX_TAB.get(kind)
    return public_url(f"{path}?tab={tab}" if tab else path)


def local(moment: datetime | None) -> str:
    """A deadline as the duty phone reads it: Beijing time, month-day hour:minute; the end of a working day
    (stored as 00:00 of the next day, docs/sla.md §3) as 24:00 of its own day (11-26 24:00, not 11-27 00:00)."""
    if not moment:
        return ""
    at = timezone.localtime(moment)
    if at.time() == time(0):
        return f"{deadline_day(moment):%m-%d} 24:00"
    return at.strftime("%m-%d %H:%M")


@dataclass(frozen=True)
class Item:
    """One order as an alert names it."""

    number: str
    title: str
    due: str
    step: str  # what the unit must do by `due`: 签收 or 答复
    role: str
    urgency: str  # 紧急 / 较急, empty for an ordinary order


def item(assignment: Assignment) -> Item:
    """How one assignment's order is named in an alert (its running deadline, or the sign deadline)."""
    ticket = assignment.ticket
    signing = assignment.status == AssignmentStatus.PENDING_SIGN
    due = assignment.phase_due or (assignment.sign_due if signing else assignment.reply_due)
    return Item(number=ticket.number or "", title=short_title(ticket), due=local(due),
                step=str(Action.SIGN.label if signing else Action.REPLY.label),
                role=str(assignment.get_role_display()),
                urgency=str(ticket.get_urgency_display()) if ticket.urgency != Urgency.NORMAL else "")


def came_back(event: TimelineEvent) -> dict[str, str]:
    """How a step gave the order back to a unit to handle again (`why`, one of the BACK_ values), and for
    下级退回 the unit below that returned it (`below`). Never the reviewer's reason or the citizen's words."""
    data = event.data or {}
    if event.action == Action.RETURN:
        request = (ReturnRequest.objects.filter(pk=data.get("return"), ticket_id=event.ticket_id)
                   .select_related("assignment__unit").first())
        return {"why": BACK_BELOW, "below": request.assignment.unit.name if request else ""}
    if event.action == Action.SEND_BACK:
        return {"why": BACK_REVIEW}
    if data.get("verified"):
        return {"why": BACK_VERIFIED}
    return {"why": BACK_UNRESOLVED if data.get("resolved") is False else BACK_UNSATISFIED}


def compose(kind: str, assignments: Sequence[Assignment], *, returned: bool = False, recalled: str = "",
            withdrawn: bool = False, chase: dict | None = None, back: dict[str, str] | None = None,
            level: str = "") -> tuple[str, str]:
    """(subject, body) of one alert about these assignments of one unit (several: a grouped alert).

    `returned`: the order came back after the centre rejected the unit's return (驳回退单). `recalled`: the
    unit above (its name) took back an order it had handed down to this unit (收回下派). `withdrawn`: the centre
    reassigned the order (改派) and withdrew this unit: its own text (`WITHDRAWN_TEMPLATE`) and subject.
    `chase`: the chase event's data (channel, count). `back`: how the order came back to be handled again
    (`came_back`, 退回重办). `level`: who supervises the order (督办: 热线中心, 区政府, 市政府). Always in the
    centre's language and time zone.
    """
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        items = [item(a) for a in assignments]
        single = len(assignments) == 1
        ctx = {"count": len(items), "items": items[:MAX_LISTED], "more": len(items) > MAX_LISTED,
               "first": items[0], "returned": returned, "recalled": recalled,
               "url": order_url(assignments[0].ticket) if single else inbox_url(kind),
               "by_phone": (chase or {}).get("channel") == FollowUpChannel.PHONE, "times": (chase or {}).get("count") or 0,
               "why": (back or {}).get("why", ""), "below": (back or {}).get("below") or _("下级单位"),
               "level": level}
        text = render_to_string(f"notifications/sms/{WITHDRAWN_TEMPLATE if withdrawn else kind}.txt", ctx)
        subject = _("单位提醒：工单已改派") if withdrawn else str(Template(kind).label)
    return subject, "".join(line.strip() for line in text.splitlines())
