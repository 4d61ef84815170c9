"""Hints for 不合理诉求 on a real order: gather the caller's earlier orders on the matter and score.

Advice only (仅供参考，不会自动排除): nothing here writes anything.
"""

from __future__ import annotations

from hotline.intelligence.unreasonable import Earlier, Hint, score
from hotline.tickets.choices import Satisfaction
from hotline.tickets.models import Ticket
from hotline.triage.models import RepeatLink


def earlier_on_matter(ticket: Ticket) -> list[int]:
    """Ids of the caller's earlier orders on the same matter.

    The orders this one repeats, the orders those repeat, and the other earlier orders that repeat any
    of them (two wordings of one matter may each be alike to a third without being alike to each other).
    """
    group = set(RepeatLink.objects.filter(ticket=ticket).values_list("earlier_id", flat=True))
    group |= set(RepeatLink.objects.filter(ticket_id__in=group).values_list("earlier_id", flat=True))
    group |= set(RepeatLink.objects.filter(earlier_id__in=group, ticket__registered_at__lt=ticket.registered_at)
                 .values_list("ticket_id", flat=True))
    return sorted(group - {ticket.pk})


def hint_for(ticket: Ticket) -> Hint:
    """The 不合理诉求 hint for an order, from its text and the caller's earlier orders on the matter."""
    earlier = []
    for old in Ticket.objects.filter(pk__in=earlier_on_matter(ticket)).prefetch_related("replies", "visits"):
        replies = sorted(old.replies.all(), key=lambda r: r.pk)
        visits = sorted(old.visits.all(), key=lambda v: v.pk)
        reply = replies[-1] if replies else None
        earlier.append(Earlier(
            reply=(reply.content if reply else "") or old.direct_answer,
            resolved=reply.resolved if reply else None,
            unsatisfied=bool(visits) and visits[-1].satisfaction == Satisfaction.UNSATISFIED,
        ))
    return score(f"{ticket.title} {ticket.description}", earlier)
