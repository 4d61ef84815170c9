"""`{% attachment_name a ticket %}`: an attachment's file name as the person reading the page may see it."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.attachments.models import Attachment
from hotline.attachments.selectors import name_shown

register = template.Library()


@register.simple_tag(takes_context=True)
def attachment_name(context: template.Context, item: Attachment, ticket: Any = None) -> str:
    """The file name through `name_shown` (numbers masked for those who read the order's texts masked)."""
    return name_shown(item, context["request"].user, ticket)
