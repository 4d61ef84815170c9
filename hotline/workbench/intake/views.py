"""The intake agent's page (受理登记): the new-order form and its htmx helpers.

Only centre roles that may register an order (the REGISTER row of the transition table) get in;
everyone else gets a 403. The form validates (400 with every typed value kept); `take_call` registers
the order and takes the first decision in one transaction, so a refused step saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hotline.accounts.models import User
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.exceptions import DomainError, NotPermitted, TransitionRefused
from hotline.tickets.models import Ticket
from hotline.tickets.transitions import TRANSITIONS
from hotline.workbench import once as one_time
from hotline.workbench.forms import ChaseForm, SupplementForm
from hotline.workbench.intake import selectors
from hotline.workbench.intake.choices import DONE, Decision
from hotline.workbench.intake.forms import PICK_CATEGORY, PROACTIVE_HINT, SEARCH_CATEGORY, IntakeForm
from hotline.workbench.intake.prefill import prefill
from hotline.workbench.intake.services import link_to_current_call, take_call
from hotline.workbench.posted import PAGE_EXPIRED, Typed, own_step_just_taken, posted_version

View = Callable[..., HttpResponse]


def may_register(user: User) -> bool:
    """True for the centre roles the transition table lets register an order."""
    return bool(user.is_authenticated and user.is_active and user.role in TRANSITIONS[Action.REGISTER].roles)


def intake_only(view: View) -> View:
    """Let in signed-in people who may register orders; 403 for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_register(request.user):
            raise PermissionDenied(_("只有受理员、派单员和系统管理员可以登记工单"))
        return view(request, *args, **kwargs)

    return wrapper


@intake_only
@require_http_methods(["GET", "POST"])
@never_cache
def intake(request: HttpRequest) -> HttpResponse:
    """Show the new-order form; on POST register the call and take the decision of the button pressed.

    The page is never cached (no-store) and its form has autocomplete off, so Back never shows a
    half-restored form with a fresh token (intake.js reloads a page shown again from history).
    """
    if request.method != "POST":
        # a telephony screen-pop may open the page with the number; a 每月一题 theme with a proactive order
        filled = prefill(request.GET)
        form = IntakeForm(initial=filled.initial or None)
        return _page(request, form, request.GET.get("phone", ""), category_query=filled.category_query)
    if request.POST.get("decision") == SEARCH_CATEGORY or PICK_CATEGORY in request.POST:
        return _search_categories(request)
    form = IntakeForm(request.POST, request.FILES)
    once = one_time.key(request, "intake")
    if (earlier := one_time.recall(once)) is not None:
        return _already_taken(request, form, earlier)
    if form.is_valid():
        if not one_time.claim(once):  # the same page posted twice at once
            return _already_taken(request, form, one_time.recall(once) or "")
        try:
            with one_time.given_back_on_error(once):
                ticket = take_call(form.draft(), actor=request.user, decision=form.cleaned_data["decision"],
                                   uploads=form.cleaned_data["attachments"], theme=form.cleaned_data["theme"],
                                   **form.decision_args())
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            one_time.remember(once, ticket.number)
            messages.success(request, _("工单 %(number)s %(done)s，查询码 %(code)s") % {
                "number": ticket.number, "done": DONE[form.cleaned_data["decision"]], "code": ticket.query_code,
            })
            return redirect("order-detail", number=ticket.number)
    return _page(request, form, request.POST.get("phone", ""), status=400)


def _search_categories(request: HttpRequest) -> HttpResponse:
    """The category search without JavaScript (the 搜索 button, or Enter in a single-line box): the page again as
    typed, with the categories matching the search box to choose from; a category chosen among them comes back
    chosen. Nothing is registered and nothing is refused (attachments must be chosen again, as the page says)."""
    data = request.POST.copy()
    data.pop("decision", None)
    picked = data.pop(PICK_CATEGORY, [""])[-1]
    if picked:
        data["category"] = picked
    form = IntakeForm(data).as_typed()
    if picked:
        form.fields["category"].widget.attrs["autofocus"] = True
    query = "" if picked else data.get("q", "").strip()
    return _page(request, form, data.get("phone", ""), category_query=query, searched=not picked)


