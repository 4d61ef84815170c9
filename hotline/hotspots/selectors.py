"""Reading hot spots (热点问题): the interface the bulletin and dashboards call, and the pages' queries."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import IntegrityError
from django.db.models import Prefetch

from hotline.core.privacy import scrub_public_text
from hotline.hotspots import services
from hotline.hotspots.choices import RunKind
from hotline.hotspots.constants import setting
from hotline.hotspots.models import Hotspot, HotspotMember, HotspotRun
from hotline.hotspots.services import Window


@dataclass(frozen=True)
class HotspotView:
    """One hot issue as other apps see it."""

    rank: int
    heat: float
    title: str
    place: str
    first_at: datetime
    last_at: datetime
    orders: int
    people: int
    growth: float | None
    ticket_ids: list[int] = field(default_factory=list)
    is_warning: bool = False
    weeks_active: int = 1
    previous_orders: int = 0
    id: int | None = None
    #: The place among the run's hot spots, when `rank` numbers something else (每月一题 candidates).
    run_rank: int | None = None


def _view(spot: Hotspot) -> HotspotView:
    """The hot spot as shown anywhere (title and place scrubbed again: runs stored before scrubbing, or
    before names were masked)."""
    return HotspotView(
        rank=spot.rank, heat=spot.heat, title=scrub_public_text(spot.title), place=scrub_public_text(spot.place), first_at=spot.first_at,
        last_at=spot.last_at, orders=spot.orders, people=spot.people, growth=spot.growth,
        ticket_ids=sorted(member.ticket_id for member in spot.members.all()), is_warning=spot.is_warning,
        weeks_active=spot.weeks_active, previous_orders=spot.previous_orders, id=spot.pk,
    )


def _kind(start: datetime, end: datetime) -> str:
    days = (end - start).days
    if days == 7 and start.astimezone(services.LOCAL).weekday() == 0:
        return RunKind.WEEK
    if start.astimezone(services.LOCAL).day == 1 and 28 <= days <= 31:
        return RunKind.MONTH
    return RunKind.CUSTOM


def ensure_run(window: Window, *, max_orders: int | None = None) -> HotspotRun | None:
    """The window's stored run, computed when missing or stale (two pages racing share one result)."""
    try:
        return services.run_for(window, max_orders=max_orders)
    except IntegrityError:  # another process stored the same window at the same moment
        return HotspotRun.objects.filter(start=window.start, end=window.end).first()


def hotspots_of(run: HotspotRun | None, limit: int | None = None) -> list[HotspotView]:
    """The run's current hot spots, hottest first, with their orders' ids (two queries).

    Spots an earlier computation found and the latest no longer does are kept (their links keep working)
    but not listed.
    """
    if run is None:
        return []
    spots = (run.hotspots.filter(is_current=True).order_by("rank")
             .prefetch_related(Prefetch("members", queryset=HotspotMember.objects.only("hotspot_id", "ticket_id"))))
    if limit is not None:
        spots = spots[:limit]
    return [_view(spot) for spot in spots]


def top_hotspots(start: datetime, end: datetime, limit: int = 5) -> list[HotspotView]:
    """The hottest issues among the orders registered in [start, end), from a stored run (computed if missing).

    Orders of the window just before [start, end) are clustered too, to measure growth.
    """
    run = ensure_run(Window(start, end, _kind(start, end)))
    return hotspots_of(run, limit)


def weekly(week: str | None = None) -> tuple[Window, HotspotRun | None]:
    """The week's window and its run; a page computes it only up to PAGE_COMPUTE_MAX_ORDERS orders."""
    window = services.week_window(week)
    return window, ensure_run(window, max_orders=int(setting("PAGE_COMPUTE_MAX_ORDERS")))


def monthly_candidates(month: str | None = None) -> tuple[Window, HotspotRun | None, list[HotspotView]]:
    """每月一题 candidates: the month's hottest issues that came up in at least MONTHLY_MIN_WEEKS weeks.

    Ranked by heat × (1 + 0.25 × (weeks − 1)), so that persistent problems come first; a candidate's
    `rank` is its place in that order (1, 2, …); `run_rank` its place among the month's hot spots (the rank
    its detail page shows).
    """
    window = services.month_window(month)
    run = ensure_run(window, max_orders=int(setting("PAGE_COMPUTE_MAX_ORDERS")))
    persistent = [view for view in hotspots_of(run) if view.weeks_active >= int(setting("MONTHLY_MIN_WEEKS"))]
    persistent.sort(key=lambda v: (-v.heat * (1 + 0.25 * (v.weeks_active - 1)), v.rank))
    chosen = persistent[: int(setting("MONTHLY_CANDIDATES"))]
    return window, run, [replace(view, rank=number, run_rank=view.rank) for number, view in enumerate(chosen, start=1)]
