"""The export page: supervisors download the Open311 CSV; administrators also the full JSON. The import
pages: administrators see each `hotline import` run, its counts and its warnings, and download them."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.accounts.choices import Role
from hotline.dataio.export import json_parts, open311_lines, parse_bound
from hotline.dataio.models import ImportRun
from hotline.dataio.report import COLUMNS, report_rows
from hotline.dataio.rows import RowWarning

#: Who may download the public Open311 CSV (no personal data, no confidential orders).
CSV_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
#: Who may download the full JSON (callers' phones, confidential orders): administrators only.
JSON_ROLES = frozenset({Role.ADMIN})
#: Who may see import runs and their warnings (values as the files gave them, callers' names among them).
IMPORT_ROLES = frozenset({Role.ADMIN})
#: Warnings per page of an import run.
WARNINGS_PER_PAGE = 100


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
        return _refused(request, str(exc))
    if since and until and until <= since:  # as `hotline export` refuses --until before --since
        return _refused(request, _("「至」须晚于「受理时间自」"))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "json":
        response = StreamingHttpResponse(json_parts(since, until, viewer=request.user), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.json"'
    else:
        lines = open311_lines(since, until)
        response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="open311-{stamp}.csv"'
    return response


def _refused(request: HttpRequest, error: str) -> HttpResponse:
    """The export page again with why the period was refused (400), the period as typed kept."""
    return render(request, "dataio/export.html", {
        "can_json": request.user.role in JSON_ROLES, "error": error,
        "since": request.GET.get("since", ""), "until": request.GET.get("until", "")}, status=400)


def _with_bom(lines):  # noqa: ANN001, ANN202 - Iterator[str]
    yield "\ufeff"
    yield from lines


def _importer(request: HttpRequest) -> None:
    if request.user.role not in IMPORT_ROLES:
        raise PermissionDenied(_("您的角色不能查看导入记录"))


@login_required
@require_GET
def import_runs(request: HttpRequest) -> HttpResponse:
    """导入记录: every run, newest first, with 导入/拒绝/警告 counts."""
    _importer(request)
    page = Paginator(ImportRun.objects.order_by("-started_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "dataio/import_runs.html", {"page": page})


@login_required
@require_GET
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One run's result: the summary, where its report was written, and its warnings by line."""
    _importer(request)
    run = get_object_or_404(ImportRun, pk=pk)
    warnings = run.warnings.select_related("ticket").order_by("line", "id")
    page = Paginator(warnings, WARNINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dataio/import_run.html", {"run": run, "page": page})


@login_required
@require_GET
def import_run_warnings(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's warnings as the report's CSV (类型 警告; the rejected rows are in the report the command wrote)."""
    _importer(request)
    run = get_object_or_404(ImportRun, pk=pk)
    rows = (RowWarning(w.line, w.external_id, w.column, w.value, w.reason, w.params)
            for w in run.warnings.order_by("line", "id").iterator())
    lines = (_csv_line(row) for row in (COLUMNS, *report_rows((), rows)))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-warnings.csv"'
    return response


def _csv_line(row: tuple) -> str:
    """One CSV line (the cells are already defused by `report_rows`)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()
