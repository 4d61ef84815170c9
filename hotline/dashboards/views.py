"""The dashboards (数据看板): the monthly page, the big screen (大屏), and their JSON endpoints.

Thin views: the viewer's scope comes from `selectors.scope_for` (403 for roles without dashboards),
every figure from `selectors`.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.core.replica import reporting_view
from hotline.dashboards import selectors
from hotline.dashboards.selectors import Scope

#: Seconds between two refreshes of the big screen.
SCREEN_REFRESH_SECONDS = 30


#: The years a dashboard month may be in.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class BadMonth(ValueError):
    """The month asked for is not a YYYY-MM month the dashboards can show."""


def chart_labels() -> dict[str, str]:
    """Words the charts draw themselves (legends), translated for the page's language."""
    return {"count": _("工单量"), "overdue": _("当前超期"), "open": _("在办"), "satisfaction": _("满意率（按回访次数）"),
            "resolve": _("解决率")}


def _scope(request: HttpRequest) -> Scope:
    scope = selectors.scope_for(request.user)
    if scope is None:
        raise PermissionDenied(_("您的角色不能查看数据看板"))
    return scope


def parse_month(value: str | None) -> date:
    """The month in ?month=YYYY-MM (default: this month); BadMonth for anything else."""
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
    except ValueError as exc:
        raise BadMonth(_("月份格式应为 YYYY-MM，例如 2025-10")) from exc
    if not 1 <= month <= 12:
        raise BadMonth(_("月份格式应为 YYYY-MM，例如 2025-10"))
    if not FIRST_YEAR <= year <= LAST_YEAR:  # checked before date(): year 0 is not a date at all
        raise BadMonth(_("月份超出范围（年份须在 %(first)s 至 %(last)s 之间）") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return date(year, month, 1)


@login_required
@require_GET
@reporting_view
def month_page(request: HttpRequest) -> HttpResponse:
    """The monthly dashboard: volume by channel and type, categories, districts, units, satisfaction, hot spots."""
    scope = _scope(request)
    error = ""
    try:
        month = parse_month(request.GET.get("month"))
    except BadMonth as exc:
        error, month = str(exc), timezone.localdate().replace(day=1)
    payload = selectors.month_payload(scope, month)
    return render(request, "dashboards/month.html", {"data": payload, "error": error, "month": month,
                                                          "labels": chart_labels()},
                  status=400 if error else 200)


@login_required
@require_GET
@reporting_view
def month_data(request: HttpRequest) -> JsonResponse:
    """The monthly dashboard's figures as JSON (?month=YYYY-MM)."""
    scope = _scope(request)
    try:
        month = parse_month(request.GET.get("month"))
    except BadMonth as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(selectors.month_payload(scope, month), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
@reporting_view
def screen_page(request: HttpRequest) -> HttpResponse:
    """The full-screen big screen (大屏); it fetches its figures itself every `SCREEN_REFRESH_SECONDS`."""
    scope = _scope(request)
    return render(request, "dashboards/screen.html",
                  {"data": selectors.screen_payload(scope), "refresh": SCREEN_REFRESH_SECONDS,
                   "labels": chart_labels()})


@login_required
@require_GET
@reporting_view
def screen_data(request: HttpRequest) -> JsonResponse:
    """The big screen's figures as JSON."""
    scope = _scope(request)
    return JsonResponse(selectors.screen_payload(scope), json_dumps_params={"ensure_ascii": False})
