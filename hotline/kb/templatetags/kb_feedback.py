"""The 纠错反馈 section of the article page: the report form for centre staff, the open reports for maintainers.

A tag, so the article page's view stays as it is: `{% kb_feedback article version %}`.
"""

from __future__ import annotations

from typing import Any

from django import template

from hotline.kb import review
from hotline.kb.choices import ArticleStatus, FeedbackKind
from hotline.kb.models import Article, ArticleVersion
from hotline.kb.permissions import may_maintain, may_report

register = template.Library()


@register.inclusion_tag("kb/_feedback.html", takes_context=True)
def kb_feedback(context: template.Context, article: Article, version: ArticleVersion | None) -> dict[str, Any]:
    """What the signed-in person may do about this article's correctness (nothing for others)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    maintainer = may_maintain(user)
    return {"article": article, "version": version, "may_report": may_report(user), "may_maintain": maintainer,
            "retired": article.status == ArticleStatus.RETIRED, "kinds": FeedbackKind,
            "open_items": list(review.feedback_of(article)) if maintainer else []}
