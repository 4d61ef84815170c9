"""The main navigation's links, from the role sets the pages' own views check (no list kept in the template)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any]) -> list:
    """The links of `hotline.workbench.nav.ENTRIES` this person may open, the current page's marked."""
    from hotline.workbench.nav import links_for

    request = context.get("request")
    return links_for(context["user"], getattr(request, "resolver_match", None))
