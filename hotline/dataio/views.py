"""The export page: supervisors download the Open311 CSV; administrators also the full JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.accounts.choices import Role
from hotline.dataio.export import json_parts, open311_lines, parse_bound

#: Who may download the public Open311 CSV (no personal data, no confidential orders).
CSV_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
#: Who may download the full JSON (callers' phones, confidential orders): administrators only.
JSON_ROLES = frozenset({Role.ADMIN})


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    """数据导出: choose the period and the format; the download streams."""
    if request.user.role not in CSV_ROLES:
        raise PermissionDenied(_("您的角色不能导出数据"))
    fmt = request.GET.get("format")
    if not fmt:
        return render(request, "dataio/export.html", {"can_json": request.user.role in JSON_ROLES})
    if fmt not in ("open311-csv", "json") or (fmt == "json" and request.user.role not in JSON_ROLES):
        raise PermissionDenied(_("您的角色不能导出该格式"))
    try:
        since = parse_bound(request.GET.get("since"), end=False)
        until = parse_bound(request.GET.get("until"), end=True)
    except ValueError as exc:
        return render(request, "dataio/export.html", {"can_json": request.user.role in JSON_ROLES,
                                                      "error": str(exc)}, status=400)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "json":
        response = StreamingHttpResponse(json_parts(since, until, viewer=request.user), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.json"'
    else:
        lines = open311_lines(since, until)
        response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="open311-{stamp}.csv"'
    return response


def _with_bom(lines):  # noqa: ANN001, ANN202 - Iterator[str]
    yield "\ufeff"
    yield from lines
