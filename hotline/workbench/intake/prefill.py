"""Opening the intake page filled in (预填): a telephony screen-pop gives the number; another page (a 每月一题
theme's 「派发主动治理工单」) gives the theme, channel, title, description, category and district.

Only values the form would accept are taken; anything else is left out, silently (the agent sees the form).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.governance.choices import ThemeStatus
from hotline.governance.models import Theme
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel
from hotline.workbench.intake import selectors

#: Longest title and description taken from the address (the form's own limits).
TITLE_MAX, DESCRIPTION_MAX = 200, 8000


@dataclass
class Prefill:
    """The form's initial values, and the words put in the category search (a category above the third
    level cannot be chosen itself: its third-level categories are listed instead)."""

    initial: dict[str, Any] = field(default_factory=dict)
    category_query: str = ""


def _id(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 12 else None


def prefill(params: Mapping[str, str]) -> Prefill:
    """What the GET parameters phone, channel, title, description, category (id), district (unit id) and
    theme (a 每月一题 theme's id, with channel 主动发现 only) fill in."""
    found = Prefill()
    initial = found.initial
    if phone := params.get("phone", ""):
        initial["phone"] = selectors.normalise_phone(phone)
    if params.get("channel", "") in Channel.values:
        initial["channel"] = params["channel"]
    if initial.get("channel") == Channel.PROACTIVE and (pk := _id(params.get("theme", ""))) is not None:
        if (theme := Theme.objects.exclude(status=ThemeStatus.CANCELLED).filter(pk=pk).first()) is not None:
            initial["theme"] = theme
    if title := params.get("title", "").strip():
        initial["title"] = title[:TITLE_MAX]
    if description := params.get("description", "").strip():
        initial["description"] = description[:DESCRIPTION_MAX]
    if (pk := _id(params.get("category", ""))) is not None:
        category = Category.objects.filter(pk=pk, is_active=True).values_list("level", "full_name").first()
        if category is not None and category[0] == 3:
            initial["category"] = pk
        elif category is not None:
            found.category_query = category[1]
    if (pk := _id(params.get("district", ""))) is not None and HandlingUnit.objects.filter(
            pk=pk, kind=UnitKind.DISTRICT, is_active=True).exists():
        initial["district"] = pk
    return found
