"""Reads about handling units (承办单位) that need the orders: what a unit still holds."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import ACTIVE_ASSIGNMENT
from hotline.tickets.models import Assignment
from hotline.tickets.transitions import OPEN


def _held() -> QuerySet[Assignment]:
    """Assignments a unit still answers for (待签收, 办理中, 已答复: lead or assisting) on orders not finished yet."""
    return Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT, ticket__status__in=OPEN)


def open_orders_held(unit: HandlingUnit | int) -> int:
    """How many unfinished orders (未办结工单) the unit still holds, as lead (主办) or assisting (协办) unit (one query).

    A switched-off unit (停用) keeps these until they are finished or the centre reassigns them (改派).
    """
    return _held().filter(unit=unit).values("ticket_id").distinct().count()


def holds_open_orders(*, alerted_only: bool = False) -> Exists:
    """A condition on `HandlingUnit` rows: the unit still holds an unfinished order (`open_orders_held` > 0);
    with `alerted_only`, one its duty phone may be alerted about (not a confidential order, which no alert names)."""
    held = _held().filter(unit=OuterRef("pk"))
    return Exists(held.filter(ticket__is_confidential=False) if alerted_only else held)