def _already_taken(request: HttpRequest, form: IntakeForm, number: str) -> HttpResponse:
    """A page posted again (a double click, a reload): nothing new is registered."""
    if number:
        messages.info(request, _("该来电已登记为工单 %(number)s，未重复登记") % {"number": number})
        return redirect("order-detail", number=number)
    form.add_error(None, _("该来电正在登记，请勿重复提交"))
    return _page(request, form, request.POST.get("phone", ""), status=409)


def _page(request: HttpRequest, form: IntakeForm, phone: str, status: int = 200,
          category_query: str = "", followup: dict | None = None, searched: bool = False) -> HttpResponse:
    """The page, with the caller's history already filled in when the number is known.

    Each page carries a submission token: posting the same page twice registers one order. A proactive
    order (主动发现) shows the hint that no citizen called, and the 每月一题 theme it is raised for, if any;
    `category_query` (a prefilled category above the third level, or the words of a search without JavaScript,
    `searched`) lists its third-level categories in the picker.
    """
    query = request.POST.get("q", "") if form.is_bound else category_query
    return render(request, "workbench/intake/page.html", {
        "submission": (one_time.posted_token(request) if form.is_bound else "") or one_time.new_token(),
        "form": form,
        "history": selectors.caller_history(request.user, phone),
        "decisions": Decision,
        "files_dropped": form.is_bound and bool(request.FILES),
        "category_query": query,
        "category_results": selectors.search_categories(query) if category_query else [],
        "proactive": form["channel"].value() == Channel.PROACTIVE,
        "proactive_hint": PROACTIVE_HINT,
        "for_theme": form.theme_chosen(),
        "searched": searched,  # without JS: the results (or that none match) shown, the focus on them
        "search_answered": searched and bool(category_query),
        **(followup if followup is not None else _followed(request)),
    }, status=status)


@dataclass(frozen=True)
class FollowUp:
    """One repeat-call step of the caller pop-up: its form, the form's text field, the service and its label."""

    form: type[forms.Form]
    field: str  # the form's field, also the service's keyword
    service: Callable[..., Ticket]
    step: str  # the timeline action it writes first (a second click finds it)
    label: object


#: 补充并恢复办理: on an order waiting for the citizen (待群众补充), the supplement and the resumption together.
SUPPLEMENT_AND_RESUME = "supplement_resume"

#: The repeat-call steps of the caller pop-up, by the name in the URL.
FOLLOW_UPS = {
    Action.CHASE: FollowUp(ChaseForm, "note", lifecycle.chase, Action.CHASE, Action.CHASE.label),
    Action.SUPPLEMENT: FollowUp(SupplementForm, "text", lifecycle.supplement, Action.SUPPLEMENT,
                                Action.SUPPLEMENT.label),
    SUPPLEMENT_AND_RESUME: FollowUp(SupplementForm, "text", lifecycle.supplement_and_resume, Action.SUPPLEMENT,
                                    gettext_lazy("补充并恢复办理")),
}


def _followed(request: HttpRequest) -> dict:
    """After a chase without JS (a redirect to the page): the chased order's progress, to read to the citizen."""
    number = request.GET.get("followed", "")[:20]
    progress = selectors.progress_of(request.user, number) if number else None
    return {"followed": progress, "followed_action": request.GET.get("step", "") if progress else ""}


