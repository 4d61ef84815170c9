"""Pages for supervisors and leaders: the weekly hot-spot list, one hot spot's orders, 每月一题 candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.accounts.choices import Role
from hotline.core.privacy import scrub_public_text, text_for
from hotline.governance.selectors import themes_of_hotspots
from hotline.governance.transitions import CENTRE
from hotline.hotspots import seasonal as seasonal_reader
from hotline.hotspots import selectors, services
from hotline.hotspots.choices import RunKind
from hotline.hotspots.constants import setting
from hotline.hotspots.models import Hotspot
from hotline.tickets.models import Ticket
from hotline.workbench.intake.views import may_register

#: Who may open the hot-spot pages (every other role gets 403).
HOTSPOT_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.DISPATCHER, Role.ADMIN})
MONTHLY_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
#: Who may take a hot spot on as a 每月一题 theme (立项): the governance app's centre roles.
ADOPT_ROLES = CENTRE


@dataclass(frozen=True)
class Candidate:
    """A hot spot as the tables show it, with the theme taken on from it (None while there is none)."""

    spot: selectors.HotspotView
    theme: Any = None

    def __getattr__(self, name: str) -> Any:
        if name == "spot":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.spot, name)


def _allow(request: HttpRequest, roles: frozenset[str]) -> None:
    if request.user.role not in roles:
        raise PermissionDenied(_("您的角色不能查看热点问题"))


def _iso(moment) -> str:  # noqa: ANN001
    year, week, _day = moment.astimezone(services.LOCAL).isocalendar()
    return f"{year}-W{week:02d}"


def _window(request: HttpRequest, reader, value: str | None):  # noqa: ANN001, ANN202
    """The window asked for, or, for one that cannot be read, the current one with the reason shown (400)."""
    try:
        return reader(value), 200
    except services.WindowError as error:
        messages.error(request, str(error))
        return reader(None), 400


@login_required
@require_GET
def weekly(request: HttpRequest) -> HttpResponse:
    """This week's (or ?week=YYYY-Www) hot spots, hottest first, with early warnings."""
    _allow(request, HOTSPOT_ROLES)
    window, status = _window(request, services.week_window, request.GET.get("week"))
    run = selectors.ensure_run(window, max_orders=int(setting("PAGE_COMPUTE_MAX_ORDERS")))
    spots = selectors.hotspots_of(run)
    return render(request, "hotspots/weekly.html", {
        "window": window, "run": run, "spots": spots, "warnings": [s for s in spots if s.is_warning],
        "week": _iso(window.start), "previous_week": _iso(window.previous.start), "next_week": _iso(window.end),
        "stale": run is not None and services.is_stale(run), "future": services.is_future(window),
        "in_window": services.orders_in_window(run) if run is not None else 0,
        "warn_ratio": setting("WARN_RATIO"), "warn_min": setting("WARN_MIN_ORDERS"),
        "may_see_monthly": request.user.role in MONTHLY_ROLES,
    }, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One hot spot and the orders in it that this person may see.

    A spot that a later computation of its window no longer finds still answers (links to it never die),
    with a message that it is no longer a hot spot and the figures it had when last listed.
    """
    _allow(request, HOTSPOT_ROLES)
    spot = get_object_or_404(Hotspot.objects.select_related("run"), pk=pk)
    if not spot.is_current:
        messages.warning(request, _no_longer_hot(spot.run.kind))
    spot.title, spot.place = scrub_public_text(spot.title), scrub_public_text(spot.place)  # shown, never saved
    member_ids = list(spot.members.values_list("ticket_id", flat=True))
    orders = list(Ticket.objects.visible_to(request.user).filter(pk__in=member_ids)
                  .select_related("category", "district", "street").order_by("registered_at", "id"))
    for order in orders:  # titles read as the order list reads them (numbers, withheld names masked)
        order.title_shown = text_for(order.title, order, request.user)
    window, back = _own_window(request, spot)
    return render(request, "hotspots/detail.html", {"spot": spot, "orders": orders, "window_label": window,
                                                    "back": back, "is_month": spot.run.kind == RunKind.MONTH,
                                                    "theme": themes_of_hotspots({spot.pk: member_ids}).get(spot.pk),
                                                    "may_adopt": request.user.role in ADOPT_ROLES})


def _no_longer_hot(kind: str) -> str:
    """What a spot's page says when the latest computation of its window no longer finds it."""
    if kind == RunKind.WEEK:
        return _("本周已不再是热点：以下是它最后一次列为热点时的数据和工单。")
    if kind == RunKind.MONTH:
        return _("本月已不再是热点：以下是它最后一次列为热点时的数据和工单。")
    return _("本期已不再是热点：以下是它最后一次列为热点时的数据和工单。")


def _own_window(request: HttpRequest, spot: Hotspot) -> tuple[str, str]:
    """The label of the hot spot's own window and the page listing that window's hot spots."""
    run = spot.run
    start = run.start.astimezone(services.LOCAL)
    if run.kind == RunKind.MONTH:
        month = f"{start:%Y-%m}"
        if request.user.role in MONTHLY_ROLES:
            return month, f"{reverse('hotspots-monthly')}?month={month}"
        return month, f"{reverse('hotspots-weekly')}?week={_iso(run.start)}"
    if run.kind == RunKind.WEEK:
        return _iso(run.start), f"{reverse('hotspots-weekly')}?week={_iso(run.start)}"
    last = run.end.astimezone(services.LOCAL) - timedelta(seconds=1)
    return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}", f"{reverse('hotspots-weekly')}?week={_iso(run.start)}"


