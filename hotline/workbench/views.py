"""Taking a lifecycle step from a page: one thin view for every step of every role.

The view checks the order is visible (404 otherwise), the step is offered to this person (403),
validates the step's form (400) and the version the page was showing (409 on a stale page), then
calls the step's service. A refused step shows the service's message and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hotline.tickets.exceptions import ConflictError, DomainError, NotPermitted
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.workbench.actions import STEPS, StepSpec


def step_forms(ticket: Ticket, user, data=None) -> list[tuple[StepSpec, object]]:  # noqa: ANN001
    """The steps this person may take on this order now, each with an empty (or bound) form."""
    return [(STEPS[a], STEPS[a].form(data, prefix=a, label_suffix="")) for a in available_actions(ticket, user)
            if a in STEPS]


@login_required
@require_POST
def perform_step(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one step on one order, then go back to the order (or to `next`)."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user, one=True), number=number)
    spec = STEPS.get(action)
    if spec is None or action not in available_actions(ticket, request.user):
        raise PermissionDenied("该操作不可用")
    form = spec.form(request.POST, prefix=action, label_suffix="")
    status = 200
    if form.is_valid():
        posted = request.POST.get("version", "")
        if posted.isdigit() and int(posted) != ticket.version:
            messages.error(request, "工单已被他人处理，页面已刷新，请核对后重试")
            status = 409
        else:
            try:
                spec.perform(ticket, request.user, form.cleaned_data)
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from exc
            except ConflictError as exc:
                messages.error(request, exc.message)
                status = 409
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 400
            else:
                messages.success(request, f"{spec.label}：已完成")
                target = request.POST.get("next", "")
                if target.startswith("/") and not target.startswith("//"):
                    return redirect(target)
                return redirect("order-detail", number=ticket.number)
    else:
        status = 400
    from hotline.tickets.views import detail_context

    ticket.refresh_from_db()
    context = detail_context(request, ticket)
    context["steps"] = [(s, form if s.action == action else f) for s, f in step_forms(ticket, request.user)]
    context["failed_action"] = action
    return render(request, "tickets/detail.html", context, status=status)