@intake_only
@require_http_methods(["POST"])
def follow_up(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """The caller rings again about an open order: record a chase (群众催办) or a supplement (补充诉求) on it, or,
    on an order waiting for the citizen, the supplement with the resumption (补充并恢复办理).

    Nothing is registered. With htmx the pop-up comes back (the chased order's progress on top, to read to
    the citizen); without JS the page is shown again (a redirect). A refused step keeps the typed text and
    says why (the page answers 400/409; the htmx pop-up 200, since htmx swaps nothing else): a post without
    a readable version is stale (「页面已过期」); a second click of a step this person has just taken, with the
    same words, is answered as the first was (other words from the same old pop-up: 409, the text kept). The order is linked to the agent's current call, as an order registered during it is.
    """
    step = FOLLOW_UPS.get(action)
    if step is None:
        raise Http404
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user, one=True), number=number)
    form = step.form(request.POST)
    phone = request.POST.get("history_phone", "")  # the pop-up's number (not `phone`: the order form's field)
    version = posted_version(request.POST.get("version"))
    error, status = "", 200
    if version is None:
        error, status = str(PAGE_EXPIRED), 409
    elif version != ticket.version and form.is_valid() and own_step_just_taken(
            ticket, request.user, step.step, since=version, posted={step.field: Typed(form.cleaned_data[step.field])}):
        pass  # a second click (the same words): the first one recorded it; answer as it did
    elif ticket.status != Status.MERGED and not selectors.may_follow_up(request.user, ticket, action):
        # (a merged order goes on to the service, whose refusal names the master)
        error, status = _("工单%(number)s当前不能「%(action)s」") % {"number": number, "action": step.label}, 409
    elif not form.is_valid():
        error, status = " ".join(str(e) for e in form.errors.get(step.field, [])) or _("请检查填写的内容"), 400
    else:
        try:
            step.service(ticket, actor=request.user, expected_version=version, **{step.field: form.cleaned_data[step.field]})
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error, status = exc.message, 409 if isinstance(exc, TransitionRefused) else 400
        else:
            link_to_current_call(ticket, request.user)
    if error:
        history = selectors.caller_history(request.user, phone)
        # the order's form in the pop-up shows the error; else it is said above the list
        listed = any(t.number == number and action in t.follow_ups for t in history.open_orders)
        kept = {"failed": {"number": number, "action": action, "error": error, "text": request.POST.get(step.field, ""),
                           "listed": listed}}
        if request.headers.get("HX-Request") == "true":  # htmx swaps only a 2xx answer: the refusal is in it
            return render(request, "workbench/intake/_caller.html", {"history": history, **kept})
        return _page(request, IntakeForm(initial={"phone": selectors.normalise_phone(phone)} if phone else None),
                     phone, status=status, followup={"followed": None, "followed_action": "", **kept})
    done = _("工单 %(number)s：%(step)s已记录") % {"number": number, "step": step.label}
    if request.headers.get("HX-Request") == "true":
        return render(request, "workbench/intake/_caller.html", {
            "history": selectors.caller_history(request.user, phone), "done": done,
            "followed": selectors.progress_of(request.user, number), "followed_action": action})
    messages.success(request, done)
    return redirect(f"{reverse('intake')}?{urlencode({'phone': phone, 'followed': number, 'step': action})}")


@intake_only
@require_GET
def caller(request: HttpRequest) -> HttpResponse:
    """The caller's earlier orders (来电弹屏), for the htmx lookup on the phone field."""
    history = selectors.caller_history(request.user, request.GET.get("phone", ""))
    return render(request, "workbench/intake/_caller.html", {"history": history})


def may_record(user: User) -> bool:
    """True for the centre roles that register or correct orders (they pick categories and places)."""
    return may_register(user) or bool(user.is_authenticated and user.is_active
                                      and user.role in TRANSITIONS[Action.CORRECT].roles)


def recording_only(view: View) -> View:
    """The pickers' lookups (categories, areas): for those who register or correct orders; 403 for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_record(request.user):
            raise PermissionDenied(_("只有受理员、派单员、督办员和系统管理员可以登记或更正工单"))
        return view(request, *args, **kwargs)

    return wrapper


@recording_only
@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    """Third-level categories matching the words typed in the category search."""
    query = request.GET.get("q", "").strip()
    return render(request, "workbench/intake/_categories.html", {
        "query": query, "results": selectors.search_categories(query),
    })


@recording_only
@require_GET
def area_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the streets of a district, or of the communities of a street."""
    return render(request, "workbench/intake/_area_options.html", {
        "units": selectors.child_areas(request.GET.get("parent")),
    })
