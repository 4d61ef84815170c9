"""Orders and their records as the API shows them to one caller (phone masked, anonymous callers hidden).

A caller's full number is shown only with `full_phone` (a person, or a key with the `phone` scope) and to an
account whose role sees it (`phone_for`, which records the view); otherwise it is masked and nothing is recorded.
The same rule holds for numbers citizens typed: the description, timeline notes and data, and return-visit notes
show phone and identity card numbers masked to whoever sees the caller's number masked (`core.privacy.text_for`);
units' own words (replies, opinions, their timeline notes) show the citizen's numbers masked to them
(`core.privacy.unit_text_for`). A partner platform's key reads a withheld or confidential order as a unit does
(`core.privacy.partner_account`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.attachments.models import Attachment
from hotline.attachments.selectors import merged_attachments, name_shown
from hotline.core.labels import label
from hotline.core.privacy import (
    caller_name_for,
    data_for,
    mask_phone,
    phone_for,
    shows_caller,
    text_for,
    unit_text_for,
)
from hotline.governance.models import Theme, ThemeOrder
from hotline.kpis.visits import first_and_final, outcome, valid_visit
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import (
    Assignment,
    Consultation,
    Opinion,
    Reply,
    ReturnVisit,
    Ticket,
    TimelineEvent,
)
from hotline.tickets.selectors import timeline_shown, visits_shown
from hotline.workbench.queues.selectors import attach_lead, for_list


def unit_ref(unit: HandlingUnit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def for_rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What every row needs, fetched up front (the same prefetch as the order list page)."""
    return for_list(qs)


def with_theme(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The 每月一题 theme each order was raised for (未诉先办, a `ThemeOrder` row), in the orders' own query."""
    link = ThemeOrder.objects.filter(ticket=OuterRef("pk"))
    return qs.annotate(theme_link_id=Subquery(link.values("theme_id")[:1]),
                       theme_link_title=Subquery(link.values("theme__title")[:1]))


def attach_themes(tickets: list[Ticket]) -> None:
    """Name the theme of every order of a page (`theme_link_id`, `theme_link_title`), in one query."""
    found = ThemeOrder.objects.filter(ticket_id__in=[t.pk for t in tickets]).values_list(
        "ticket_id", "theme_id", "theme__title")
    links = {ticket_id: (pk, title) for ticket_id, pk, title in found}
    for ticket in tickets:
        ticket.theme_link_id, ticket.theme_link_title = links.get(ticket.pk, (None, None))


def _theme(ticket: Ticket) -> dict[str, Any] | None:
    if not hasattr(ticket, "theme_link_id"):
        attach_themes([ticket])
    return {"id": ticket.theme_link_id, "title": ticket.theme_link_title} if ticket.theme_link_id else None


def order_row(ticket: Ticket, user: User | None = None, *, full_phone: bool = True) -> dict[str, Any]:
    """One order as a list row (call `attach_lead` and `attach_themes` on the page first, or they are looked up).

    The title (an untitled order's is the start of its description) as `user` may read it (`text_for`); without
    a `user`, numbers in it masked.
    """
    if not hasattr(ticket, "lead"):
        attach_lead([ticket])
    lead = ticket.lead.unit if ticket.lead is not None else None
    category = ticket.category
    return {
        "number": ticket.number, "status": ticket.status, "status_label": label(Status, ticket.status),
        "version": ticket.version, "channel": ticket.channel, "request_type": ticket.request_type,
        "urgency": ticket.urgency, "is_difficult": ticket.is_difficult,
        "title": text_for(ticket.title, ticket, user, full_phone=full_phone),
        "category": {"id": category.pk, "full_name": category.full_name} if category else None,
        "lead_unit": unit_ref(lead), "district": unit_ref(ticket.district),
        "registered_at": ticket.registered_at, "accept_due": ticket.accept_due, "accepted_at": ticket.accepted_at,
        "close_due": ticket.close_due, "phase_due": ticket.phase_due,
        "light": ticket.light, "close_overdue": ticket.close_overdue,
        "supervision_level": ticket.supervision_level, "chase_count": ticket.chase_count,
        "closed_at": ticket.closed_at, "theme": _theme(ticket),
    }


def rows(tickets: list[Ticket], user: User | None = None, *, full_phone: bool = True) -> list[dict[str, Any]]:
    """A page of list rows as `user` may read them (`order_row`)."""
    attach_lead(tickets)
    attach_themes(tickets)
    return [order_row(t, user, full_phone=full_phone) for t in tickets]


def detail_queryset(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return with_theme(for_rows(qs)).select_related("street", "community", "master").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("dispatched_at", "id"),
                 to_attr="all_assignments"),
        "replies__assignment__unit",
        Prefetch("consultations", queryset=_consultations(), to_attr="all_consultations"),
        Prefetch("visits", queryset=_valid_visits(), to_attr="valid_visits"),
    )


