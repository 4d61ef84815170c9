"""Pages of proactive governance (主动治理, 每月一题): the list of themes, one theme, adopting one, its steps.

Thin views: each checks who may open the page (403) or see the theme (404), validates the form (400),
then calls the step's service. A refused step shows the service's message and the page again with what
was typed; a page shown before someone else acted (its `version` is stale) says so (409).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hotline.accounts.choices import Role
from hotline.core.privacy import scrub_public_text, text_for
from hotline.governance import proactive, selectors, services
from hotline.governance.choices import ThemeStatus
from hotline.governance.effect import effect
from hotline.governance.forms import STEPS, StepSpec, ThemeForm
from hotline.governance.models import Theme
from hotline.governance.transitions import CENTRE
from hotline.hotspots.models import Hotspot
from hotline.hotspots.views import HOTSPOT_ROLES
from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted
from hotline.tickets.models import Ticket
from hotline.workbench.intake.views import may_register

#: Who may open the governance pages: the centre's people who follow themes and the units' staff
#: (who see their own units' themes). Intake agents get 403.
THEME_ROLES = CENTRE | {Role.INSPECTOR, Role.DISPATCHER, Role.UNIT_HANDLER, Role.UNIT_ADMIN}
PAGE_SIZE = 50


def _allow(request: HttpRequest, roles: frozenset[str] = THEME_ROLES) -> None:
    if request.user.role not in roles:
        raise PermissionDenied(_("您的角色不能查看每月一题"))


def _month(value: str) -> date | None:
    """The first day of a month typed as YYYY-MM, or None."""
    year, dash, month = value.partition("-")
    if not (dash and year.isdecimal() and month.isdecimal() and len(year) == 4):
        return None
    try:
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def _lead(value: str) -> int | None:
    return int(value) if value.isdecimal() and len(value) < 12 else None


@login_required
@require_http_methods(["GET", "HEAD"])
def theme_list(request: HttpRequest) -> HttpResponse:
    """每月一题: the themes this person may see; by status, 已逾期 or 本单位待办 (tabs), month and lead unit;
    the open tabs by deadline (soonest first), the others latest month first (`?sort=due|month`)."""
    _allow(request)
    user = request.user
    mine_allowed = user.is_unit_staff
    tab = request.GET.get("status", "")
    tab = tab if tab in {*ThemeStatus.values, selectors.OVERDUE, *([selectors.MINE] if mine_allowed else [])} else ""
    month_text = request.GET.get("month", "").strip()
    month = _month(month_text)
    unreadable = bool(month_text) and month is None
    if unreadable:
        messages.error(request, _("月份「%(month)s」无法识别，请按 YYYY-MM 填写") % {"month": month_text})
        month_text = ""
    lead = _lead(request.GET.get("lead", "").strip())
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.SORTS else ""
    counts = selectors.status_counts(user, month=month, lead=lead)
    page = Paginator(selectors.themes_for(user, tab=tab, month=month, lead=lead, sort=sort), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = selectors.mark_rows(list(page.object_list))
    base = {k: v for k, v in {"month": month_text, "lead": lead or ""}.items() if v}
    tabs = [{"label": _("全部"), "count": sum(counts[v] for v in ThemeStatus.values), "active": not tab,
             "url": "?" + urlencode(base)}]
    tabs += [{"label": label, "count": counts[value], "active": tab == value,
              "url": "?" + urlencode(base | {"status": value})} for value, label in ThemeStatus.choices]
    extra = [(selectors.OVERDUE, _("已逾期"))] + ([(selectors.MINE, _("本单位待办"))] if mine_allowed else [])
    tabs += [{"label": label, "count": counts[value], "active": tab == value, "key": value,
              "url": "?" + urlencode(base | {"status": value})} for value, label in extra]
    kept = {k: v for k, v in {"status": tab, "month": month_text, "lead": lead or ""}.items() if v}
    default_sort = "due" if tab in selectors.BY_DEADLINE else "month"
    return render(request, "governance/list.html", {
        "themes": rows, "page": page, "tabs": tabs, "status": tab, "month": month_text, "lead": lead,
        "leads": selectors.lead_units(user), "sort": sort or default_sort,
        "sort_urls": {key: "?" + urlencode(kept | {"sort": key}) for key in selectors.SORTS},
        "query": urlencode(kept | ({"sort": sort} if sort else {})), "may_adopt": user.role in CENTRE,
        "is_unit": user.is_unit_staff,
    }, status=400 if unreadable else 200)


def _visible_theme(request: HttpRequest, pk: int) -> Theme:
    themes = Theme.objects.visible_to(request.user).select_related(
        "lead", "category", "district", "hotspot", "hotspot__run", "created_by")
    return get_object_or_404(themes, pk=pk)


def _step_forms(theme: Theme, user, failed: tuple[StepSpec, forms.Form] | None = None) -> list:  # noqa: ANN001
    """The steps this person may take now, each with an empty form (the failed one keeps what was typed)."""
    steps = []
    for action in services.available_actions(theme, user):
        spec = STEPS.get(action)
        if spec is None:
            continue
        if failed is not None and failed[0].action == action:
            steps.append((spec, failed[1]))
        else:
            steps.append((spec, spec.make_form(theme)))
    return steps


def _detail(request: HttpRequest, theme: Theme, *, failed: tuple[StepSpec, forms.Form] | None = None,
            status: int = 200) -> HttpResponse:
    steps = _step_forms(theme, request.user, failed)
    offered = {spec.action for spec, _form in steps}
    kept = failed if failed is not None and failed[0].action not in offered else None
    orders = selectors.linked_orders(theme, request.user)
    raised = proactive.proactive_orders(theme, request.user)
    for order in [*orders.shown, *raised.shown]:  # titles read as the order list reads them (numbers, names masked)
        order.title_shown = text_for(order.title, order, request.user)
    selectors.mark(theme)
    source_title = scrub_public_text(theme.source_title or (theme.hotspot.title if theme.hotspot_id else ""))
    events = list(theme.events.select_related("unit").order_by("seq"))
    for event in events:
        event.to_status_label = ThemeStatus(event.to_status).label if event.to_status in ThemeStatus.values else ""
    return render(request, "governance/detail.html", {
        "theme": theme, "assisting": list(theme.assisting.order_by("path")),
        "events": events,
        "orders": orders.shown, "visible_orders": orders.visible, "orders_cut": orders.cut,
        "hidden_orders": orders.hidden, "overdue": theme.overdue, "proactive": raised,
        "proactive_url": proactive.intake_url(theme) if (
            may_register(request.user) and theme.status != ThemeStatus.CANCELLED) else "",
        "effect": effect(theme), "source_title": source_title, "own_role": selectors.own_role(theme, request.user),
        "may_see_hotspot": request.user.role in HOTSPOT_ROLES,
        "steps": [s for s in steps if not s[0].danger], "danger_steps": [s for s in steps if s[0].danger],
        "kept": kept, "failed_action": failed[0].action if failed else "",
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One theme: the problem, units and deadline, its orders, plan and result, record, effect and steps."""
    _allow(request)
    return _detail(request, _visible_theme(request, pk))


