"""What the public Open311 interface reads: services from the taxonomy, requests and their updates.

Only non-confidential orders appear, and never a caller's name or phone: phone and identity card numbers
written into the text are masked too. Of the timeline only the texts written for the citizen are shown
(`tickets.public_text`, approved extensions included, as on the portal), never a staff note. Coordinates are
coarsened, online requests not yet accepted are not listed, and a 举报 shows no place (`open311.disclosure`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from hotline.core.privacy import public_description
from hotline.core.privacy import scrub_public_text as scrub
from hotline.open311.disclosure import coarse, is_report, unreviewed, unreviewed_q
from hotline.open311.models import SubmittedRequest
from hotline.open311.render import iso
from hotline.portal.choices import public_action, public_status
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import (
    FINISHED,
    ONLINE_CHANNELS,
    Action,
    AssignmentRole,
    AssignmentStatus,
    EmergencyService,
    Status,
)
from hotline.tickets.models import Assignment, Ticket, TimelineEvent
from hotline.tickets.public_text import citizen_steps, citizen_text, extension_notices, status_text
from hotline.workbench.queues.selectors import names_the_lead

#: mySociety's richer statuses for `servicerequestupdates` (the spec itself knows only open/closed).
UPDATE_STATUS = {
    Status.REGISTERED: "open", Status.PENDING_DISPATCH: "open", Status.DISPATCHED: "action_scheduled",
    Status.RETURNED: "investigating", Status.IN_PROGRESS: "in_progress", Status.AWAITING_CITIZEN: "investigating",
    Status.REPLIED: "in_progress", Status.AWAITING_VISIT: "fixed", Status.CLOSED: "closed",
    Status.ANSWERED: "closed", Status.TRANSFERRED: "internal_referral",
    Status.NOT_ACCEPTED: "not_councils_responsibility", Status.MERGED: "duplicate",
    Status.TERMINATED: "closed",  # 终止办理: the handling stopped; its public words say why
}


def open_or_closed(status: str) -> str:
    """The spec's two states: finished orders (办结, 直接答复, 转应急, 不予受理, 并单, 终止办理) are closed."""
    return "closed" if status in FINISHED else "open"



# --- Services ------------------------------------------------------------------------------------------


def services() -> QuerySet[Category]:
    """The active leaf categories: each is one Open311 service, grouped by its first level."""
    children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (Category.objects.filter(is_active=True).filter(~Exists(children))
            .select_related("parent__parent").order_by("full_name"))


def find_service(code: str) -> Category | None:
    """The service (an active leaf category) with this code, or None (also for a code no id could be: too long)."""
    if not code.isdecimal() or len(code) > 64:  # int() refuses more than 4,300 digits
        return None
    return services().filter(pk=int(code)).first()


def service_row(category: Category) -> dict[str, Any]:
    top = category.ancestors_and_self()[-1]
    return {
        "service_code": str(category.pk), "service_name": category.name, "description": category.full_name,
        "metadata": True, "type": "realtime", "keywords": ",".join(category.full_name.split("/")),
        "group": top.name,
    }


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"key": value, "name": str(label)} for value, label in choices]


def attributes() -> list[dict[str, Any]]:
    """The extra fields every service accepts (`attribute[code]` in POST requests)."""
    return [
        {"variable": True, "code": "request_type", "datatype": "singlevaluelist", "required": False,
         "datatype_description": _("诉求类型，默认为投诉"), "order": 1, "description": _("诉求类型"),
         "values": _choices(RequestType.choices)},
        {"variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
         "datatype_description": _("紧急程度，默认为一般"), "order": 2, "description": _("紧急程度"),
         "values": _choices(Urgency.choices)},
        {"variable": True, "code": "title", "datatype": "string", "required": False,
         "datatype_description": _("不超过 200 字"), "order": 3, "description": _("标题")},
    ]


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": str(category.pk), "attributes": attributes()}


# --- Requests ------------------------------------------------------------------------------------------


def responsible_lead() -> QuerySet[Assignment]:
    """The lead whose unit an order names as `agency_responsible`, here and in the open-data CSV
    (`dataio.export.open311_queryset`): the newest lead still holding the order, or released by its termination
    (终止办理) itself — not one whose return (退单) was accepted or that a merge (并单) withdrew. The order list's
    rule (`workbench.queues.selectors.names_the_lead`), and the lead an order closed (办结) with while it had not
    replied (an order imported closed without a reply): it held the order to the end. Written on `Ticket`
    (`OuterRef("pk")` is the order), newest dispatch first."""
    closed_with = Q(role=AssignmentRole.LEAD, status=AssignmentStatus.WITHDRAWN, ticket__status=Status.CLOSED,
                    ended_at=F("ticket__closed_at"))
    return (Assignment.objects.filter(names_the_lead() | closed_with, ticket=OuterRef("pk"))
            .order_by("-dispatched_at", "-id"))