def _valid_visits() -> QuerySet[ReturnVisit]:
    """The valid return visits (有效回访), in the order they were made: the first and the final one."""
    return ReturnVisit.objects.filter(valid_visit()).order_by("created_at", "id")


def _consultations() -> QuerySet[Consultation]:
    """Consultations (会商) with who started and ended them, the concluded lead and assisting units and the
    opinions' units, in the order they were held."""
    opinions = Opinion.objects.select_related("unit", "suggested_unit").order_by("id")
    return (Consultation.objects.select_related("lead", "started_by", "ended_by").order_by("started_at", "id")
            .prefetch_related(Prefetch("opinions", queryset=opinions, to_attr="all_opinions"),
                              Prefetch("assisting", queryset=HandlingUnit.objects.order_by("path"),
                                       to_attr="all_assisting")))


def consultation(found: Consultation, ticket: Ticket | None = None, user: User | None = None, *,
                 full_phone: bool = True) -> dict[str, Any]:
    """One consultation before dispatch (会商): the question, each invited unit's opinion, the conclusion; the
    centre's question and conclusion as `user` may read them (`text_for`; numbers masked without a reader)."""
    opinions = getattr(found, "all_opinions", None)
    if opinions is None:
        opinions = list(found.opinions.select_related("unit", "suggested_unit").order_by("id"))
    assisting = getattr(found, "all_assisting", None)
    if assisting is None:
        assisting = list(found.assisting.order_by("path"))
    return {
        "id": found.pk, "status": found.status, "question": text_for(found.question, ticket, user, full_phone=full_phone),
        "started_at": found.started_at, "started_by": str(found.started_by), "opinions_due": found.opinions_due,
        "ended_at": found.ended_at, "ended_by": str(found.ended_by) if found.ended_by_id else None,
        "conclusion": text_for(found.conclusion, ticket, user, full_phone=full_phone),
        "lead": unit_ref(found.lead), "assisting": [unit_ref(u) for u in assisting],
        "opinions": [{
            "unit": unit_ref(o.unit), "stance": o.stance,
            "basis": unit_text_for(o.basis, ticket, user, unit_id=o.unit_id, full_phone=full_phone),
            "suggested_unit": o.suggested_unit.code if o.suggested_unit_id else None,
            "answered_at": o.answered_at, "revised_at": o.revised_at,
        } for o in opinions],
    }


def caller_phone(ticket: Ticket, user: User, *, full_phone: bool = True) -> str:
    """The caller's number as this caller may see it: `phone_for` (full for centre roles, the view recorded),
    or masked whatever the role when `full_phone` is false (a key without the `phone` scope)."""
    return phone_for(ticket, user) if full_phone else mask_phone(ticket.caller_phone)


def new_order_detail(ticket: Ticket, user: User, theme: Theme | None = None, *,
                     full_phone: bool = True) -> dict[str, Any]:
    """An order just registered in this request, in full, from the instance the intake service returned.

    Registration and the first decision (register, send to dispatch, answer, transfer, not accept) never
    assign a unit nor record a reply, so there is nothing more to read back from the database; the
    order is linked to `theme` (每月一题) if it was raised for one.
    """
    ticket.lead = None
    ticket.theme_link_id, ticket.theme_link_title = (theme.pk, theme.title) if theme is not None else (None, None)
    return order_detail(ticket, user, full_phone=full_phone, assignments=[], replies=[], consultations=[], visits=[],
                        files=[])


