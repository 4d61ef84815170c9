"""Filters of the citizens' FAQ pages: `{{ unit.phone|public_phone }}` (`hotline.kb.public_phone`)."""

from __future__ import annotations

from django import template

from hotline.kb.public_phone import public_phone as _public_phone

register = template.Library()


@register.filter
def public_phone(written: str) -> str:
    """The unit's 联系电话 without its mobile numbers ("" when nothing else is written)."""
    return _public_phone(written)
