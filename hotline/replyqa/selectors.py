"""Reply-quality findings of orders (computed on the fly: the check is pure and takes milliseconds)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from hotline.accounts.models import User
from hotline.intelligence.reply_quality import ReplyFindings, most_similar
from hotline.replyqa import checks
from hotline.tickets.choices import Decision, Status
from hotline.tickets.models import Reply, Ticket


@dataclass(frozen=True)
class ReplyReview:
    """An order's latest reply and what the check found in it."""

    ticket: Ticket
    reply: Reply
    findings: ReplyFindings


def latest_reply(ticket: Ticket) -> Reply | None:
    """The order's most recent reply (prefetched `replies` are used when present)."""
    replies = list(ticket.replies.all())
    if not replies:
        return None
    return max(replies, key=lambda reply: (reply.created_at, reply.pk))


def review_of(ticket: Ticket, reply: Reply) -> ReplyReview:
    """Check a reply against its order: request, timeliness from dispatch, the caller's phone for privacy."""
    text = "\n".join(filter(None, [reply.content, reply.public_reply]))
    started = reply.assignment.dispatched_at if reply.assignment_id else ticket.registered_at
    findings = checks.check(ticket.description, text, requested_at=started, replied_at=reply.created_at,
                            title=ticket.title, citizen_phone=ticket.caller_phone)
    return ReplyReview(ticket, reply, findings)


def awaiting_review(user: User) -> QuerySet[Ticket]:
    """Orders whose reply waits for the centre's review (答复待审) that this person may see."""
    replies = Reply.objects.select_related("assignment", "assignment__unit").order_by("created_at", "id")
    return (Ticket.objects.visible_to(user).filter(status=Status.REPLIED)
            .prefetch_related(Prefetch("replies", queryset=replies)).order_by("registered_at", "id"))


def reviews(tickets: list[Ticket]) -> list[ReplyReview]:
    """The review of each order's latest reply (orders without a reply are left out)."""
    return [review_of(ticket, reply) for ticket in tickets if (reply := latest_reply(ticket)) is not None]


#: Approved replies looked at when searching similar past replies (the most recent first).
SIMILAR_POOL = 300


@dataclass(frozen=True)
class SimilarReply:
    """An approved reply to an earlier, similar request: a reference for the reviewer."""

    number: str
    title: str
    reply: str
    similarity: float


def similar_replies(ticket: Ticket, user: User, *, limit: int = 3) -> list[SimilarReply]:
    """Approved replies to the most similar recent requests (same category when the order has one)."""
    pool = (Reply.objects.filter(review_status=Decision.APPROVED,
                                 ticket__in=Ticket.objects.visible_to(user).exclude(pk=ticket.pk))
            .order_by("-created_at", "-id"))
    if ticket.category_id:
        pool = pool.filter(ticket__category_id=ticket.category_id)
    rows = list(pool.values_list("ticket__number", "ticket__title", "ticket__description", "content")[:SIMILAR_POOL])
    found = most_similar(f"{ticket.title} {ticket.description}", [f"{r[1]} {r[2]}" for r in rows], top=limit)
    return [SimilarReply(rows[i][0] or "", rows[i][1], rows[i][3], score) for i, score in found]
