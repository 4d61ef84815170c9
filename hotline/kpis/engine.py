"""Computing the indicators: one figure, figures per unit or per dimension, and the orders behind a figure.

Every figure is a handful of conditional `COUNT`s over one base (see `bases.py`), in one query; per-unit
and per-dimension figures are the same query grouped. Nothing loads orders into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from hotline.core import clock
from hotline.kpis.bases import Context, excluded_from_assessment
from hotline.kpis.choices import Indicator
from hotline.kpis.cuts import Cut
from hotline.kpis.definitions import KPIS, Kpi
from hotline.kpis.models import AssessmentSettings
from hotline.kpis.periods import Period
from hotline.tickets.models import Ticket

#: Dimensions a figure can be broken down by (维度) → the expression, relative to the order.
DIMENSIONS = ("unit", "channel", "request_type", "district", "category")


@dataclass(frozen=True)
class Figure:
    """One figure: numerator / denominator. `value` is a share (0–1) for rates, the count for counts."""

    numerator: Decimal | None
    denominator: int
    is_rate: bool = True

    @property
    def value(self) -> float | None:
        if not self.is_rate:
            return float(self.denominator)
        if not self.denominator or self.numerator is None:
            return None
        return float(self.numerator) / self.denominator

    @property
    def percent(self) -> float | None:
        v = self.value
        return None if v is None or not self.is_rate else round(v * 100, 2)

    def display(self) -> str:
        """100.00% / — / 1234."""
        if not self.is_rate:
            return str(self.denominator)
        return "—" if self.percent is None else f"{self.percent:.2f}%"


def context(period: Period, *, assessment: bool = False, as_of: datetime | None = None,
            settings: AssessmentSettings | None = None) -> Context:
    """The context of figures for a period; deadlines are judged at `as_of` (default: now)."""
    settings = settings or AssessmentSettings.current()
    return Context(start=period.start, end=period.end, as_of=as_of or clock.now(),
                   basic_factor=settings.basic_factor, repeat_days=settings.repeat_window_days,
                   assessment=assessment)


def rows(kpi: Kpi, ctx: Context, cut: Cut) -> QuerySet:
    """The base rows of an indicator in the period and the cut, each annotated with its unit (`_unit`)."""
    base = kpi.base
    if base is None:
        raise ValueError(f"{kpi.code} is not computed from orders")
    qs = base.queryset().filter(**{f"{base.when}__gte": ctx.start, f"{base.when}__lt": ctx.end})
    qs = qs.filter(cut.ticket_q(base.ticket)).annotate(_unit=base.unit(), **kpi.annotations(ctx))
    units = cut.units()
    if units is not None:
        qs = qs.filter(_unit__in=units.values("pk"))
    if ctx.assessment and kpi.unit_attributed and kpi.assessment_exclusions:
        qs = qs.exclude(excluded_from_assessment(base))
    return qs


def _counted(kpi: Kpi, ctx: Context, qs: QuerySet) -> QuerySet:
    """The population's rows, each with a 0/1 column per numerator part (computed in the row's own query)."""
    marks = {f"_n{i}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
             for i, (q, _w) in enumerate(kpi.numerator(ctx) if kpi.numerator else [])}
    return qs.filter(kpi.population(ctx)).annotate(**marks)


def _aggregates(kpi: Kpi, ctx: Context) -> dict[str, Any]:
    aggs: dict[str, Any] = {"den": Count("pk")}
    for i, _part in enumerate(kpi.numerator(ctx) if kpi.numerator else []):
        aggs[f"n{i}"] = Sum(f"_n{i}")
    return aggs


def _figure(kpi: Kpi, ctx: Context, row: dict[str, Any]) -> Figure:
    if kpi.numerator is None:
        return Figure(None, row["den"] or 0, is_rate=False)
    parts = kpi.numerator(ctx)
    numerator = sum((Decimal(row[f"n{i}"] or 0) * w for i, (_q, w) in enumerate(parts)), Decimal(0))
    return Figure(numerator, row["den"] or 0)


def figure(kpi: Kpi | str, ctx: Context, cut: Cut | None = None) -> Figure | None:
    """One indicator over the period and the cut (None: a telephony figure with no telephony module)."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if kpi.base is None:
        return call_figure(kpi, ctx)
    counted = _counted(kpi, ctx, rows(kpi, ctx, cut or Cut()))
    return _figure(kpi, ctx, counted.aggregate(**_aggregates(kpi, ctx)))