def order_detail(ticket: Ticket, user: User, *, full_phone: bool = True,
                 assignments: list[Assignment] | None = None,
                 replies: list[Any] | None = None,
                 consultations: list[Consultation] | None = None,
                 visits: list[ReturnVisit] | None = None,
                 files: list[dict[str, Any]] | None = None, confidential: bool = False) -> dict[str, Any]:
    """One order in full, as this caller may see it, with its first and final valid return visit and its files.

    `full_phone=False` masks the caller's number whatever the role (`caller_phone`), and the numbers typed in
    the description, the address and the direct answer (`text_for`). `confidential`: whether the caller reads confidential orders, and so the
    files of a confidential order merged into this one (`Principal.reads_confidential`; never a key).
    """
    from hotline.ops.access import order_shown  # reading a confidential order is recorded (docs/security.md)

    order_shown(ticket, user)
    show_caller = shows_caller(ticket, user)  # an anonymous caller or a 举报's reporter: the centre only (no partner)
    if assignments is None:
        assignments = getattr(ticket, "all_assignments", None)
    if assignments is None:
        assignments = list(ticket.assignments.select_related("unit").order_by("dispatched_at", "id"))
    by_pk = {a.pk: a for a in assignments}
    if replies is None:
        replies = list(ticket.replies.all())
    if consultations is None:
        consultations = getattr(ticket, "all_consultations", None)
    if consultations is None:
        consultations = list(_consultations().filter(ticket=ticket))
    if visits is None:
        visits = getattr(ticket, "valid_visits", None)
    if visits is None:
        visits = list(_valid_visits().filter(ticket=ticket))
    first_visit, final_visit = first_and_final(visits)
    if files is None:
        files = attachments_shown(ticket, user, full_phone=full_phone, confidential=confidential)
    return {
        **order_row(ticket, user, full_phone=full_phone),
        "description": text_for(ticket.description, ticket, user, full_phone=full_phone),
        "caller_name": caller_name_for(ticket, user),
        "caller_phone": caller_phone(ticket, user, full_phone=full_phone) if show_caller else "",
        "caller_company": ticket.caller_company if show_caller else "",
        "is_anonymous": ticket.is_anonymous,
        "address": text_for(ticket.address, ticket, user, full_phone=full_phone), "street": unit_ref(ticket.street), "community": unit_ref(ticket.community),
        # The centre's direct answer (直接答复) may quote the caller's number: read like the timeline's note of it.
        "direct_answer": text_for(ticket.direct_answer, ticket, user, full_phone=full_phone),
        "transferred_to": ticket.transferred_to,
        "not_accepted_reason": ticket.not_accepted_reason,
        "master_number": ticket.master.number if ticket.master_id else None,
        "return_count": ticket.return_count, "extension_count": ticket.extension_count,
        "reopen_count": ticket.reopen_count,
        "assignments": [{
            "unit": unit_ref(a.unit), "role": a.role, "status": a.status, "is_designated": a.is_designated,
            "dispatched_at": a.dispatched_at, "sign_due": a.sign_due, "reply_due": a.reply_due,
            "signed_at": a.signed_at, "replied_at": a.replied_at, "light": a.light,
            "sign_overdue": a.sign_overdue, "reply_overdue": a.reply_overdue,
            # 下派: the assignment above is the same order's, already in the list (no query)
            "forwarded_from": unit_ref(above.unit) if (above := by_pk.get(a.forwarded_from_id)) else None,
        } for a in assignments],
        "replies": [reply(r, ticket, user, full_phone=full_phone) for r in replies],
        "consultations": [consultation(c, ticket, user, full_phone=full_phone) for c in consultations],
        "first_visit": outcome(first_visit), "final_visit": outcome(final_visit),
        "attachments": files,
    }


def attachment_path(ticket: Ticket, item: Attachment) -> str:
    """Where the API serves this file of the order (or of an order merged into it): `attachments.get_attachment`."""
    return f"/api/v1/orders/{ticket.number}/attachments/{item.pk}"


def attachments_shown(ticket: Ticket, user: User, *, full_phone: bool = True,
                      confidential: bool = False) -> list[dict[str, Any]]:
    """The order's files, then those of the orders merged into it (并单), as the order page lists them
    (`merged_attachments`: a confidential merged order's only with `confidential`).

    Each named as this caller may read it (`name_shown`: a CTI recording's calling number masked for units and
    without `full_phone`); who uploaded it by role and by the unit the timeline recorded, no person named.
    """
    own = list(ticket.attachments.select_related("uploaded_by"))
    merged = list(merged_attachments(ticket, user, confidential=confidential).select_related("uploaded_by"))
    if not own and not merged:
        return []
    found = own + merged
    events = TimelineEvent.objects.filter(ticket_id__in={a.ticket_id for a in found}, action=Action.ATTACH)
    units = {data.get("attachment"): unit for data, unit in (
        (e.data or {}, e.unit) for e in events.select_related("unit").only("data", "unit"))}

    def uploader(item: Attachment) -> dict[str, Any] | None:
        if item.uploaded_by_id is None:
            return None
        role = item.uploaded_by.role
        return {"role": role, "role_label": label(Role, role), "unit": unit_ref(units.get(item.pk))}

    return [{
        "id": item.pk, "name": name_shown(item, user, item.ticket, full_phone=full_phone), "kind": item.kind,
        "content_type": item.content_type, "size": item.size, "uploaded_at": item.uploaded_at,
        "uploaded_by": uploader(item), "merged_from": item.ticket.number if item.ticket_id != ticket.pk else None,
        "url": attachment_path(ticket, item),
    } for item in found]


