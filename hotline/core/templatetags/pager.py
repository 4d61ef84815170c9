"""The pager under a paginated list (`_pager.html`): links to the pages either side that keep the list's
filters, tab and sort, so page 2 is page 2 of the same list."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import QueryDict

register = template.Library()


def _kept(context: template.Context) -> QueryDict:
    """The query parameters the page links keep: the view's own cleaned `pager_query` when it gives one,
    else the request's; never `page` itself."""
    given = context.get("pager_query")
    if given is not None:
        kept = QueryDict(str(given), mutable=True)
    else:
        request = context.get("request")
        kept = request.GET.copy() if request is not None else QueryDict(mutable=True)
    kept.pop("page", None)
    return kept


def _link(kept: QueryDict, number: int) -> str:
    query = kept.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def pager(context: template.Context, page: Page | int, has_next: bool = False) -> dict[str, Any] | None:
    """The page number, the page count when known and the links to the previous and next page; None when
    the list fits on one page. `page` is a Paginator page, or a page number with `has_next` for a list
    that only knows whether more follows (常见问题)."""
    if isinstance(page, Page):
        number, total = page.number, page.paginator.num_pages
        has_previous, has_next = page.has_previous(), page.has_next()
    elif isinstance(page, int) and not isinstance(page, bool):
        number, total, has_previous, has_next = page, None, page > 1, bool(has_next)
    else:
        return None
    if not (has_previous or has_next):
        return None
    kept = _kept(context)
    return {"number": number, "total": total,
            "previous": _link(kept, number - 1) if has_previous else "",
            "next": _link(kept, number + 1) if has_next else ""}
