"""Triage pages: the shift lead's alert list (预警), one alert with acknowledge and merge, the intake assist."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.intelligence import duplicates as dup
from hotline.intelligence.places import Place
from hotline.orgs.models import HandlingUnit
from hotline.orgs.places import recognise
from hotline.taxonomy.models import Category
from hotline.tickets.models import Ticket
from hotline.triage import services
from hotline.triage.models import Alert, AlertKind, AlertStatus, TriageSettings
from hotline.workbench.intake.selectors import normalise_phone
from hotline.workbench.intake.views import intake_only

#: Who watches the alerts: the shift leads (值班长) are dispatchers and supervisors.
ALERT_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def _alert_staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.role in ALERT_ROLES):
        raise PermissionDenied(_("只有派单员、督办员（值班长）和系统管理员可以查看预警"))


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts first, newest first; filter by status and kind."""
    _alert_staff(request)
    status = request.GET.get("status", AlertStatus.OPEN)
    kind = request.GET.get("kind", "")
    alerts = Alert.objects.select_related("master", "acknowledged_by").order_by("-updated_at", "-id")
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    if kind in AlertKind.values:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts, 30).get_page(request.GET.get("page"))
    return render(request, "triage/alerts.html", {
        "page": page, "status": status, "kind": kind, "statuses": AlertStatus, "kinds": AlertKind,
        "open_count": Alert.objects.filter(status=AlertStatus.OPEN).count(),
    })


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert with its orders; 全部并入主工单 names the master the merge would use now (`alert_master`)."""
    _alert_staff(request)
    alert = get_object_or_404(Alert.objects.select_related("master", "acknowledged_by"), pk=pk)
    tickets = alert.tickets.select_related("street", "community").order_by("registered_at")
    return render(request, "triage/alert.html", {
        "alert": alert, "tickets": tickets, "master": services.alert_master(alert),
        "mergeable": alert.kind != AlertKind.LIFE_UNATTENDED})


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The shift lead marks the alert as seen (知悉), with an optional note."""
    _alert_staff(request)
    alert = get_object_or_404(Alert, pk=pk)
    services.acknowledge(alert, actor=request.user, note=request.POST.get("note", "").strip())
    messages.success(request, _("已知悉该预警"))
    return redirect("triage-alert", pk=alert.pk)


@login_required
@require_POST
def alert_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge every open order of the alert into its master order (并单), through the lifecycle service."""
    _alert_staff(request)
    alert = get_object_or_404(Alert.objects.select_related("master"), pk=pk)
    merged, refused = services.merge_alert(alert, actor=request.user)
    if merged:
        messages.success(request, _("已并入主工单 %(master)s：%(n)s 件") % {
            "master": alert.master.number, "n": len(merged)})
    for ticket, reason in refused:
        messages.error(request, _("%(label)s：%(text)s") % {"label": ticket.number, "text": reason})
    if not merged and not refused:
        messages.info(request, _("没有可并单的工单"))
    return redirect("triage-alert", pk=alert.pk)


def _id(value: str) -> int | None:
    """A posted id: at most ten ASCII digits (a longer number overflows the lookup), else None."""
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 10 else None


def _unit(value: str) -> HandlingUnit | None:
    return HandlingUnit.objects.filter(pk=pk).first() if (pk := _id(value)) is not None else None


@intake_only
@require_http_methods(["GET", "POST"])
def intake_assist(request: HttpRequest) -> HttpResponse:
    """What triage sees in the form being typed: urgency (with the 110/119/120 prompt), repeats, top 3 units.

    The intake page POSTs the fields it reads (a long description would not fit in a URL); GET still works.
    """
    from hotline.routing import services as routing

    g = request.POST if request.method == "POST" else request.GET
    title, description = g.get("title", "").strip(), g.get("description", "").strip()
    text = f"{title} {description}".strip()
    category = Category.objects.filter(pk=pk).first() if (pk := _id(g.get("category", ""))) is not None else None
    assessment = services.assess_text(text, utility_category=bool(category and category.is_utility),
                                      category_name=category.name if category else "") if text else None
    now = clock.now()
    draft = Ticket(title=title, description=description, category=category, caller_phone=normalise_phone(g.get("phone", "")),
                   district=_unit(g.get("district", "")), street=_unit(g.get("street", "")),
                   community=_unit(g.get("community", "")), address=g.get("address", ""), registered_at=now)
    repeats: list[tuple[Ticket, dup.Match]] = []
    if text and draft.caller_phone:
        key = services.key_for(draft)
        findings = services.lookup(key, now + timedelta(seconds=1), TriageSettings.current().as_rules())
        found = {t.pk: t for t in Ticket.objects.visible_to(request.user).filter(
            pk__in=[m.ticket_id for m in findings.repeats])}
        repeats = [(found[m.ticket_id], m) for m in findings.repeats if m.ticket_id in found][:5]
    located = _located(draft)
    if located and located["fill"] and not located["chosen"] and located["place"].is_certain:
        # no area chosen yet: recommend for the recognised one, as the order would be dispatched once filled
        draft.district_id, draft.street_id, draft.community_id = located["place"].ids
    rec = routing.build(draft, trigger="intake") if len(text) >= 6 and not g.get("is_confidential") else None
    return render(request, "triage/_intake_assist.html", {
        "assessment": assessment, "repeats": repeats, "rec": rec, "located": located})


def _located(draft: Ticket) -> dict | None:
    """What the typed address names (地址识别), beside the area the agent chose; None when nothing to say.

    Shown with 「填入」 when no area is chosen yet, or only a part of it, or a different one (said so).
    An address naming another city's places (「株洲市」) is always pointed out, and offers only candidates.
    """
    place: Place | None = recognise(draft.address)
    if place is None:
        return None
    chosen = (draft.district_id, draft.street_id, draft.community_id)
    pairs = [(mine, theirs) for mine, theirs in zip(place.ids, chosen, strict=True) if mine]
    differs = any(theirs and theirs != mine for mine, theirs in pairs)
    fill = bool(pairs) and any(theirs != mine for mine, theirs in pairs)
    if not fill and not (place.candidates and not any(chosen)) and not place.foreign:
        return None
    return {"place": place, "fill": fill, "differs": differs, "chosen": any(chosen)}