def _dimension(kpi: Kpi, dim: str) -> Any:
    prefix = kpi.base.ticket
    if dim == "unit":
        return F("_unit")
    if dim == "district":
        return F(f"{prefix}district_id")
    if dim == "category":  # the first-level category (一级分类) of the order
        return Coalesce(f"{prefix}category__parent__parent_id", f"{prefix}category__parent_id",
                        f"{prefix}category_id")
    if dim in ("channel", "request_type"):
        return F(f"{prefix}{dim}")
    raise ValueError(f"unknown dimension {dim!r}")


def breakdown(kpi: Kpi | str, ctx: Context, cut: Cut | None, dim: str) -> dict[Any, Figure]:
    """The indicator per value of a dimension (unit, channel, request_type, district, category)."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if kpi.base is None:
        return {}
    counted = _counted(kpi, ctx, rows(kpi, ctx, cut or Cut()))
    grouped = (counted.annotate(_key=_dimension(kpi, dim)).order_by()
               .values("_key").annotate(**_aggregates(kpi, ctx)))
    return {row["_key"]: _figure(kpi, ctx, row) for row in grouped}


def by_unit(kpi: Kpi | str, ctx: Context, cut: Cut | None = None) -> dict[int, Figure]:
    """The indicator for every unit with rows in the period (rows attributed to no unit are left out)."""
    return {k: v for k, v in breakdown(kpi, ctx, cut, "unit").items() if k is not None}


def orders(kpi: Kpi | str, ctx: Context, cut: Cut | None = None, *, part: str = "den",
           unit: int | None = None) -> QuerySet[Ticket]:
    """The orders behind a figure: its population (`den`) or its numerator (`num`), optionally of one unit.

    One order stands once in the list even when it gives the figure several rows (sent to two units,
    visited twice); the caller restricts it with `Ticket.objects.visible_to(user)`.
    """
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if kpi.base is None:
        return Ticket.objects.none()
    qs = rows(kpi, ctx, cut or Cut()).filter(kpi.population(ctx))
    if part == "num" and kpi.numerator is not None:
        any_part = Q()
        for q, _weight in kpi.numerator(ctx):
            any_part |= q
        qs = qs.filter(any_part)
    if unit is not None:
        qs = qs.filter(_unit=unit)
    return Ticket.objects.filter(pk__in=qs.values(kpi.base.ticket_ref))


# --- the telephony queue (hotline/calls, when installed) -------------------------------------------------


def calls_available() -> bool:
    """Whether the call-centre module that records the queue is installed (app and selector)."""
    if not django_apps.is_installed("hotline.calls"):
        return False
    try:
        module = import_module("hotline.calls.selectors")
    except ImportError:
        return False
    return hasattr(module, "queue_summary")


def call_figures(ctx: Context) -> dict[str, Figure]:
    """接通率 and 15 秒应答率 from one `hotline.calls.selectors.queue_summary` (empty when it is not installed)."""
    if not calls_available():
        return {}
    summary = import_module("hotline.calls.selectors").queue_summary(ctx.start, ctx.end)
    return {
        Indicator.CONNECT: Figure(Decimal(summary.answered or 0), int(summary.offered or 0)),
        # 15 秒应答率 over answered calls, as domain.md and the telephony module define it.
        Indicator.SERVICE_LEVEL: Figure(Decimal(summary.answered_within_15s or 0), int(summary.answered or 0)),
    }


def call_figure(kpi: Kpi, ctx: Context) -> Figure | None:
    """接通率 / 15 秒应答率 (None when the telephony module is not installed)."""
    return call_figures(ctx).get(kpi.code)


def all_figures(ctx: Context, cut: Cut | None = None) -> dict[str, Figure]:
    """Every indicator that can be computed, keyed by code (telephony ones only with the calls module)."""
    out = {}
    calls = call_figures(ctx)  # one queue summary for both telephony figures
    for code, kpi in KPIS.items():
        found = calls.get(code) if kpi.base is None else figure(kpi, ctx, cut)
        if found is not None:
            out[code] = found
    return out
