"""Reads of the knowledge base: searching articles (agents, citizens) and similar past replies (units)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from hotline.core.privacy import scrub_public_text
from hotline.kb import index
from hotline.kb.choices import ArticleStatus
from hotline.kb.constants import REPLY_EXCERPT, REQUEST_EXCERPT, SIMILAR_REPLIES
from hotline.kb.models import Article, ArticleVersion, ReplyExample
from hotline.kb.services import today
from hotline.tickets.models import Ticket


@dataclass(frozen=True)
class Hit:
    """One article found: the article, its published version and how well it matched."""

    article: Article
    version: ArticleVersion
    score: float


def search(query: str, *, public_only: bool = False, kinds: Sequence[str] = (), owner_unit_ids: Sequence[int] = (),
           limit: int = 10, offset: int = 0) -> list[Hit]:
    """Published articles in force today that match the query, best first (three queries whatever the size,
    one or two index queries more when the rarest words are held only by articles the filters exclude)."""
    filters = index.Filters(day=today(), public_only=public_only, kinds=tuple(kinds),
                            owner_unit_ids=tuple(owner_unit_ids))
    found = index.search_articles(query, filters, limit=limit, offset=offset)
    if not found:
        return []
    articles = Article.objects.select_related("published_version", "owner_unit").in_bulk([pk for pk, _ in found])
    hits = []
    for pk, score in found:
        article = articles.get(pk)
        if article is not None and article.published_version is not None:
            hits.append(Hit(article, article.published_version, score))
    return hits


def recent_in_force(*, limit: int = 30) -> list[Article]:
    """The most recently changed published articles in force today (the agents' 知识库 page without a query)."""
    day = today()
    return list(Article.objects.filter(status=ArticleStatus.PUBLISHED, published_version__isnull=False,
                                       valid_from__lte=day)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
                .select_related("published_version", "owner_unit").order_by("-updated_at")[:limit])


@dataclass(frozen=True)
class SimilarReply:
    """A past reply to a request like this order: excerpts of the request and of the department's reply."""

    example: ReplyExample
    request_excerpt: str
    reply_excerpt: str
    score: float


def _excerpt(text: str, size: int) -> str:
    """The start of a text, its phone numbers, ID numbers and citizens' names masked (rows loaded before
    the loader masked them, too)."""
    text = " ".join(scrub_public_text(text).split())
    return text if len(text) <= size else text[: size - 1] + "…"


def similar_replies(ticket: Ticket, *, limit: int = SIMILAR_REPLIES) -> list[SimilarReply]:
    """The past department replies whose requests read most like this order's title and description."""
    found = index.search_replies(f"{ticket.title} {ticket.description}", limit=limit)
    if not found:
        return []
    examples = ReplyExample.objects.in_bulk([pk for pk, _ in found])
    return [SimilarReply(examples[pk], _excerpt(f"{examples[pk].topic}：{examples[pk].detail}", REQUEST_EXCERPT),
                         _excerpt(examples[pk].reply, REPLY_EXCERPT), score)
            for pk, score in found if pk in examples]