def answerable_orders() -> QuerySet[Ticket]:
    """Every order the public interface may answer for by its number (never a confidential one), with what a row
    needs; those not accepted yet among them (`disclosure.unreviewed`) answer only with their status."""
    lead = responsible_lead()
    return (with_public_note(Ticket.objects.filter(is_confidential=False, number__isnull=False))
            .select_related("category", "district", "street", "community")
            .annotate(lead_name=Subquery(lead.values("unit__name")[:1]),
                      expected_at=Coalesce("close_due", Subquery(lead.values("reply_due")[:1])),
                      media_url=Subquery(SubmittedRequest.objects.filter(ticket=OuterRef("pk"))
                                         .values("media_url")[:1])))


def with_public_note(orders: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The orders with their newest words for the citizen (an approved extension's included, never a staff note):
    `public_note`, `public_note_action`, `public_note_id`, what `status_note` reads. Shared with the open-data
    CSV (`hotline.dataio.export`), so that both publish the same status_notes."""
    said = citizen_steps(extensions=True).filter(ticket=OuterRef("pk"))
    return orders.annotate(public_note=Subquery(said.values("note")[:1]),
                           public_note_action=Subquery(said.values("action")[:1]),
                           public_note_id=Subquery(said.values("pk")[:1]))


def public_orders() -> QuerySet[Ticket]:
    """The orders the public interface lists: not confidential, accepted by the centre (`disclosure`)."""
    return answerable_orders().exclude(unreviewed_q())


def find_order(number: str) -> Ticket | None:
    """The order `GET requests/{id}` answers for: its submitter may follow it before it is accepted."""
    return answerable_orders().filter(number=number).first()


@dataclass(frozen=True)
class RequestQuery:
    """The filters of `GET requests` once validated."""

    numbers: list[str] | None = None
    service_codes: list[int] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None


def find_requests(query: RequestQuery) -> QuerySet[Ticket]:
    """The orders `GET requests` answers with, newest first. A list of ids overrides the other filters and
    answers as `GET requests/{id}` does (an order not accepted yet by its status alone)."""
    if query.numbers is not None:
        return answerable_orders().filter(number__in=query.numbers).order_by("-registered_at", "-id")
    orders = public_orders()
    if query.service_codes:
        orders = orders.filter(category_id__in=query.service_codes)
    if query.start is not None:
        orders = orders.filter(registered_at__gte=query.start)
    if query.end is not None:
        orders = orders.filter(registered_at__lte=query.end)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        finished = Q(status__in=list(FINISHED))
        orders = orders.filter(finished if "closed" in query.statuses else ~finished)
    return orders.order_by("-registered_at", "-id")


def _agency(ticket: Ticket) -> str:
    if ticket.status == Status.TRANSFERRED and ticket.transferred_to:
        return str(EmergencyService(ticket.transferred_to).label)
    return getattr(ticket, "lead_name", None) or ""


def request_rows(tickets: Iterable[Ticket]) -> list[dict[str, Any]]:
    """The orders of a page (from `public_orders`) as `request`s; the extensions' words in one query for all."""
    tickets = list(tickets)
    notices = notices_for(tickets)
    return [request_row(t, notices) for t in tickets]


def notices_for(tickets: Iterable[Ticket]) -> dict[int, str]:
    """The words of the approved extensions that are the newest public note of these orders (`with_public_note`),
    by event id, in one query for all (none when no order's newest note is an extension)."""
    extended = [t.public_note_id for t in tickets if getattr(t, "public_note_action", None) == Action.APPROVE_EXTENSION]
    return extension_notices(TimelineEvent.objects.filter(pk__in=extended)) if extended else {}


def status_note(ticket: Ticket, notices: dict[int, str]) -> str:
    """The newest words for the citizen (`with_public_note`): an approved extension's notice (`notices`, from
    `notices_for`), else `status_text`. Unscrubbed: the caller masks them (`scrub_public_text`)."""
    action = getattr(ticket, "public_note_action", None)
    if action == Action.APPROVE_EXTENSION:
        return notices.get(ticket.public_note_id, "")
    return status_text(ticket.status, action, getattr(ticket, "public_note", None), ticket.not_accepted_reason)


def request_row(ticket: Ticket, notices: dict[int, str] | None = None) -> dict[str, Any]:
    """One order as the spec's `request`: no name, no phone, only public notes (`notices`: see `request_rows`); the
    caller's name and numbers masked wherever written (`scrub_public_text`); coordinates on the public grid.

    An order not accepted yet, or a 举报, keeps every field but publishes only what `_withheld_row` says."""
    if notices is None:
        return request_rows([ticket])[0]
    if unreviewed(ticket) or is_report(ticket):
        return _withheld_row(ticket, notices)
    area = ticket.community or ticket.street or ticket.district
    return {
        "service_request_id": ticket.number,
        "status": open_or_closed(ticket.status),
        "status_notes": scrub(status_note(ticket, notices), order=ticket),
        "service_name": ticket.category.name if ticket.category else "",
        "service_code": str(ticket.category_id) if ticket.category_id else "",
        "description": public_description(ticket),
        "agency_responsible": _agency(ticket),
        "service_notice": "",
        "requested_datetime": iso(ticket.registered_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(getattr(ticket, "expected_at", None)),
        "address": scrub(ticket.address, order=ticket),
        "address_id": area.code if area else "",
        "zipcode": "",
        "lat": coarse(ticket.latitude),
        "long": coarse(ticket.longitude),
        "media_url": getattr(ticket, "media_url", None) or "",
    }


def _withheld_row(ticket: Ticket, notices: dict[int, str]) -> dict[str, Any]:
    """An order as published by its number, status and service alone: one not accepted yet (status_notes
    已提交，待受理, or a refusal's reason label) or a 举报 (description 「（举报内容不公开）」, status_notes its
    status for the citizen); no address, area, coordinates, photo, unit or answer."""
    if is_report(ticket) and not unreviewed(ticket):
        note = public_status(ticket.status)
    elif ticket.status == Status.REGISTERED:
        note = public_status(ticket.status, awaiting_acceptance=True)
    else:  # refused as the first decision: the refusal's reason label (`status_text`), never its note
        note = scrub(status_note(ticket, notices), order=ticket)
    return {
        "service_request_id": ticket.number,
        "status": open_or_closed(ticket.status),
        "status_notes": note,
        "service_name": ticket.category.name if ticket.category else "",
        "service_code": str(ticket.category_id) if ticket.category_id else "",
        "description": public_description(ticket) if is_report(ticket) else "",
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": iso(ticket.registered_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(getattr(ticket, "expected_at", None)) if is_report(ticket) else None,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


# --- Updates (mySociety's servicerequestupdates) ----------------------------------------------------


def _step_before() -> Coalesce:
    """The action of the order's previous public step ('' for its first)."""
    before = (TimelineEvent.objects.public().filter(ticket=OuterRef("ticket"), seq__lt=OuterRef("seq"))
              .order_by("-seq").values("action")[:1])
    return Coalesce(Subquery(before), Value(""))


def updates(start: datetime, end: datetime) -> QuerySet[TimelineEvent]:
    """The public timeline events of listed orders (`public_orders`: an order not accepted yet has none) in
    [start, end], oldest first (their texts: `update_row`).

    A consultation withdrawn (an internal step) and asked again (发起会商 straight after 发起会商) is one to
    the citizen: told once, at its first asking, as on the portal (`portal.selectors.public_timeline`).
    """
    return (TimelineEvent.objects.public()
            .filter(at__gte=start, at__lte=end, ticket__is_confidential=False, ticket__number__isnull=False)
            .exclude(unreviewed_q("ticket__"))
            .alias(step_before=_step_before()).exclude(action=Action.CONSULT, step_before=Action.CONSULT)
            .select_related("ticket").order_by("at", "id"))


def update_rows(events: Iterable[TimelineEvent]) -> list[dict[str, Any]]:
    """The public steps of a page as `request_update`s; the extensions' words in one query for all."""
    events = list(events)
    notices = extension_notices(events)
    return [update_row(e, notices) for e in events]


def update_row(event: TimelineEvent, notices: dict[int, str] | None = None) -> dict[str, Any]:
    """One public step as mySociety's `request_update`: the words for the citizen, else the step's citizen label
    (`public_action`, as the portal names it: 会商定责 reads 转交承办单位, a proactive order's check 现场核查).

    An approved extension's words are its notice (`extension_notices`, given for a page by `update_rows`). A
    举报's steps carry their labels alone: its answers and supplements quote the report.
    """
    if notices is None:
        return update_rows([event])[0]
    if is_report(event.ticket):
        said = ""
    elif event.action == Action.APPROVE_EXTENSION:
        said = notices.get(event.pk, "")
    else:
        said = citizen_text(event.action, event.note, event.data)
    return {
        "update_id": str(event.pk),
        "service_request_id": event.ticket.number,
        "status": UPDATE_STATUS.get(event.to_status, open_or_closed(event.to_status)),
        "updated_datetime": iso(event.at),
        "description": scrub(said, order=event.ticket) or public_action(event.action, event.data,
                                                    online=event.ticket.channel in ONLINE_CHANNELS),
        "media_url": "",
        "external_status_code": event.to_status,
    }
