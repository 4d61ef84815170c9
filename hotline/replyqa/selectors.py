"""Reply-quality findings of orders (computed on the fly: the check is pure and takes milliseconds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.db.models import Count, Max, Prefetch, QuerySet

from hotline.accounts.models import User
from hotline.core import workcalendar
from hotline.core.privacy import scrub_public_text
from hotline.intelligence.reply_quality import ReplyFindings, most_similar
from hotline.replyqa import checks
from hotline.replyqa.models import DisputedContact
from hotline.tickets.choices import Action, AssignmentRole, Decision, Status
from hotline.tickets.models import Reply, Ticket, TimelineEvent


@dataclass(frozen=True)
class ReplyReview:
    """The reply an order's check is about (the lead's, `latest_reply`) and what the check found in it."""

    ticket: Ticket
    reply: Reply
    findings: ReplyFindings


def latest_reply(ticket: Ticket) -> Reply | None:
    """The lead unit's reply the centre reviews: the one awaiting review (答复待审) when there is one, else the
    lead's most recent; None when the lead has not replied.

    An assisting unit's input (协办答复) is never the one checked, even when it came after the lead's reply.
    Prefetched `replies` (with their assignments, as `awaiting_review` loads them) are used when present.
    """
    prefetched = "replies" in getattr(ticket, "_prefetched_objects_cache", {})
    replies = ticket.replies.all() if prefetched else ticket.replies.select_related("assignment")
    lead = [reply for reply in replies if reply.assignment.role == AssignmentRole.LEAD]
    pending = [reply for reply in lead if reply.review_status == Decision.PENDING]
    if not (pending or lead):
        return None
    return max(pending or lead, key=lambda reply: (reply.created_at, reply.pk))


#: The steps that send the order back to its lead unit with a fresh reply deadline (重办).
REHANDLE = {"action__in": [Action.SEND_BACK, Action.RETURN_VISIT], "to_status": Status.IN_PROGRESS}


def _rehandled_at(ticket: Ticket) -> list[datetime]:
    """When the order was sent back for re-handling (`rehandles` prefetched by `awaiting_review` when present)."""
    events = getattr(ticket, "rehandles", None)
    if events is None:
        events = TimelineEvent.objects.filter(ticket=ticket, **REHANDLE)
    return [event.at for event in events]


@dataclass(frozen=True)
class HandlingRound:
    """The handling round (办理轮次) a reply answers: its start, its reply deadline (答复时限) and, when known,
    whether the assignment counts it overdue (答复超期; None: judge by the deadline)."""

    started: datetime
    due: datetime | None = None
    overdue: bool | None = None


def handling_round(ticket: Ticket, reply: Reply) -> HandlingRound:
    """The round of a reply: from dispatch or the last 重办 before it, judged as 按时办结率 judges the assignment.

    The assignment's latest reply is judged by its `reply_due` and sticky `reply_overdue`. An earlier reply
    of the lead (its deadline since reset by 重办) was on time when the assignment was never overdue;
    otherwise it is judged by the order's policy counted from its round's start.
    """
    assignment = reply.assignment if reply.assignment_id else None
    if assignment is None:
        return HandlingRound(ticket.registered_at)
    started = assignment.dispatched_at
    if assignment.role == AssignmentRole.LEAD:
        started = max([started, *(at for at in _rehandled_at(ticket) if at < reply.created_at)])
    later = any(other.assignment_id == reply.assignment_id
                and (other.created_at, other.pk) > (reply.created_at, reply.pk) for other in ticket.replies.all())
    if not later:
        return HandlingRound(started, assignment.reply_due,
                             assignment.reply_overdue or reply.created_at > assignment.reply_due)
    policy = ticket.sla_policy
    due = workcalendar.add_limit(started, policy.reply_amount, policy.reply_unit) if policy else None
    return HandlingRound(started, due, None if assignment.reply_overdue else False)


def review_of(ticket: Ticket, reply: Reply) -> ReplyReview:
    """Check a reply against its order: request, timeliness in its handling round, the caller's phone for privacy."""
    text = "\n".join(filter(None, [reply.content, reply.public_reply]))
    current = handling_round(ticket, reply)
    findings = checks.check(ticket.description, text, requested_at=current.started, replied_at=reply.created_at,
                            due=current.due, overdue=current.overdue,
                            title=ticket.title, citizen_phone=ticket.caller_phone)
    return ReplyReview(ticket, reply, findings)


