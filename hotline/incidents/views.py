"""The incident pages (突发事件): the list, create and edit, one incident (its script, areas, audit trail and
calls, with publish / end / link steps), and the intake notice fragment.

Thin views: each checks who may open the page (403; the login page for those not signed in), validates the
form (400), then calls the service. A refused step shows the service's message on the page again
(400, 403, or 409 when someone changed the incident first).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.core import clock
from hotline.core.privacy import text_for
from hotline.incidents import selectors, services, transitions
from hotline.incidents.choices import IncidentStatus
from hotline.incidents.constants import PAGE_SIZE
from hotline.incidents.forms import EndForm, IncidentForm, LinkForm, ListFilter
from hotline.incidents.matching import matches, overran, planned
from hotline.incidents.models import Incident
from hotline.incidents.permissions import may_link, may_manage, may_read
from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted
from hotline.workbench.intake.views import may_register

View = Callable[..., HttpResponse]


def _guard(test: Callable[[Any], bool], message: object) -> Callable[[View], View]:
    """Let in signed-in people who pass `test`; 403 with `message` for everyone else."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not test(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


readers = _guard(may_read, gettext_lazy("突发事件仅限热线中心工作人员查看"))
managers = _guard(may_manage, gettext_lazy("只有督办员、派单员和系统管理员可以管理突发事件"))


def _status_code(exc: DomainError) -> int:
    return 403 if isinstance(exc, NotPermitted) else 409 if isinstance(exc, ConflictError) else 400


@readers
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    """突发事件: published first, then drafts, then ended ones, with their call counts; filtered by status."""
    status = ListFilter(request.GET).status_value()
    page = Paginator(selectors.incident_list(status), PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [(incident, selectors.is_live(incident, now), selectors.has_overrun(incident, now))
            for incident in page.object_list]
    return render(request, "incidents/list.html", {
        "page": page, "rows": rows, "status": status, "statuses": IncidentStatus.choices,
        "counts": selectors.status_counts(), "may_manage": may_manage(request.user)})


@managers
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """新建突发事件: saved as a draft, published from its page."""
    form = IncidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.create_incident(form.data_for_service(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "incidents/form.html", {"form": form}, status=_status_code(exc))
        messages.success(request, _("已保存为草稿；核对后点「发布」，受理员和群众即可看到"))
        return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form}, status=400 if form.is_bound else 200)


@managers
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改突发事件 (drafts and published ones): a stale page is a conflict (409), nothing is saved."""
    incident = get_object_or_404(Incident.objects.select_related("lead_unit", "category"), pk=pk)
    context: dict[str, Any] = {"incident": incident}
    if not transitions.allowed("edit", incident.status):
        messages.error(request, _("已结束的突发事件不能修改"))
        return redirect("incidents:detail", pk=incident.pk)
    form = IncidentForm(request.POST if request.method == "POST" else None, incident=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_incident(incident, form.data_for_service(), actor=request.user,
                                   expected_version=_page_version(form.cleaned_data["version"]))
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "incidents/form.html", {**context, "form": form}, status=_status_code(exc))
        messages.success(request, _("已保存修改"))
        return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {**context, "form": form}, status=400 if form.is_bound else 200)


def _detail(request: HttpRequest, incident: Incident, *, status: int = 200, error: str = "",
            end_form: EndForm | None = None, link_form: LinkForm | None = None) -> HttpResponse:
    user = request.user
    stats = selectors.call_stats(incident)
    for link in stats.recent:  # titles read as the order list reads them (a full number shown is recorded)
        link.ticket.title_shown = text_for(link.ticket.title, link.ticket, user)
    return render(request, "incidents/detail.html", {
        "incident": incident, "areas": list(incident.areas.order_by("path")), "live": selectors.is_live(incident), "overrun": selectors.has_overrun(incident),
        "events": list(incident.events.select_related("actor").order_by("seq")),
        "stats": stats, "error": error,
        "may_edit": may_manage(user) and transitions.allowed("edit", incident.status),
        "may_publish": may_manage(user) and transitions.allowed("publish", incident.status),
        "may_end": may_manage(user) and transitions.allowed("end", incident.status),
        "may_link": may_link(user) and transitions.allowed("link", incident.status),
        "may_unlink_auto": may_manage(user),  # a keyword that matched a call about something else
        "end_form": end_form or EndForm(initial={"version": incident.version}),
        "link_form": link_form or LinkForm(),
    }, status=status)


def _incident(pk: int) -> Incident:
    return get_object_or_404(
        Incident.objects.select_related("lead_unit", "category", "created_by", "published_by", "ended_by"), pk=pk)


@readers
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One incident: status, script and notice, areas, its calls (by hour, by channel, by script), audit trail."""
    return _detail(request, _incident(pk))


@readers
@require_POST
def incident_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Publish, end, link an order or remove a manual link; the service decides (and refuses with a message)."""
    incident = _incident(pk)
    forms = {"end": EndForm, "link": LinkForm, "unlink": LinkForm}
    if step not in ("publish", *forms):
        raise Http404
    form = forms[step](request.POST) if step in forms else None
    if form is not None and not form.is_valid():
        kept = {"end_form": form} if step == "end" else {"link_form": form}
        return _detail(request, incident, status=400, error=_("请检查填写的内容"), **kept)
    user = request.user
    try:
        if step == "publish":
            version = request.POST.get("version", "")
            services.publish(incident, actor=user,
                             expected_version=int(version) if version.isdecimal() and len(version) < 10 else -1)
            done = (_("已发布：受理员登记相符的来电时将看到答复口径") if incident.areas.exists() else
                    _("已发布，影响区域为全市：全市相符的来电都会看到答复口径；如只涉及部分地区，请修改影响区域"))
        elif step == "end":
            services.end(incident, note=form.cleaned_data["note"], actor=user,
                         expected_version=_page_version(form.cleaned_data["version"]))
            done = _("已结束：不再匹配来电，门户不再公示")
        elif step == "link":
            services.link_order(incident, form.cleaned_data["number"], actor=user)
            done = _("已关联工单 %(number)s") % {"number": form.cleaned_data["number"].strip()}
        else:
            services.unlink_order(incident, form.cleaned_data["number"], actor=user)
            done = _("已取消关联工单 %(number)s") % {"number": form.cleaned_data["number"].strip()}
    except DomainError as exc:
        incident.refresh_from_db()
        kept = {"end_form": form} if step == "end" else {"link_form": form} if form is not None else {}
        return _detail(request, incident, status=_status_code(exc), error=exc.message, **kept)
    messages.success(request, done)
    return redirect("incidents:detail", pk=incident.pk)


def _page_version(version: int | None) -> int:
    """The version the page was made on; a page that sent none is taken as stale (-1 matches no incident)."""
    return -1 if version is None else version


@login_required
@require_GET
@never_cache
def match(request: HttpRequest) -> HttpResponse:
    """The intake notice (临时口径提示): the published incidents the form's matter matches now, as an HTML
    fragment (empty when none). Unreadable parameters are ignored, never an error."""
    if not may_register(request.user):
        raise PermissionDenied(_("只有受理员、派单员和系统管理员可以登记工单"))
    live, now = selectors.published_incidents(), clock.now()
    found = matches(live, selectors.matter_from_form(request.GET), now, ahead=True) if live else []
    shown = [(m, planned(m.incident, now), overran(m.incident, now)) for m in found]
    return render(request, "incidents/_intake_matches.html", {"matches": shown})
