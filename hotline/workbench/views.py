"""Taking a lifecycle step from a page: one thin view for every step of every role.

The view checks the order is visible (404 otherwise), the step is offered to this person (403),
validates the step's form (400) and the version the page was showing (409 on a stale page; other
units' 会商意见 alone do not make a 会商意见 page stale; a post without a readable version is stale too,
`posted.posted_version`), then calls the step's service. A refused step shows the service's message and
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.tickets.choices import Action, Decision, Status
from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted
from hotline.tickets.models import Extension, Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.services.consultation import opinions_only_since
from hotline.tickets.services.holds import held_steps
from hotline.tickets.services.termination import merged_orders
from hotline.tickets.transitions import TRANSITIONS
from hotline.workbench.actions import STEPS, StepSpec, for_order
from hotline.workbench.consulting import answering_unit, fit_opinion_form, initial_values, posted_as_stored
from hotline.workbench.forms import ExtensionChoiceForm
from hotline.workbench.posted import PAGE_EXPIRED, posted_next, posted_version, typed_values
from hotline.workbench.posted import own_step_just_taken as _own_step_just_taken

#: Steps a form records under another action: 派单 with 「指定派单」 ticked is recorded as 指定派单.
RECORDED_AS: dict[str, tuple[str, ...]] = {Action.DISPATCH: (Action.DISPATCH, Action.DESIGNATE)}


def bind(spec: StepSpec, user, ticket: Ticket, data=None) -> forms.Form:  # noqa: ANN001
    """The step's form for this person on this order.

    A form that looks orders up (合并) sees only the orders this person may see; a decision on an
    extension request lists the order's pending requests (unit, days, reason) to choose from. An empty
    form starts from what the order already says (`consulting.initial_values`): the recommended units for 发起会商, the
    unit's own answer for 会商意见, the units' stances for 会商定责. A 会商意见 form asks which unit
    answers only of someone in several invited units (`consulting.fit_opinion_form`).
    """
    kwargs: dict = {"prefix": spec.action, "label_suffix": ""}
    if getattr(spec.form, "scoped", False):
        kwargs["orders"] = Ticket.objects.visible_to(user)
    if getattr(spec.form, "per_order", False):  # e.g. 回访 asks a proactive order's 现场核查 instead
        kwargs["ticket"] = ticket
    if data is None and (initial := initial_values(spec.action, user, ticket)):
        kwargs["initial"] = initial
    form = spec.form(data, **kwargs)
    if isinstance(form, ExtensionChoiceForm):
        form.offer(list(Extension.objects.select_related("assignment__unit")
                        .filter(ticket=ticket, status=Decision.PENDING).order_by("id")), ticket=ticket, user=user)
    if spec.action == Action.GIVE_OPINION:
        fit_opinion_form(form, user, ticket)
    if spec.action == Action.SUPPLEMENT and "resume" in form.fields and (
            ticket.status != Status.AWAITING_CITIZEN or not may_resume(user)):
        del form.fields["resume"]  # 补充并恢复办理: only where the order waits, for those who may resume
    if spec.action == Action.DECIDE_TERMINATION and (merged := merged_orders(ticket)):
        # Said before the decision, not only in the refusal: other callers wait on this order (并单).
        form.fields["approve"].help_text = _(
            "已有%(count)s张工单并入本工单：以「诉求人撤回」或「无法联系」为由的申请不能同意，其诉求人仍在等待答复"
        ) % {"count": merged}
    return form


def may_resume(user) -> bool:  # noqa: ANN001
    """Whether this person's role may resume handling (恢复办理), e.g. with a citizen's supplement."""
    return getattr(user, "role", None) in TRANSITIONS[Action.RESUME].roles


@dataclass(frozen=True)
class HeldStep:
    """In place of a step's form: the step is allowed but must wait, and this is why (the service's words)."""

    held_because: str


def step_forms(ticket: Ticket, user, data=None) -> list[tuple[StepSpec, object]]:  # noqa: ANN001
    """The steps this person may take on this order now, each with an empty (or bound) form.

    A step the service would refuse for now (`holds.held_steps`: an extension request or a claim
    already made, a timely extension request to decide before the review) comes with a `HeldStep`
    instead of a form: the page shows it without a button, saying why in the service's words.
    """
    actions = [a for a in available_actions(ticket, user) if a in STEPS]
    held = held_steps(ticket, user, actions)
    return [(for_order(STEPS[a], ticket), HeldStep(held[a]) if a in held else bind(STEPS[a], user, ticket, data))
            for a in actions]


@login_required
@require_POST
def perform_step(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one step on one order, then go back to the order (or to `next`)."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user, one=True), number=number)
    spec = STEPS.get(action)
    if spec is None:
        raise PermissionDenied(_("该操作不可用"))
    spec = for_order(spec, ticket)
    form = bind(spec, request.user, ticket, request.POST)
    posted = posted_version(request.POST.get("version"))
    if posted is None:
        # No readable version (missing, negative, not a number): the page's version is unknown, so it is stale.
        if action not in available_actions(ticket, request.user):
            raise PermissionDenied(_("该操作不可用"))
        messages.error(request, PAGE_EXPIRED)
        return _render_again(request, ticket, spec, form, status=409)
    stale = posted != ticket.version
    if stale and action == Action.GIVE_OPINION:
        # Opinions of other units do not touch this unit's answer (the desk's steps and the person's own
        # units' opinions still make the page stale); this person's own for this unit, a moment ago, is a second click.
        unit = answering_unit(form, request.user, ticket)
        if _own_step_just_taken(ticket, request.user, action, since=posted, others=True, unit=unit) \
                and posted_as_stored(form, ticket, unit):
            messages.success(request, _("%(step)s：已完成") % {"step": spec.label})
            return _done(request, ticket)
        stale = not (posted < ticket.version and opinions_only_since(ticket, posted, user=request.user))
    elif stale and form.is_valid() and _own_step_just_taken(ticket, request.user, RECORDED_AS.get(action, action),
                                                            since=posted, posted=typed_values(form)):
        # A second click on the same button: the first one did it. Answer as the first one did. (Other
        # words posted from the same old page are a new step on a stale page: refused below, text kept.)
        messages.success(request, _("%(step)s：已完成") % {"step": spec.label})
        return _done(request, ticket)
    if stale:
        # A stale page: someone acted first. Say so, and keep what was typed, before asking whether the
        # step is still offered — often it no longer is, and a bare 403 would hide what happened.
        messages.error(request, _("工单已被他人处理，页面已刷新，请核对后重试"))
        return _render_again(request, ticket, spec, form, status=409)
    if action not in available_actions(ticket, request.user):
        raise PermissionDenied(_("该操作不可用"))
    if not form.is_valid():
        return _render_again(request, ticket, spec, form, status=400)
    try:
        spec.perform(ticket, request.user, form.cleaned_data)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ConflictError as exc:
        messages.error(request, exc.message)
        return _render_again(request, ticket, spec, form, status=409)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _render_again(request, ticket, spec, form, status=400)
    messages.success(request, _("%(step)s：已完成") % {"step": spec.label})
    return _done(request, ticket)


def _done(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Back to the order (or to `next`, a path on this site) after a step."""
    if target := posted_next(request):
        return redirect(target)
    return redirect("order-detail", number=ticket.number)


def _render_again(request: HttpRequest, ticket: Ticket, spec: StepSpec, form: forms.Form, *,
                  status: int) -> HttpResponse:
    """The order page as it is now, with the refused step's form still holding what was typed.

    The page says the step was not done before anything else: its title (「未完成：答复」) and, on top of the
    steps, an error summary (role="alert") linking each field error to its field (`workbench/_steps.html`).
    """
    from hotline.tickets import panels
    from hotline.tickets.views import detail_context

    ticket.refresh_from_db()
    context = detail_context(request, ticket)
    steps = step_forms(ticket, request.user)
    context["steps"] = [(s, form if s.action == spec.action and not isinstance(f, HeldStep) else f) for s, f in steps]
    if all(s.action != spec.action or isinstance(f, HeldStep) for s, f in steps):
        context["kept"] = (spec, form)  # no longer offered: shown read-only so the text is not lost
    context["panels"] = panels.panels_for(request, ticket)
    context["failed_action"] = spec.action
    context["refused"] = (spec, form)
    # Shown at the step's POST-only address: the language switch goes back to the order page instead.
    context["switch_next"] = reverse("order-detail", kwargs={"number": ticket.number})
    return render(request, "workbench/refused_step.html", context, status=status)
