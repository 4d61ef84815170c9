"""A minimal web UI over work orders: the list a person may see and one order's detail.

Every page starts from `Ticket.objects.visible_to(request.user)`; an order outside it is a 404, the
same as an order that does not exist. The full workbench (forms for every step) comes later.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hotline.core.privacy import phone_for
from hotline.sla.choices import Light
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status
from hotline.tickets.models import Assignment, Ticket

#: Orders per page of the list.
PAGE_SIZE = 50

#: Assignment statuses that still name the unit that handled (or handles) the order.
_HOLDING = [AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
            AssignmentStatus.COMPLETED]


class OrderFilterForm(forms.Form):
    """The list's filters: status, light and a search over number and title."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices])
    light = forms.ChoiceField(label=_("亮灯"), required=False, choices=[("", _("全部亮灯")), *Light.choices])
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("工单编号或标题"), "type": "search"}))

    def apply(self, qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """Narrow the queryset by the valid filters (invalid ones are ignored)."""
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["light"]:
            qs = qs.filter(light=data["light"])
        if text := data["q"].strip():
            qs = qs.filter(Q(number__startswith=text) | Q(title__icontains=text))
        return qs


def _lead_prefetch() -> Prefetch:
    """The lead (主办) assignment that holds or held the order, newest first, with its unit."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(role=AssignmentRole.LEAD, status__in=_HOLDING)
        .select_related("unit")
        .order_by("-dispatched_at", "-id"),
        to_attr="lead_assignments",
    )


def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to the order list, anyone else to the login page."""
    return redirect("orders" if request.user.is_authenticated else "login")


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The orders this person may see, filtered and paginated, in a constant number of queries."""
    form = OrderFilterForm(request.GET or None)
    qs = form.apply(Ticket.objects.visible_to(request.user))
    qs = qs.select_related("category").prefetch_related(_lead_prefetch()).order_by("-registered_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for ticket in page.object_list:
        ticket.lead = ticket.lead_assignments[0] if ticket.lead_assignments else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tickets/list.html", {
        "form": form, "page": page, "orders": page.object_list, "query": query.urlencode(),
    })


def detail_context(request: HttpRequest, ticket: Ticket) -> dict:
    """Everything the detail page shows about one (visible) order."""
    user = request.user
    show_caller = user.is_centre_staff or not ticket.is_anonymous
    return {
        "ticket": ticket,
        "phone": phone_for(ticket, user),
        "caller_name": ticket.caller_name if show_caller else _("（匿名）"),
        "assignments": ticket.assignments.select_related("unit").order_by("dispatched_at", "id"),
        "replies": ticket.replies.select_related("assignment__unit", "author"),
        "visits": ticket.visits.select_related("visitor"),
        "attachments": ticket.attachments.all(),
        "timeline": ticket.timeline.select_related("unit").order_by("seq"),
    }


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order with its units, replies, return visits, full timeline and the steps this person may take."""
    from hotline.workbench.views import step_forms

    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "category", "registered_by", "district", "street", "community", "master", "sla_policy"),
        number=number,
    )
    context = detail_context(request, ticket)
    context["steps"] = step_forms(ticket, request.user)
    return render(request, "tickets/detail.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and `make run`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
