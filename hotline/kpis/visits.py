"""Valid return visits (有效回访) of an order, and its first and final one.

One definition for the indicators (解决率, 满意率, 首次解决率 …), the order page, the export and the API:
the citizen was reached and answered on resolution and satisfaction. An unanswered call, a 未表态 answer
and the 现场核查 of a proactive order (nobody to reach: `contacted` is False) are never valid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from hotline.tickets.choices import Satisfaction
from hotline.tickets.models import ReturnVisit

#: The answers on satisfaction that make a visit valid (未表态 does not).
STATED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.UNSATISFIED)


def valid_visit(prefix: str = "") -> Q:
    """有效回访: reached, with an answer on resolution and satisfaction (`prefix` e.g. "visits__")."""
    return Q(**{f"{prefix}contacted": True, f"{prefix}resolved__isnull": False,
                f"{prefix}satisfaction__in": STATED})


def is_valid(visit: ReturnVisit) -> bool:
    """`valid_visit` for a visit already loaded."""
    return bool(visit.contacted) and visit.resolved is not None and visit.satisfaction in STATED


def first_and_final(visits: Iterable[ReturnVisit]) -> tuple[ReturnVisit | None, ReturnVisit | None]:
    """The order's first and final valid return visit (the same one when there is one), from its visits."""
    valid = sorted((v for v in visits if is_valid(v)), key=lambda v: (v.created_at, v.pk or 0))
    return (valid[0], valid[-1]) if valid else (None, None)


def _ordered(ticket_ref: str, *, first: bool) -> QuerySet[ReturnVisit]:
    order = ("created_at", "id") if first else ("-created_at", "-id")
    return ReturnVisit.objects.filter(valid_visit(), ticket=OuterRef(ticket_ref)).order_by(*order)


def visit_field(field: str, *, first: bool, ticket_ref: str = "pk") -> Subquery:
    """One field of the order's first (or final) valid return visit, as a subquery of the orders' own query."""
    return Subquery(_ordered(ticket_ref, first=first).values(field)[:1])


def with_first_and_final(qs: QuerySet[Any], *, fields: Iterable[str] = ("satisfaction",)) -> QuerySet[Any]:
    """Annotate every order with `first_visit_<field>` and `final_visit_<field>` (NULL: no valid visit)."""
    marks = {}
    for name in fields:
        marks[f"first_visit_{name}"] = visit_field(name, first=True)
        marks[f"final_visit_{name}"] = visit_field(name, first=False)
    return qs.annotate(**marks)


def outcome(visit: ReturnVisit | None) -> dict[str, Any] | None:
    """A visit as the API shows an outcome: {resolved, satisfaction, at}, or None."""
    if visit is None:
        return None
    return {"resolved": visit.resolved, "satisfaction": visit.satisfaction, "at": visit.created_at}
