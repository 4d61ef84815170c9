"""The working calendar's warning (`sla.W001`) as a banner on admin pages: `{% calendar_warnings %}`."""

from __future__ import annotations

from django import template

from hotline.sla.checks import calendar_warnings as _calendar_warnings

register = template.Library()


@register.inclusion_tag("sla/_calendar_warnings.html")
def calendar_warnings() -> dict[str, list[str]]:
    """The admin's message list with one warning per year the calendar lacks (nothing when none does)."""
    return {"warnings": _calendar_warnings()}
