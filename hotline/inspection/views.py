"""The inspection pages (坐席工单质检): the inspectors' list and sample draw, one inspection (checklist,
appeal, decision), an agent's own results (with their line of last month's agent table), the monthly quality table
and the monthly agent table (坐席绩效月报), each with its CSV.

Only `permissions.PAGE_ROLES` open them (others get a 403); every read starts from `selectors.visible_to`,
so an inspection outside it is a 404. The views read forms and call the services, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.privacy import mask_phone, numbers_masked
from hotline.inspection import forms, selectors, services, transitions
from hotline.inspection.choices import InspectionStatus
from hotline.inspection.constants import PAGE_SIZE
from hotline.inspection.models import Criterion, Inspection, InspectionSettings
from hotline.inspection.performance import cells, header, monthly_performance
from hotline.inspection.performance import csv_lines as performance_csv
from hotline.inspection.permissions import AGENT_ROLES, may_decide, may_inspect, may_open, reads_all, role_of
from hotline.inspection.report import csv_lines, monthly_report
from hotline.inspection.sampling import TARGETED_ONLY, draw_sample
from hotline.kpis.periods import Period, PeriodError, last_full_month, parse_month
from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted


def _may_open(request: HttpRequest) -> None:
    if not may_open(request.user):
        raise PermissionDenied(_("坐席工单质检仅限质检员、督办员、领导、系统管理员和受理员本人查看"))


def _reads_all(request: HttpRequest) -> None:
    if not reads_all(request.user):
        raise PermissionDenied(_("只有质检员、督办员、领导和系统管理员可以查看全部质检"))


@login_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Every inspection, filtered by month, agent, status and reason, with counts per status."""
    _may_open(request)
    if not reads_all(request.user):
        return redirect("inspection-mine")
    form = forms.ListFilter(request.GET)
    chosen = form.valid()
    qs = selectors.visible_to(request.user)
    if "month" in chosen:
        qs = qs.filter(month=chosen["month"].first_day)
    if "agent" in chosen:
        qs = qs.filter(agent=chosen["agent"])
    if "reason" in chosen:
        qs = qs.filter(reason=chosen["reason"])
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    if "status" in chosen:
        qs = qs.filter(status=chosen["status"])
    qs = qs.select_related("ticket", "agent", "inspector").order_by("-month", "ticket__registered_at", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for inspection in page.object_list:  # a number typed into a title is shown masked (docs/inspection.md)
        inspection.title_shown = selectors.order_title(inspection.ticket)
    return render(request, "inspection/list.html", {
        "form": form, "problems": form.problems(), "page": page,
        "counts": [(s, counts.get(s.value, 0)) for s in InspectionStatus], "total": sum(counts.values()),
        "may_draw": may_inspect(request.user), "draw_month": last_full_month().label,
    })


@login_required
@require_POST
def draw(request: HttpRequest) -> HttpResponse:
    """Draw a month's sample (抽取样本) from the list page; the list then shows that month."""
    _may_open(request)
    text = request.POST.get("month", "").strip()
    try:
        period = parse_month(text)
        result = draw_sample(period, actor=request.user)
    except PeriodError as exc:
        messages.error(request, str(exc))
        return redirect("inspection-list")
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspection-list")
    text = _("%(month)s 抽取样本：新增 %(added)d 件（%(agents)d 名受理员）") % {
        "month": period.label, "added": result.added, "agents": len(result.agents)}
    if result.partial:  # two sentences in English, one in Chinese
        text = _("%(drawn)s；%(note)s") % {"drawn": text, "note": TARGETED_ONLY}
    messages.success(request, text)
    return redirect(f"{reverse('inspection-list')}?{urlencode({'month': period.label})}")


def _detail(request: HttpRequest, inspection: object, *, error: str = "", posted: str = "",
            status: int = 200, bad_rows: dict[int, str] | None = None) -> HttpResponse:
    """The inspection page; after a refusal, the form that was posted (`posted`) keeps what was typed, and the
    checklist rows that were wrong (`bad_rows`, item id → message) say so on the row.

    The caller's number is shown masked to everyone (inspecting a record does not need it in full), in the
    agent's decision note (转派单 note) and 直接答复 as well (`decision_note_shown`, `direct_answer_shown`)."""
    from hotline.ops.access import order_shown  # opening a confidential order is recorded (docs/security.md)

    user = request.user
    ticket = inspection.ticket
    order_shown(ticket, user)
    decision = selectors.first_decision(ticket)
    deductions = list(inspection.deductions.select_related("criterion"))
    keep = {d.criterion_id for d in deductions}
    criteria = selectors.applicable_criteria(selectors.decision_of(decision), keep=keep)
    deadline = selectors.appeal_deadline(inspection, InspectionSettings.current())
    data = request.POST if posted else None
    can_inspect = may_inspect(user) and transitions.allowed("inspect", inspection.status) \
        and inspection.agent_id != user.pk
    can_decide = may_decide(user) and transitions.allowed("decide", inspection.status) \
        and inspection.agent_id != user.pk and not selectors.scored_by(inspection, user)
    return render(request, "inspection/detail.html", {
        "inspection": inspection, "ticket": ticket, "error": error, "posted": posted, "reads_all": reads_all(user),
        "fields": selectors.order_fields(ticket),
        "decision": decision, "decision_kind": selectors.decision_of(decision),
        "decision_note_shown": numbers_masked(decision.note or "", order=ticket) if decision else "",
        "direct_answer_shown": numbers_masked(ticket.direct_answer or "", order=ticket),
        "calls": ticket.call_links.select_related("call").order_by("linked_at"),
        "phone": mask_phone(ticket.caller_phone), "deductions": deductions,
        "events": inspection.events.select_related("actor").order_by("seq"),
        "deadline": deadline,
        "can_inspect": can_inspect,
        "can_appeal": inspection.agent_id == user.pk and transitions.allowed("appeal", inspection.status)
        and deadline is not None and clock.now() <= deadline,
        "can_decide": can_decide,
        "checklist": forms.rows(criteria, deductions, data if posted in ("inspect", "decide") else None, bad_rows),
        "comment": request.POST.get("comment", "") if posted == "inspect" else inspection.comment,
        "appeal_reason": request.POST.get("reason", "") if posted == "appeal" else "",
        "decision_note": request.POST.get("note", "") if posted == "decide" else "",
        "upheld_posted": request.POST.get("upheld", "") if posted == "decide" else "",
    }, status=status)


def _criteria(inspection: Inspection) -> list[Criterion]:
    """The checklist items of this order (those that apply to the agent's first decision, and any already used)."""
    return selectors.applicable_criteria(
        selectors.decision_of(selectors.first_decision(inspection.ticket)),
        keep=set(inspection.deductions.values_list("criterion_id", flat=True)))


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection; POST `action` inspect / appeal / decide takes that step."""
    _may_open(request)
    qs = selectors.visible_to(request.user).select_related(
        "ticket__category", "ticket__district", "ticket__street", "ticket__community", "ticket__registered_by",
        "agent", "inspector", "decided_by")
    inspection = get_object_or_404(qs, pk=pk)
    if request.method == "GET":
        return _detail(request, inspection)
    action = request.POST.get("action", "")
    if action not in ("inspect", "appeal", "decide"):
        return _detail(request, inspection, error=_("未知的操作"), status=400)
    data, version = request.POST, forms.version(request.POST)
    if version is None:  # a page without the version it showed cannot be checked against a later change
        return _detail(request, inspection, error=_("页面已过期，请刷新后重新操作"), posted=action, status=409)
    upheld = data.get("upheld", "")
    if action == "decide" and upheld not in ("1", "0"):
        return _detail(request, inspection, error=_("请选择维持原评分或改判"), posted=action, status=400)
    try:
        if action == "appeal":
            services.appeal(inspection, data.get("reason", ""), request.user, expected_version=version)
        elif action == "decide" and upheld == "1":  # 维持原评分: refused when the checklist was edited
            deductions = list(inspection.deductions.all())
            if forms.edited(_criteria(inspection), deductions, data):
                return _detail(request, inspection, posted=action, status=400, error=_(
                    "选择了「维持原评分」，但评分表的扣分已被修改；维持原评分请不要修改评分表，"
                    "要按修改后的扣分处理请选择「改判」"))
            services.decide_appeal(inspection, True, None, data.get("note", ""), request.user,
                                   expected_version=version)
        else:
            entries, problems = forms.entries(_criteria(inspection), data)
            if problems:
                return _detail(request, inspection, error=_("；").join(problems.values()), posted=action,
                               status=400, bad_rows=problems)
            if action == "inspect":
                services.inspect(inspection, entries, data.get("comment", ""), request.user, expected_version=version)
            else:
                services.decide_appeal(inspection, False, entries, data.get("note", ""), request.user,
                                       expected_version=version)
    except DomainError as exc:
        code = 403 if isinstance(exc, NotPermitted) else 409 if isinstance(exc, ConflictError) else 400
        inspection.refresh_from_db()
        return _detail(request, inspection, error=exc.message, posted=action, status=code)
    messages.success(request, {"inspect": _("质检评分已保存"), "appeal": _("申诉已提交"),
                               "decide": _("申诉已处理")}[action])
    return redirect("inspection-detail", pk=inspection.pk)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """An agent's own scored inspections, newest first, with the appeal window of each; the header says how many
    are still open for appeal and until when."""
    _may_open(request)
    qs = (selectors.visible_to(request.user).filter(agent=request.user).exclude(status=InspectionStatus.PENDING)
          .select_related("ticket", "inspector").order_by("-inspected_at", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    settings, now = InspectionSettings.current(), clock.now()
    items = []
    for inspection in page.object_list:
        deadline = selectors.appeal_deadline(inspection, settings)
        items.append({"inspection": inspection, "deadline": deadline,
                      "title": selectors.order_title(inspection.ticket),  # numbers masked, as on the list
                      "open": inspection.status == InspectionStatus.INSPECTED and deadline is not None
                      and now <= deadline})
    open_until = [d for d in (selectors.appeal_deadline(i, settings)
                              for i in qs.filter(status=InspectionStatus.INSPECTED).select_related(None).only("inspected_at"))
                  if d is not None and now <= d]
    return render(request, "inspection/mine.html", {
        "page": page, "items": items, "open_count": len(open_until),
        "first_deadline": min(open_until, default=None), "last_deadline": max(open_until, default=None),
        **_my_performance(request.user)})


def _my_performance(user: User) -> dict[str, object]:
    """An intake agent's own line of last month's agent table (上月我的绩效), for their results page."""
    if role_of(user) not in AGENT_ROLES:
        return {}
    period = last_full_month()
    rows = monthly_performance(period, agent=user).rows
    return {"my_month": period.label, "my_header": header()[1:], "my_cells": cells(rows[0]) if rows else None}


def _month_and_format(request: HttpRequest) -> tuple[Period, str, list[str]]:
    """The month a table asks for (the last full month by default, or after a bad one) and its format, with
    a message for each bad parameter."""
    text = request.GET.get("month", "").strip()
    problems = []
    try:
        period = parse_month(text) if text else last_full_month()
    except PeriodError as exc:
        period = last_full_month()
        problems.append(_("%(error)s；下表为 %(month)s") % {"error": exc, "month": period.label})
    fmt = request.GET.get("format", "")
    if fmt not in ("", "html", "csv"):
        problems.append(_("格式只能是 csv：收到「%(format)s」") % {"format": fmt})
    return period, fmt, problems


def _monthly(request: HttpRequest, *, build: Callable[[Period], Any], csv_lines: Callable[[Any], Any],
             filename: str, template: str, context: Callable[[Any], dict[str, Any]]) -> HttpResponse:
    """A monthly table for those who read everything: the page, or `?format=csv` (400 on a bad month)."""
    _may_open(request)
    _reads_all(request)
    period, fmt, problems = _month_and_format(request)
    table = build(period)
    if fmt == "csv" and not problems:
        response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{period.label}.csv"'
        return response
    return render(request, template, {
        **context(table), "problems": problems, "month": period.label,
        "csv_query": urlencode({"month": period.label, "format": "csv"}),
    }, status=400 if problems and fmt == "csv" else 200)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The month's per-agent quality table (质检月报), ranked; `?format=csv` downloads the same table."""
    return _monthly(request, build=monthly_report, csv_lines=csv_lines, filename="inspection",
                    template="inspection/report.html", context=lambda table: {"report": table})


@login_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """The month's agent table (坐席绩效月报), by 受理量; `?format=csv` downloads the same table."""
    return _monthly(request, build=monthly_performance, csv_lines=performance_csv, filename="agent-performance",
                    template="inspection/performance.html", context=lambda table: {
                        "table": table, "header": header(), "rows": [(row, cells(row)) for row in table.rows],
                        "centre": cells(table.centre)})
