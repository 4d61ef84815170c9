"""The planner page (排班规划): forecast, required agents and seats per half-hour, staffing and the gap."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from hotline.core import clock
from hotline.intelligence import forecast as fc
from hotline.planning import charts
from hotline.planning.constants import PLANNER_ROLES
from hotline.planning.forms import PlannerForm
from hotline.planning.planner import ACTUAL, LAST_WEEK, Plan, build_plan

DAY_TYPE_LABELS = {fc.WORKDAY: gettext_lazy("工作日"), fc.ADJUSTED_WORKDAY: gettext_lazy("调休上班"),
                   fc.WEEKEND: gettext_lazy("周末"), fc.HOLIDAY: gettext_lazy("节假日")}
WEEKDAYS = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
            gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]
SOURCE_LABELS = {ACTUAL: gettext_lazy("实际"), LAST_WEEK: gettext_lazy("上周同期")}


def _charts(plan: Plan) -> list[charts.Chart]:
    labels = [f"{d.day:%m-%d} {WEEKDAYS[d.day.weekday()]}" for d in plan.days]
    rows = plan.rows
    calls = charts.line_chart(_("话务量预测（每半小时呼入）"), [
        (_("预测"), "forecast", [r.forecast for r in rows]),
        (_("实际"), "actual", [r.actual_offered for r in rows]),
    ], labels)
    agents = charts.line_chart(_("所需坐席、排班席位与在岗人数（每半小时）"), [
        (_("Erlang C 所需"), "erlang-c", [r.erlang_c.agents for r in rows]),
        (_("Erlang A 所需"), "erlang-a", [r.erlang_a.agents for r in rows]),
        (_("Erlang A 排班席位（含损耗）"), "seats", [r.erlang_a.seats for r in rows]),
        (_("在岗"), "staffed", [r.staffed for r in rows]),
    ], labels)
    gap = charts.gap_chart(_("缺口（在岗 − 所需，负数为不足）"), [r.gap for r in rows], labels)
    return [calls, agents, gap]


@login_required
@require_GET
def planner(request: HttpRequest) -> HttpResponse:
    """Supervisors and shift leads plan the coming week's seats from the forecast.

    Parameters the plan cannot be staffed with (e.g. a 2-hour handle time capped at 1 % occupancy) give the
    form again with the reason above it, not a plan."""
    if request.user.role not in PLANNER_ROLES:
        raise PermissionDenied(_("您的角色不能查看排班规划"))
    now = clock.now()
    today = timezone.localdate(now)
    bound = any(key in request.GET for key in PlannerForm.base_fields)
    form = PlannerForm(request.GET if bound else None, initial=PlannerForm.defaults(today))
    context: dict[str, Any] = {"form": form, "day_type_labels": DAY_TYPE_LABELS, "source_labels": SOURCE_LABELS}
    if bound and not form.is_valid():
        return render(request, "planning/planner.html", context)
    plan = build_plan(form.params(today), now)
    if plan.staffing_error:  # the form's values, valid one by one, need more agents than can be planned for
        context["staffing_error"] = plan.staffing_error
        return render(request, "planning/planner.html", context)
    context["plan"] = plan
    if plan.rows:
        context["charts"] = _charts(plan)
        context["days"] = [(summary, WEEKDAYS[summary.day.weekday()], plan.rows[i * fc.SLOTS:(i + 1) * fc.SLOTS])
                           for i, summary in enumerate(plan.days)]
    return render(request, "planning/planner.html", context)
