"""Caller profiles in other apps' pages (the intake pop-up, the order page), from one `{% include %}` each."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.callers import selectors
from hotline.callers.selectors import ProfileCard

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def caller_card(context: template.Context, phone: str) -> ProfileCard | None:
    """The profile of the number typed in the intake pop-up (来电弹屏), editable for those who may change it."""
    return selectors.profile_card(_user(context), phone or "")


@register.simple_tag(takes_context=True)
def order_caller_card(context: template.Context, ticket: Any, phone_shown: str) -> ProfileCard | None:
    """The order's caller's profile, read-only, where the page shows this person the full number."""
    return selectors.order_card(_user(context), ticket, phone_shown or "")