def reply(found: Reply, ticket: Ticket, user: User, *, full_phone: bool = True) -> dict[str, Any]:
    """One reply (答复): the unit's words through `unit_text_for` — as written to the centre (with `full_phone`) and
    to the unit that wrote it, the citizen's number it wrote down after 联系群众 masked for anyone else."""
    def words(text: str) -> str:
        return unit_text_for(text, ticket, user, unit_id=found.assignment.unit_id, full_phone=full_phone)

    return {
        "unit": unit_ref(found.assignment.unit), "created_at": found.created_at, "content": words(found.content),
        "public_reply": words(found.public_reply), "contacted": found.contacted, "resolved": found.resolved,
        "unresolved_reason": words(found.unresolved_reason), "review_status": found.review_status,
    }


def _masked_unless_shown(obj: TimelineEvent | ReturnVisit) -> str:
    """The note as `tickets.selectors` made it for the reader (`note_shown`); read without them, numbers masked
    as for someone who does not see the caller's number (never a full number by default)."""
    shown = getattr(obj, "note_shown", None)
    return shown if shown is not None else text_for(obj.note, None, None)


def _data_unless_shown(event: TimelineEvent) -> dict[str, Any]:
    """The event's data as `timeline` made it for the reader (`data_shown`); read without them, every text in it
    masked as for someone who does not see the caller's number (`core.privacy.data_for`)."""
    shown = getattr(event, "data_shown", None)
    return shown if shown is not None else data_for(event.data or {}, None, None)


def timeline_event(event: TimelineEvent) -> dict[str, Any]:
    """One timeline event; its note and data as read by `timeline` (else masked, `_masked_unless_shown`)."""
    return {
        "seq": event.seq, "at": event.at, "action": event.action, "action_label": event.label,
        "from_status": event.from_status, "to_status": event.to_status, "actor": event.actor_label,
        "unit": unit_ref(event.unit), "note": _masked_unless_shown(event), "data": _data_unless_shown(event),
        "is_public": event.is_public,
    }


def timeline(ticket: Ticket, user: User, *, full_phone: bool = True) -> list[dict[str, Any]]:
    """The order's timeline as this caller may read it: notes the citizen or the centre wrote with numbers masked
    unless the caller sees full numbers (`tickets.selectors.timeline_shown`); a unit's own notes with the citizen's
    numbers masked unless the caller sees full numbers or wrote them (`core.privacy.unit_text_for`). Every
    text in an event's data (an import's whole title, a correction's old and new values) is read like the
    centre's notes (`core.privacy.data_for`)."""
    events = timeline_shown(ticket, user, full_phone=full_phone)
    for event in events:
        event.data_shown = data_for(event.data or {}, ticket, user, full_phone=full_phone)
    return [timeline_event(e) for e in events]


def return_visit(visit: ReturnVisit) -> dict[str, Any]:
    """One return visit; its note as read by `return_visits` (else masked, `_masked_unless_shown`)."""
    return {
        "created_at": visit.created_at, "method": visit.method, "contacted": visit.contacted,
        "resolved": visit.resolved, "satisfaction": visit.satisfaction, "unit_contacted": visit.unit_contacted,
        "contact_disputed": visit.contact_disputed, "note": _masked_unless_shown(visit),
        "visitor": str(visit.visitor) if visit.visitor_id else _("群众（在线评价）"),
    }


def return_visits(ticket: Ticket, user: User, *, full_phone: bool = True) -> list[dict[str, Any]]:
    """The order's return visits in order, their notes (the citizen's words) as this caller may read them."""
    return [return_visit(v) for v in visits_shown(ticket, user, full_phone=full_phone)]
