"""Where the language switch (`includes/language_switch.html`) sends the person back: always a page that
answers a GET.

A page shown in answer to a GET comes back as it was (path and query string). A page shown in answer to a
POST (a refused form, a bulk step's report) lives at an address that may only take posts
(`/orders/<n>/act/<step>/`, `/kpis/bulletin/publish/`): going back there would be a 405. It goes back to
the page's own address the view gives (`switch_next`, e.g. the order page), else to the page the form was
posted from (the Referer) when it is on this site and answers a GET, else to the home page.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from django import template
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()

#: The methods that show a page again as it is.
READING = frozenset({"GET", "HEAD"})


def _takes_get(view: Callable[..., Any]) -> bool:
    """Whether a view answers a GET: not when it (or a decorator around it, e.g. `require_POST`) lists the
    methods it takes without GET, nor a class-based view without `get`."""
    seen: Callable[..., Any] | None = view
    while seen is not None:
        view_class = getattr(seen, "view_class", None)
        if view_class is not None and not hasattr(view_class, "get"):
            return False
        try:
            methods = inspect.getclosurevars(seen).nonlocals.get("request_method_list")
        except TypeError:  # not a Python function (a callable object)
            methods = None
        if methods is not None and "GET" not in methods:
            return False
        seen = getattr(seen, "__wrapped__", None)
    return True


def referer_path(request: HttpRequest) -> str | None:
    """The page a post was sent from, as path and query string: only on this site, and only a page that
    answers a GET (not the address of a refused form posted again from its own page); else None."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                          require_https=request.is_secure()):
        return None
    parts = urlsplit(referer)
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    try:
        match = resolve(unquote(path))
    except Resolver404:
        return None
    if not _takes_get(match.func):
        return None
    return f"{path}?{parts.query}" if parts.query else path


@register.simple_tag(takes_context=True)
def language_switch_next(context: template.Context) -> str:
    """The `next` of the language switch: this page if it answered a GET, else the view's `switch_next`,
    else the Referer (`referer_path`), else "/"."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return "/"
    if request.method in READING:
        return request.get_full_path()
    given = context.get("switch_next")
    if given:
        return str(given)
    return referer_path(request) or "/"
