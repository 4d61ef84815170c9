"""`{{ row|dispatch_reason }}`: a recommended unit's reasons in the reader's language (see `routing.reasons`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from hotline.routing.reasons import describe_row

register = template.Library()


@register.filter
def dispatch_reason(row: Mapping[str, Any]) -> str:
    """The reasons of one row of a recommendation's top 3, worded in the active language."""
    return describe_row(row) if isinstance(row, Mapping) else ""