def awaiting_review(user: User) -> QuerySet[Ticket]:
    """Orders whose reply waits for the centre's review (答复待审) that this person may see."""
    replies = Reply.objects.select_related("assignment", "assignment__unit").order_by("created_at", "id")
    rehandles = TimelineEvent.objects.filter(**REHANDLE).only("ticket_id", "at").order_by("seq")
    return (Ticket.objects.visible_to(user).filter(status=Status.REPLIED)
            .prefetch_related(Prefetch("replies", queryset=replies),
                              Prefetch("timeline", queryset=rehandles, to_attr="rehandles"))
            .order_by("registered_at", "id"))


def reviews(tickets: list[Ticket]) -> list[ReplyReview]:
    """The review of each order's lead reply (`latest_reply`; orders without one are left out)."""
    return [review_of(ticket, reply) for ticket in tickets if (reply := latest_reply(ticket)) is not None]


#: Approved replies looked at when searching similar past replies (the most recent first).
SIMILAR_POOL = 300


@dataclass(frozen=True)
class SimilarReply:
    """A reply the centre approved to an earlier, similar request: a reference for the reviewer."""

    number: str
    title: str
    reply: str
    similarity: float


def similar_replies(ticket: Ticket, user: User, *, limit: int = 3) -> list[SimilarReply]:
    """Replies the centre approved (审核通过) to the most similar recent requests (same category when the order
    has one).

    Only lead replies a reviewer approved (`reviewed_at` set): an assisting unit's 协办答复 is stored approved
    without any review. Confidential (保密) orders are left out: their titles and replies would be shown on
    other orders' pages, where opening them is not recorded. For the same reason the title and the reply are
    shown with phone numbers, ID numbers and citizens' names masked (`scrub_public_text`, as 往期类似答复 does),
    and that order's own caller (name, number, firm) wherever written, without a cue too.
    """
    pool = (Reply.objects.filter(review_status=Decision.APPROVED, reviewed_at__isnull=False,
                                 assignment__role=AssignmentRole.LEAD,
                                 ticket__in=Ticket.objects.visible_to(user).exclude(pk=ticket.pk)
                                 .filter(is_confidential=False))
            .order_by("-created_at", "-id"))
    if ticket.category_id:
        pool = pool.filter(ticket__category_id=ticket.category_id)
    rows = list(pool.values_list("ticket__number", "ticket__title", "ticket__description", "content",
                                 "ticket__caller_name", "ticket__caller_phone", "ticket__caller_company")
                [:SIMILAR_POOL])
    found = most_similar(f"{ticket.title} {ticket.description}", [f"{r[1]} {r[2]}" for r in rows], top=limit)
    offered = []
    for i, score in found:
        number, title, _, content, *caller = rows[i]
        other = SimpleNamespace(**dict(zip(("caller_name", "caller_phone", "caller_company"), caller, strict=True)))
        offered.append(SimilarReply(number or "", scrub_public_text(title, order=other),
                                    scrub_public_text(content, order=other), score))
    return offered


def disputes_of(ticket: Ticket) -> list[DisputedContact]:
    """The order's disputed contacts (答复称已联系群众，回访时群众表示未被联系), oldest visit first, replies loaded."""
    return list(DisputedContact.objects.filter(ticket=ticket).select_related("reply"))


@dataclass(frozen=True)
class UnitDisputes:
    """One unit's disputed contacts in a period: how many, on how many orders, the latest visit."""

    unit_id: int
    unit_name: str
    disputes: int
    tickets: int
    latest: datetime


def unit_summary(user: User, *, since: datetime | None = None, until: datetime | None = None) -> list[UnitDisputes]:
    """Disputed contacts per unit whose reply claimed them, most first, on the orders this person may see;
    visits from `since` (inclusive) to `until` (exclusive) when given."""
    disputes = DisputedContact.objects.filter(ticket__in=Ticket.objects.visible_to(user))
    if since is not None:
        disputes = disputes.filter(visited_at__gte=since)
    if until is not None:
        disputes = disputes.filter(visited_at__lt=until)
    rows = (disputes.values("unit_id", "unit__name")
            .annotate(n=Count("id"), orders=Count("ticket_id", distinct=True), latest=Max("visited_at"))
            .order_by("-n", "unit__name", "unit_id"))
    return [UnitDisputes(row["unit_id"], row["unit__name"], row["n"], row["orders"], row["latest"]) for row in rows]