@login_required
@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    """每月一题 candidates: the month's hottest persistent problems, for leaders."""
    _allow(request, MONTHLY_ROLES)
    window, status = _window(request, services.month_window, request.GET.get("month"))
    window, run, candidates = selectors.monthly_candidates(f"{window.start:%Y-%m}")
    # Matched by their orders: a theme taken on from an earlier computation of the month still counts.
    themes = themes_of_hotspots({c.id: c.ticket_ids for c in candidates if c.id is not None})
    return render(request, "hotspots/monthly.html", {
        "window": window, "run": run, "candidates": [Candidate(c, themes.get(c.id)) for c in candidates],
        "month": f"{window.start:%Y-%m}", "min_weeks": setting("MONTHLY_MIN_WEEKS"),
        "future": services.is_future(window), "may_adopt": request.user.role in ADOPT_ROLES,
    }, status=status)


@login_required
@require_GET
def seasonal(request: HttpRequest) -> HttpResponse:
    """季节性预警: what rose in the coming weeks of past years, to act before anyone calls (未诉先办)."""
    _allow(request, HOTSPOT_ROLES)
    status = 200
    try:
        start, days = seasonal_reader.parse_window(request.GET.get("start"), request.GET.get("days"))
    except seasonal_reader.SeasonalInputError as error:
        messages.error(request, str(error))
        start, days = seasonal_reader.parse_window(None, None)
        status = 400
    found = seasonal_reader.report(start, days)
    may_raise = may_register(request.user)
    last = found.years[0] if found.years else None
    raised = seasonal_reader.raised(found) if found.groups else {}

    def actions(row: seasonal_reader.Row) -> dict[str, Any]:
        n = raised.get((row.category_id, row.district_id), 0)
        return {"row": row, "orders_url": seasonal_reader.orders_url(row, last) if last else "",
                "intake_url": seasonal_reader.intake_url(row, found) if may_raise and row.season.is_warning else "",
                "raised": n, "raised_url": seasonal_reader.raised_url(row, found) if n else ""}

    groups = [{"group": g, "city": actions(g.city), "districts": [actions(r) for r in g.districts]}
              for g in found.groups]
    return render(request, "hotspots/seasonal.html", {
        "report": found, "groups": groups, "last": last, "days_options": (14, 30, 60, 90),
    }, status=status)
