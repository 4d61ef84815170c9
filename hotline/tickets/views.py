"""A minimal web UI over work orders: the list a person may see and one order's detail.

Every page starts from `Ticket.objects.visible_to(request.user)`; an order outside it is a 404, the
same as an order that does not exist. The full workbench (forms for every step) comes later.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hotline.core import clock
from hotline.core.privacy import caller_name_for, phone_for, shows_caller, text_for, unit_text_for
from hotline.orgs.models import HandlingUnit
from hotline.tickets import panels, selectors
from hotline.tickets.choices import ConsultationStatus
from hotline.tickets.models import Consultation, Opinion, Ticket
from hotline.tickets.permissions import may_reveal_caller


def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to the order list, anyone else to the login page."""
    return redirect("orders" if request.user.is_authenticated else "login")


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The orders this person may see, filtered (`OrderFilterSet`) and paginated, in constant queries."""
    from hotline.workbench.queues.views import render_list

    return render_list(request, Ticket.objects.visible_to(request.user), title=_("工单"))


def consultations_shown(ticket: Ticket, user: Any = None) -> list[Consultation]:
    """The order's consultations (会商), newest first, each with its opinions (`rows`) in invitation order
    and the conclusion's assisting units (`assisting_units`); the centre's question and conclusion as this
    person may read them (`question_shown`, `conclusion_shown`: `text_for`, masked when no reader is given); each
    opinion's 职责依据, the invited unit's own words, through `unit_text_for` (`basis_shown`: the citizen's number in
    it masked for the other units, as the API and the timeline read it).

    Three queries however many units were invited. An opinion still unanswered after the deadline of an
    open consultation is marked `overdue` (逾期未答复); one first given after it, `late`.
    """
    opinions = Opinion.objects.select_related("unit", "suggested_unit").order_by("id")
    found = list(ticket.consultations.select_related("started_by", "ended_by", "lead")
                 .prefetch_related(Prefetch("opinions", queryset=opinions, to_attr="rows"),
                                   Prefetch("assisting", queryset=HandlingUnit.objects.order_by("path"),
                                            to_attr="assisting_units"))
                 .order_by("-started_at", "-id"))
    now = clock.now()
    for consultation in found:
        consultation.question_shown = text_for(consultation.question, ticket, user)
        consultation.conclusion_shown = text_for(consultation.conclusion, ticket, user)
        is_open = consultation.status == ConsultationStatus.OPEN
        for opinion in consultation.rows:
            answered = opinion.answered_at
            opinion.overdue = is_open and answered is None and now > consultation.opinions_due
            opinion.late = answered is not None and answered > consultation.opinions_due
            opinion.basis_shown = unit_text_for(opinion.basis, ticket, user, unit_id=opinion.unit_id)
    return found


def detail_context(request: HttpRequest, ticket: Ticket) -> dict:
    """Everything the detail page shows about one (visible) order."""
    user = request.user
    show_caller = shows_caller(ticket, user)  # an anonymous caller or a 举报's reporter: centre staff only
    from hotline.attachments.selectors import merged_attachments
    from hotline.attachments.views import upload_offer
    from hotline.ops.access import order_shown  # opening a confidential order is recorded (docs/security.md)

    order_shown(ticket, user)
    timeline = selectors.timeline_shown(ticket, user)
    return {
        "ticket": ticket,
        # An anonymous caller, and the reporter of a 举报 (`Ticket.identity_withheld`), stay unknown to units: no
        # number, no sex, no company (as the API answers them).
        "phone": phone_for(ticket, user) if show_caller else "",
        "caller_name": caller_name_for(ticket, user),
        "caller_sex": ticket.get_caller_sex_display() if show_caller else "",
        "caller_company": ticket.caller_company if show_caller else "",
        # What citizens typed, numbers masked for those who see the caller's number masked (`text_for`).
        "description": text_for(ticket.description, ticket, user),
        "order_title": text_for(ticket.title, ticket, user),  # an untitled order's is its description's start
        "address": text_for(ticket.address, ticket, user),
        # 直接答复: the centre's words, which may quote the caller's number; a unit reads it once it is reopened.
        "direct_answer": text_for(ticket.direct_answer, ticket, user) if ticket.direct_answer else "",  # 事发地址: free text a caller may dictate a number into
        "assignments": ticket.assignments.select_related("unit", "forwarded_from__unit").order_by("dispatched_at", "id"),
        "replies": selectors.replies_shown(ticket, user),  # each `review_note_shown` (审核意见, `text_for`)
        "visits": selectors.visits_shown(ticket, user),
        "attachments": ticket.attachments.all(),
        "merged_attachments": merged_attachments(ticket, user),  # 并单: the merged orders' files, each marked
        "upload": upload_offer(ticket, user),  # the 上传附件 form, or None when it is not offered
        "consultations": consultations_shown(ticket, user),  # 会商: shown to everyone who may see the order
        "timeline": timeline,  # each event's `note_shown`
        # 补充诉求: the citizen's later facts, shown apart for the units (the description stays as registered).
        "supplements": selectors.supplements(timeline),
        # 查看完整号码 (联系群众): offered to the units working on the order (`may_reveal_caller`).
        "may_reveal": not user.is_centre_staff and show_caller and may_reveal_caller(ticket, user) is None,
    }


def _visible_order(request: HttpRequest, number: str) -> Ticket:
    """The order with this number if this person may see it (else 404), with what its page shows."""
    return get_object_or_404(
        Ticket.objects.visible_to(request.user, one=True).select_related(
            "category", "registered_by", "district", "street", "community", "master", "sla_policy"),
        number=number,
    )


def _order_page(request: HttpRequest, ticket: Ticket, context: dict) -> HttpResponse:
    """The order page from its `detail_context`, with the steps and panels this person is offered."""
    from hotline.workbench.views import step_forms

    context["steps"] = step_forms(ticket, request.user)
    context["panels"] = panels.panels_for(request, ticket)
    return render(request, "tickets/detail.html", context)


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order with its units, replies, return visits, full timeline and the steps this person may take."""
    ticket = _visible_order(request, number)
    return _order_page(request, ticket, detail_context(request, ticket))


@never_cache
@login_required
def reveal_caller(request: HttpRequest, number: str) -> HttpResponse:
    """查看完整号码: the unit working on the order is shown the caller's full number to contact the citizen
    (联系群众), with the description and 补充诉求 as written, for this response only; the reveal is recorded
    (`phone_shown`, on this page's path). Refused (`may_reveal_caller`): 403 with the reason, nothing recorded.

    Only a POST reveals. Any other method (a reload, the language switch returning to this address) is a 405
    whose page leads back to the order."""
    ticket = _visible_order(request, number)
    if request.method != "POST":
        response = render(request, "tickets/reveal_refused.html", {
            "ticket": ticket, "reason": _("完整号码只在工单页点击「查看完整号码」后显示一次，请返回工单页")}, status=405)
        response["Allow"] = "POST"
        return response
    user = request.user
    reason = may_reveal_caller(ticket, user)
    if reason is not None:
        return render(request, "tickets/reveal_refused.html", {"ticket": ticket, "reason": reason}, status=403)
    from hotline.ops.access import phone_shown

    phone_shown(ticket, user, ticket.caller_phone)
    context = detail_context(request, ticket)
    context.update(phone=ticket.caller_phone, revealed=True, may_reveal=False,
                   description=selectors.reveal_citizens_words(ticket, user, context["timeline"]),
                   address=text_for(ticket.address, ticket, user, revealed=True))
    return _order_page(request, ticket, context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and `make run`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