@login_required
@require_POST
def theme_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one step on a theme, then back to it with a message."""
    _allow(request)
    theme = _visible_theme(request, pk)
    spec = STEPS.get(action)
    if spec is None:
        raise Http404(_("该操作不可用"))
    form = spec.make_form(theme, request.POST)
    posted = request.POST.get("version", "")
    stale = posted.isdecimal() and int(posted) != theme.version
    if action not in services.available_actions(theme, request.user):
        if stale:  # someone acted first and the step is gone: say so rather than a bare 403
            messages.error(request, _("专题已被他人处理，请刷新后重试"))
            return _detail(request, theme, failed=(spec, form), status=409)
        raise PermissionDenied(_("该操作不可用"))
    if not form.is_valid():
        return _detail(request, theme, failed=(spec, form), status=400)
    if posted.isdecimal():
        theme.version = int(posted)  # the service refuses a stale page (ConflictError)
    try:
        spec.perform(theme, request.user, form.cleaned_data)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        theme = _visible_theme(request, pk)
        return _detail(request, theme, failed=(spec, form), status=409 if isinstance(exc, ConflictError) else 400)
    messages.success(request, _("%(step)s：已完成") % {"step": spec.label})
    return redirect("governance-detail", pk=theme.pk)


def _to_theme(request: HttpRequest, existing: selectors.TakenOn) -> HttpResponse:
    """To the theme a hot spot's orders are already taken on as, with a message."""
    messages.info(request, _("该热点问题已立项为「%(title)s」") % {"title": existing.title})
    return redirect("governance-detail", pk=existing.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def theme_new(request: HttpRequest) -> HttpResponse:
    """立项: the centre takes a problem on; from a hot spot (?hotspot=<id>) the form starts filled from it.

    A hot spot already taken on (at least half its orders linked to a live theme; `services.adopt` refuses
    it, `selectors.taken_on` says so before the form is shown) leads to that theme. Recomputing a window
    keeps its hot spots' rows (docs/hotspots.md); one deleted by hand between showing the form and sending
    it is gone: the theme is then adopted from what the form carried (the spot's orders, title and window),
    without the link, and the page says so.
    """
    _allow(request, CENTRE)
    source = request.POST.get("hotspot") if request.method == "POST" else request.GET.get("hotspot")
    if source and not str(source).isdecimal():
        raise Http404(_("热点问题不存在"))
    if request.method != "POST":
        spot, prefill = None, selectors.Prefill()
        if source:
            spot = get_object_or_404(Hotspot.objects.select_related("run"), pk=int(source))
            prefill = selectors.prefill_from_hotspot(spot)
            taken = selectors.taken_on(prefill.order_ids)
            if taken is not None:
                return _to_theme(request, taken)
        initial = {"month": selectors.today().replace(day=1)} | prefill.initial
        return render(request, "governance/new.html", {"form": ThemeForm(initial=initial, label_suffix=""),
                                                       "spot": spot})
    spot = Hotspot.objects.select_related("run").filter(pk=int(source)).first() if source else None
    form = ThemeForm(request.POST, label_suffix="")
    if form.is_valid():
        data = form.cleaned_data
        if spot is not None:
            order_ids = list(spot.members.values_list("ticket_id", flat=True))
        else:
            order_ids = data["source_orders"] if source else []
        try:
            with transaction.atomic():
                theme = services.adopt(
                    actor=request.user, title=data["title"], problem=data["problem"], month=data["month"],
                    lead=data["lead"], assisting=list(data["assisting"]), due_date=data["due_date"],
                    category=data["category"], district=data["district"], keywords=data["keywords"],
                    hotspot=spot, orders=list(Ticket.objects.filter(pk__in=order_ids)),
                    source_title=data["source_title"] if source else "",
                    source_window=data["source_window"] if source else "")
        except services.AlreadyTakenOn as exc:  # the service's refusal: to the theme already taken on
            return _to_theme(request, exc.theme)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if source and spot is None:
                messages.warning(request, _(
                    "来源热点已被重新计算，原热点记录不存在：专题已按原热点的工单立项，未链接热点记录。"))
            messages.success(request, _("已立项：%(title)s") % {"title": theme.title})
            return redirect("governance-detail", pk=theme.pk)
    return render(request, "governance/new.html",
                  {"form": form, "spot": spot, "source_gone": bool(source) and spot is None}, status=400)
