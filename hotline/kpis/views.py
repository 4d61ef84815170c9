"""The indicator pages: figures with their cuts, the orders behind each figure, the ranking, the bulletin
(preview, publication and the published editions)."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core.replica import reporting_view
from hotline.kpis import engine
from hotline.kpis.assessment import assess
from hotline.kpis.bulletin import FORMATS
from hotline.kpis.bulletin import render as render_bulletin
from hotline.kpis.choices import Indicator, Scope
from hotline.kpis.constants import BULLETIN_EDITIONS_PER_PAGE
from hotline.kpis.cuts import Cut
from hotline.kpis.definitions import KPIS, UNIT_INDICATORS, Kpi
from hotline.kpis.forms import BulletinForm, KpiFilterForm, PeriodForm, PublishForm
from hotline.kpis.models import AssessmentSettings
from hotline.kpis.periods import Period, PeriodError, last_full_month, parse_month
from hotline.kpis.selectors import dimension_labels, published_bulletins, published_edition
from hotline.kpis.services import may_publish, publish_bulletin
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted
from hotline.tickets.models import Ticket
from hotline.workbench.queues.views import render_list

#: Who may open the indicator pages and download the bulletin (centre roles that assess or lead).
KPI_ROLES = frozenset({Role.SUPERVISOR, Role.INSPECTOR, Role.LEADER, Role.ADMIN, Role.DISPATCHER})

#: The indicators shown in a breakdown table (one column each).
BREAKDOWN = [Indicator.VOLUME, Indicator.DIRECT_ANSWER, Indicator.SIGN_TIMELY, Indicator.ON_TIME,
             Indicator.RETURN, Indicator.REHANDLE, Indicator.RESOLUTION, Indicator.FIRST_RESOLUTION,
             Indicator.SATISFACTION, Indicator.OPINION_TIMELY]


def _allow(request: HttpRequest) -> None:
    if request.user.role not in KPI_ROLES:
        raise PermissionDenied(_("您的角色不能查看考核指标"))


def may_see_kpis(user: User) -> bool:
    """考核指标 opens for KPI_ROLES (the whole city) and for unit staff of a unit (their own units' figures)."""
    return user.role in KPI_ROLES or (user.is_unit_staff and user.units.exists())


def _own_units(request: HttpRequest) -> list[HandlingUnit] | None:
    """None for centre staff (every unit); a unit person's own units, whose figures alone they may see."""
    if request.user.role in KPI_ROLES:
        return None
    if not may_see_kpis(request.user):
        raise PermissionDenied(_("您的角色不能查看考核指标"))
    return list(request.user.units.all())


def _filter_form(request: HttpRequest, own: list[HandlingUnit] | None) -> KpiFilterForm:
    """The filter; for unit staff the unit choice is limited to their units and defaults to the first."""
    data = request.GET.copy()
    if own is not None and not data.get("unit"):
        data["unit"] = str(own[0].pk)
    form = KpiFilterForm(data if (request.GET or own is not None) else None)
    if own is not None:
        form.fields["unit"].queryset = HandlingUnit.objects.subtree_of(own).order_by("path")
        form.fields["unit"].empty_label = None
        if not form.is_valid() and "unit" in form.errors:  # another unit asked for: refused, not shown
            raise PermissionDenied(_("只能查看本单位的指标"))
    return form


def filter_errors(form: KpiFilterForm) -> list[str]:
    """Every error of the filter, a field's prefixed with its label (shown above the figures)."""
    found = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name != "__all__":
            found += [_("%(label)s：%(text)s") % {"label": form.fields[name].label, "text": e} for e in errors]
    return found


def _refused(request: HttpRequest, problems: list[str], *, status: int) -> HttpResponse:
    """A page saying why the orders behind a figure cannot be listed, with the way back."""
    return render(request, "kpis/refused.html", {"problems": problems}, status=status)


def _cut(form: KpiFilterForm, own: list[HandlingUnit] | None) -> Cut:
    """The form's cut; for unit staff always inside their own units, whatever the form said."""
    cut = form.cut
    if own is not None and (cut.unit is None or not any(cut.unit.is_within(u) for u in own)):
        cut = replace(cut, unit=own[0], subtree=True)
    return cut


def drill_url(kpi: Kpi, period: Period, cut: Cut, *, part: str, assessment: bool) -> str:
    """The link from a figure to the orders behind its numerator (`num`) or population (`den`)."""
    params: dict[str, Any] = {"kpi": kpi.code, "part": part, **period.params(), **cut.params()}
    if assessment:
        params["scope"] = Scope.ASSESSMENT
    return f"{reverse('kpis-orders')}?{urlencode(params)}"


def _cell(kpi: Kpi, fig: engine.Figure | None, period: Period, cut: Cut, assessment: bool) -> dict[str, Any]:
    drillable = kpi.base is not None and fig is not None
    return {
        "kpi": kpi, "figure": fig,
        "num_url": drill_url(kpi, period, cut, part="num", assessment=assessment) if drillable and kpi.is_rate
        else None,
        "den_url": drill_url(kpi, period, cut, part="den", assessment=assessment) if drillable else None,
    }


def _narrow(cut: Cut, dim: str, key: Any, objects: dict[Any, Any]) -> Cut:
    """The cut of one breakdown row (the unit of a row is taken exactly)."""
    if dim == "unit":
        return replace(cut, unit=objects[key], subtree=False)
    if dim in ("district", "category"):
        return replace(cut, **{dim: objects[key]})
    return replace(cut, **{dim: key})


def _objects(dim: str, keys: list[Any]) -> dict[Any, Any]:
    """The units or categories behind breakdown keys, in one query."""
    if dim in ("unit", "district"):
        return HandlingUnit.objects.in_bulk(keys)
    if dim == "category":
        return Category.objects.in_bulk(keys)
    return {}


@login_required
@require_GET
@reporting_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """考核指标: every indicator for the period and cut, each linked to its orders, optionally by a dimension.

    Centre staff see the whole city; unit staff see their own units (and the units below) only.
    """
    own = _own_units(request)
    form = _filter_form(request, own)
    period, cut, assessment = form.period, _cut(form, own), form.assessment
    ctx = engine.context(period, assessment=assessment)
    cells = []
    calls = engine.call_figures(ctx) if cut.is_empty else {}  # one queue summary for both telephony figures
    for kpi in KPIS.values():
        if (kpi.base is None and not cut.is_empty) or (cut.has_units and not kpi.cuttable_by_unit):
            continue  # the call queue has no cuts; a direct answer has no unit
        fig = calls.get(kpi.code) if kpi.base is None else engine.figure(kpi, ctx, cut)
        if fig is None:
            continue
        cells.append(_cell(kpi, fig, period, cut, assessment))
    by = form.valid_data.get("by") or ""
    table = None
    if by:
        columns = [KPIS[c] for c in BREAKDOWN]
        found = {k.code: engine.breakdown(k, ctx, cut, by) if by != "unit" or k.cuttable_by_unit else {} for k in columns}
        keys = sorted({key for per in found.values() for key in per if key is not None}, key=str)
        labels = dimension_labels(by, keys)
        objects = _objects(by, keys)
        rows = []
        for key in sorted(keys, key=lambda k: labels.get(k, "")):
            if by in ("unit", "district", "category") and key not in objects:
                continue
            narrow = _narrow(cut, by, key, objects)
            rows.append({"label": labels.get(key, key),
                         "cells": [_cell(k, found[k.code].get(key), period, narrow, assessment) for k in columns]})
        table = {"columns": columns, "rows": rows, "label": dict(form.fields["by"].choices).get(by, by)}
    return render(request, "kpis/dashboard.html", {
        "form": form, "filter_errors": filter_errors(form), "period": period, "cut": cut, "assessment": assessment,
        "cells": cells, "table": table,
        "calls": engine.calls_available(), "settings": AssessmentSettings.current(), "own_units": own,
    })


@login_required
@require_GET
@reporting_view
def drill(request: HttpRequest) -> HttpResponse:
    """The orders behind one figure (its numerator or its population), as the person may see them."""
    own = _own_units(request)
    code = request.GET.get("kpi", "")
    kpi = KPIS.get(code)
    if kpi is None:
        return _refused(request, [_("没有这个指标：%(code)s") % {"code": code or "—"}], status=404)
    if kpi.base is None:
        return _refused(request, [_("%(kpi)s 来自话务系统，没有对应的工单") % {"kpi": kpi.name}], status=404)
    part = "num" if request.GET.get("part") == "num" and kpi.is_rate else "den"
    form = _filter_form(request, own)
    if form.errors:  # the orders of another period or cut than the one asked for would mislead
        return _refused(request, filter_errors(form), status=400)
    period, cut, assessment = form.period, _cut(form, own), form.assessment
    ctx = engine.context(period, assessment=assessment)
    behind = engine.orders(kpi, ctx, cut, part=part)
    base = Ticket.objects.visible_to(request.user).filter(pk__in=behind.values("pk"))
    title = _("%(kpi)s · 分子工单") % {"kpi": kpi.name} if part == "num" else _("%(kpi)s · 分母工单") % {"kpi": kpi.name}
    return render_list(request, base, title=title, export_enabled=False, template="kpis/orders.html", extra={
        "kpi": kpi, "part": part, "period": period, "cut": cut, "assessment": assessment,
        "figure": engine.figure(kpi, ctx, cut),
        "other_url": drill_url(kpi, period, cut, part="den" if part == "num" else "num", assessment=assessment)
        if kpi.is_rate else None,
        "back_url": f"{reverse('kpis')}?{urlencode({**period.params(), **cut.params(), **({'scope': Scope.ASSESSMENT} if assessment else {})})}",
    })


@login_required
@require_GET
@reporting_view
def assessment(request: HttpRequest) -> HttpResponse:
    """考核排名: the month's ranking of units within each tier, every figure linked to its orders."""
    _allow(request)
    form = PeriodForm(request.GET or None)
    period = form.period
    settings = AssessmentSettings.current()
    rankings = assess(period, settings=settings)
    codes = list(UNIT_INDICATORS)
    tiers = []
    for ranking in rankings:
        rows = []
        for result in ranking.results:
            unit_cut = Cut(unit=result.unit, subtree=False)
            rows.append({"result": result, "cells": [
                _cell(k, result.figures.get(k.code), period, unit_cut, True) for k in codes]})
        tiers.append({"ranking": ranking, "rows": rows})
    return render(request, "kpis/assessment.html", {
        "form": form, "period": period, "tiers": tiers, "columns": codes, "settings": settings,
        "weights": [(KPIS[c], w) for c, w in settings.weights().items()],
    })


def _bulletin_page(request: HttpRequest, own: list[HandlingUnit] | None, *, form: BulletinForm | None = None,
                   publish_form: PublishForm | None = None, status: int = 200) -> HttpResponse:
    """The bulletin page: the preview and the publish form for centre staff, the published editions for all."""
    allowed = own is None and may_publish(request.user)
    editions = Paginator(published_bulletins(), BULLETIN_EDITIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "kpis/bulletin.html", {
        "form": form or BulletinForm(), "may_preview": own is None, "may_publish": allowed,
        "publish_form": publish_form or (PublishForm(prefix="publish", initial={
            "month": f"{last_full_month().first_day:%Y-%m}"}) if allowed else None),
        "editions": editions, "own_units": own,
        # Shown in answer to a refused publish (POST-only): the language switch goes back to the bulletin page.
        "switch_next": reverse("kpis-bulletin"),
    }, status=status)


@login_required
@require_GET
def bulletin(request: HttpRequest) -> HttpResponse:
    """月度通报: centre staff preview any month as it stands now (PDF or Excel, the file `hotline report`
    writes) and, if allowed, publish it; everyone who sees the indicators lists and downloads the published
    editions (unit staff only those: a preview is not announced)."""
    own = _own_units(request)
    if "month" not in request.GET and "format" not in request.GET:
        return _bulletin_page(request, own)
    if own is not None:
        raise PermissionDenied(_("承办单位只能查看已发布的通报"))
    form = BulletinForm(request.GET)
    if not form.is_valid():
        return _bulletin_page(request, own, form=form, status=400)
    period, fmt = form.cleaned_data["month"], form.cleaned_data["format"]
    response = HttpResponse(reporting_view(render_bulletin)(period, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="bulletin-{period.label}.{fmt}"'
    return response


@login_required
@require_POST
def bulletin_publish(request: HttpRequest) -> HttpResponse:
    """发布通报 (POST): freeze the month's bulletin as the next edition; refusals are shown on the page."""
    own = _own_units(request)
    if own is not None or not may_publish(request.user):
        raise PermissionDenied(_("只有督办员、领导和系统管理员可以发布通报"))
    form = PublishForm(request.POST, prefix="publish")
    if not form.is_valid():
        return _bulletin_page(request, own, publish_form=form, status=400)
    try:
        published = publish_bulletin(form.cleaned_data["month"], actor=request.user,
                                     reason=form.cleaned_data["reason"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        code = 403 if isinstance(exc, NotPermitted) else 409 if isinstance(exc, ConflictError) else 400
        return _bulletin_page(request, own, publish_form=form, status=code)
    messages.success(request, _("已发布 %(month)s 月度通报第 %(edition)s 版") % {
        "month": published.label, "edition": published.edition})
    return redirect("kpis-bulletin")


@login_required
@require_GET
def bulletin_file(request: HttpRequest, month: str, edition: int, fmt: str) -> HttpResponse:
    """A published edition's PDF or workbook: the stored bytes, never a recomputation (its SHA-256 in
    the `Repr-Digest` header)."""
    _own_units(request)
    if fmt not in FORMATS:
        raise Http404(_("没有这种格式"))
    try:
        period = parse_month(month)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    published = published_edition(period, edition)
    if published is None:
        raise Http404(_("该月没有这一版已发布的通报"))
    content = published.content(fmt)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{published.filename(fmt)}"'
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(published.sha256(fmt))).decode()}:"
    return response
