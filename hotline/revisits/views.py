"""The second-visit queue (二次回访) and the recording of a call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core import clock
from hotline.core.privacy import phone_for
from hotline.revisits import services
from hotline.revisits.choices import VisitState
from hotline.revisits.forms import OutcomeForm
from hotline.revisits.models import Attempt, SecondVisit
from hotline.tickets.exceptions import ConflictError, DomainError
from hotline.tickets.models import Ticket
from hotline.tickets.transitions import VISIT, may_reopen
from hotline.workbench.posted import PAGE_EXPIRED, posted_version

PAGE_SIZE = 50
#: Who may open 二次回访 (the main navigation reads this set too).
REVISIT_ROLES = VISIT
TABS = [("due", gettext_lazy("已到期")), ("upcoming", gettext_lazy("未到期")), ("done", gettext_lazy("已完成"))]


def _allow(request: HttpRequest) -> None:
    if request.user.role not in REVISIT_ROLES:
        raise PermissionDenied(_("您的角色不能查看二次回访"))


def _visible(request: HttpRequest):  # noqa: ANN202 - QuerySet[SecondVisit]
    return SecondVisit.objects.filter(ticket__in=Ticket.objects.visible_to(request.user))


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """二次回访: closed orders to call again, due first; upcoming ones and finished ones on their tabs."""
    _allow(request)
    now = clock.now()
    tab = request.GET.get("tab", "due")
    tab = tab if tab in dict(TABS) else "due"
    visible = _visible(request)
    pending = visible.filter(state=VisitState.PENDING)
    lists = {"due": pending.filter(due_at__lte=now).order_by("due_at", "id"),
             "upcoming": pending.filter(due_at__gt=now).order_by("due_at", "id"),
             "done": visible.exclude(state=VisitState.PENDING).order_by("-finished_at", "-id")}
    counts = {"due": lists["due"].count(), "upcoming": lists["upcoming"].count()}
    page = Paginator(lists[tab].select_related("ticket", "ticket__category", "rule", "finished_by"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for visit in page.object_list:
        visit.phone = phone_for(visit.ticket, request.user)
    tabs = [{"key": k, "label": label, "count": counts.get(k), "active": k == tab} for k, label in TABS]
    return render(request, "revisits/queue.html", {
        "tab": tab, "tabs": tabs, "page": page, "visits": page.object_list, "form": OutcomeForm(),
        "next": request.get_full_path(), "may_reopen": may_reopen(request.user)})


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one call; a refused step (e.g. reopen not allowed) changes nothing and says why."""
    _allow(request)
    visit = get_object_or_404(_visible(request), pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("revisits")
    form = OutcomeForm(request.POST)
    valid = form.is_valid()
    seen = posted_version(request.POST.get("attempts"))  # the call count the form was made with
    if seen is None:  # missing, or no short run of ASCII digits: a page made on an unknown count
        messages.error(request, PAGE_EXPIRED)
        _give_back(request, form.cleaned_data.get("note", ""))
        return HttpResponseRedirect(back)
    if not valid:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    try:
        done = services.record(visit, actor=request.user, outcome=form.cleaned_data["outcome"],
                               note=form.cleaned_data["note"], expected_attempts=seen)
    except ConflictError as exc:  # posted before (a double click, a reload) or recorded by someone meanwhile
        _recorded_meanwhile(request, visit, form.cleaned_data, exc.message)
        return HttpResponseRedirect(back)
    except DomainError as exc:
        messages.error(request, _("未能记录：%(reason)s") % {"reason": exc.message})
        _give_back(request, form.cleaned_data["note"])
        return HttpResponseRedirect(back)
    if done.state == VisitState.RECURRED:
        messages.success(request, _("已记录：问题复发，工单 %(number)s 已重新启用") % {"number": done.ticket.number})
    elif done.state == VisitState.PENDING:
        messages.success(request, _("已记录：未联系上，将于 %(at)s 再次回访") % {
            "at": timezone.localtime(done.due_at).strftime("%Y-%m-%d")})
    else:
        messages.success(request, _("已记录：%(state)s") % {"state": done.get_state_display()})
    return HttpResponseRedirect(back)


def _recorded_meanwhile(request: HttpRequest, visit: SecondVisit, posted: dict, repeat: str) -> None:
    """The call count changed since the page was made: this person's own post again (a double click, a reload:
    `repeat` says so), or a colleague's call recorded meanwhile — then who recorded what and when, and the typed
    record given back rather than lost."""
    latest = Attempt.objects.select_related("by").filter(visit=visit).order_by("-at", "-id").first()
    same = latest is not None and (latest.by_id, latest.outcome, latest.note) == (
        request.user.pk, posted["outcome"], (posted["note"] or "").strip())
    if latest is None or same:
        messages.info(request, repeat)
        return
    messages.warning(request, _("%(who)s已于 %(at)s 记录该回访：%(outcome)s；本次未记录，请核对") % {
        "who": latest.by, "at": timezone.localtime(latest.at).strftime("%Y-%m-%d %H:%M"),
        "outcome": latest.get_outcome_display()})
    _give_back(request, posted["note"])


def _give_back(request: HttpRequest, note: str) -> None:
    """Nothing was saved: give the typed record back rather than lose it."""
    if note:
        messages.info(request, _("您填写的回访记录（未保存）：%(note)s") % {"note": note})
