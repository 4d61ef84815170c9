"""The first and final valid return visit (首次回访, 最终回访) of an order, for its page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from hotline.kpis.visits import first_and_final
from hotline.tickets.models import ReturnVisit

register = template.Library()


@register.inclusion_tag("tickets/_visit_outcomes.html")
def first_and_final_visits(visits: Iterable[ReturnVisit]) -> dict[str, Any]:
    """Both outcomes from the visits the page already loaded (no query); shown when they are two visits."""
    first, final = first_and_final(visits)
    return {"first": first, "final": final, "differ": first is not None and final is not None and first != final}
