"""Computing and storing the hot spots (热点问题) of a window of orders.

A run covers [start, end). Orders of that window and of the window of the same length before it
are clustered together (`hotline.intelligence.hotspots`), so that each cluster's growth compares
this window with the previous one; only clusters with orders in this window become hot spots, and
their figures count this window's orders only. "People" are distinct caller phones (an order without
a phone counts as its own person); "supports" are 0 (the platform records no likes). Confidential
orders (保密件), praise (表扬) and the centre's own proactive orders (主动发现, 未诉先办: nobody's demand)
are left out. A hot spot's title and place are taken from what callers wrote, so phone and identity
card numbers and citizens' full names (业主李建国 → 业主李**) in them are masked (`scrub_public_text`)
before they are stored.

Recomputing a window updates its run in place (`compute`): a cluster that continues a stored hot spot
(`match_spots`, by shared orders) keeps that row and id, new clusters are added, and a stored spot no
longer found stays, marked not current, so that no link shown on a page ever dies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Left
from django.utils.translation import gettext as _

from hotline.core import clock
from hotline.core.privacy import scrub_public_text
from hotline.hotspots.choices import RunKind
from hotline.hotspots.constants import setting
from hotline.hotspots.models import Hotspot, HotspotMember, HotspotRun
from hotline.intelligence.hotspots import HotspotParams, Message, cluster, issue_of, rank
from hotline.taxonomy.choices import RequestType
from hotline.tickets.models import Ticket

LOCAL = ZoneInfo("Asia/Shanghai")
BODY_CHARS = 600
#: Above this many orders in the two windows, orders are clustered per district (blocks).
BLOCK_BY_DISTRICT_ABOVE = 6000
#: The figures a recomputation updates on a hot spot it finds again.
UPDATED_FIELDS = ("rank", "heat", "title", "place", "first_at", "last_at", "orders", "people", "supports",
                  "previous_orders", "growth", "weeks_active", "is_warning")
#: The years a week or month may be asked for (the window before it and after it must stay in range).
MIN_YEAR, MAX_YEAR = 2000, 2100


class WindowError(ValueError):
    """A week (YYYY-Www) or month (YYYY-MM) that cannot be read."""


@dataclass(frozen=True)
class Window:
    """A period of time [start, end) in Beijing time, with its kind."""

    start: datetime
    end: datetime
    kind: str = RunKind.CUSTOM

    @property
    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - (self.end - self.start), self.start, self.kind)


def _check_year(year: int, value: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WindowError(_("%(value)s 超出范围（年份须在 %(low)s 至 %(high)s 之间）")
                          % {"value": value, "low": MIN_YEAR, "high": MAX_YEAR})


def week_window(value: str | None = None) -> Window:
    """The ISO week `YYYY-Www` (Monday 00:00 to Monday 00:00, Beijing time); default: this week.

    WindowError for anything else, and for a year outside MIN_YEAR–MAX_YEAR.
    """
    if value:
        try:
            year, week = value.upper().split("-W")
            monday = date.fromisocalendar(int(year), int(week), 1)
        except ValueError as error:
            raise WindowError(_("无法识别的周 %(value)s（格式：2025-W10）") % {"value": value}) from error
        _check_year(monday.year, value)
    else:
        today = clock.now().astimezone(LOCAL).date()
        monday = today - timedelta(days=today.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=LOCAL)
    return Window(start, start + timedelta(days=7), RunKind.WEEK)


def month_window(value: str | None = None) -> Window:
    """The month `YYYY-MM` (Beijing time); default: this month.

    WindowError for anything else, and for a year outside MIN_YEAR–MAX_YEAR.
    """
    if value:
        try:
            year, month = (int(part) for part in value.split("-"))
            first = date(year, month, 1)
        except ValueError as error:
            raise WindowError(_("无法识别的月份 %(value)s（格式：2025-03）") % {"value": value}) from error
        _check_year(first.year, value)
    else:
        first = clock.now().astimezone(LOCAL).date().replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Window(datetime(first.year, first.month, 1, tzinfo=LOCAL),
                  datetime(following.year, following.month, 1, tzinfo=LOCAL), RunKind.MONTH)


def candidate_orders(start: datetime, end: datetime) -> QuerySet[Ticket]:
    """Orders registered in [start, end) that hot-spot mining considers: citizens' demand only."""
    return (Ticket.objects.filter(registered_at__gte=start, registered_at__lt=end, is_confidential=False)
            .exclude(request_type=RequestType.PRAISE).from_citizens())


def _messages(window: Window) -> list[Message]:
    """The orders of the window and of the previous one, as messages to cluster."""
    rows = (candidate_orders(window.previous.start, window.end)
            .annotate(body=Left("description", BODY_CHARS))
            .order_by("registered_at", "id")
            .values_list("id", "title", "body", "registered_at", "caller_phone", "address",
                         "community__name", "street__name", "district_id"))
    rows = list(rows)
    by_district = len(rows) > BLOCK_BY_DISTRICT_ABOVE
    return [
        Message(id=str(pk), title=title, body=body or "", at=at, user=phone or "",
                block=str(district or "") if by_district else "",
                place_hint=" ".join(filter(None, [address, community, street])))
        for pk, title, body, at, phone, address, community, street, district in rows
    ]


def params_for(window: Window) -> HotspotParams:
    """Clustering and heat parameters for a window: growth and half-life follow its length."""
    days = (window.end - window.start).total_seconds() / 86_400
    return HotspotParams(max_span_days=None, growth_window_days=days, half_life_days=max(days, 1.0))


def _iso_weeks(moments: list[datetime]) -> int:
    return len({moment.astimezone(LOCAL).isocalendar()[:2] for moment in moments})


@dataclass(frozen=True)
class Found:
    """A window's hot spots as just computed, before they are stored, hottest first."""

    read_at: datetime  # when the orders were read (stored as the run's `computed_at`)
    orders_considered: int
    spots: list[dict[str, Any]]  # Hotspot field values (UPDATED_FIELDS) and "ticket_ids", a set of order ids
    began: float  # time.monotonic() when computing began


def _cluster(window: Window) -> Found:
    """Cluster the window's orders and rank the hot spots (reads only; nothing is stored)."""
    began, read_at = time.monotonic(), clock.now()
    messages = _messages(window)
    params = params_for(window)
    as_of = min(window.end, max(read_at, window.start))
    ratio, minimum = float(setting("WARN_RATIO")), int(setting("WARN_MIN_ORDERS"))
    found = []
    for group in cluster(messages, params) if messages else []:
        members = [messages[i] for i in group]
        current = [m for m in members if m.at >= window.start]
        previous = len(members) - len(current)
        issue = issue_of(current, as_of=as_of, params=params, growth=(len(current) + 1) / (previous + 1))
        if issue is not None:
            warning = len(current) >= minimum and len(current) >= ratio * max(previous, 1)
            found.append((issue, previous, warning))
    ranked = rank([issue for issue, _, _ in found])[: int(setting("KEEP_PER_RUN"))]
    extra = {id(issue): (previous, warning) for issue, previous, warning in found}
    spots = []
    for issue in ranked:
        previous, warning = extra[id(issue)]
        spots.append({
            "rank": issue.rank, "heat": issue.heat, "title": scrub_public_text(issue.description)[:200],
            "place": scrub_public_text(issue.place_people)[:200], "first_at": issue.first_at,
            "last_at": issue.last_at, "orders": issue.orders, "people": issue.people, "supports": issue.supports,
            "previous_orders": previous, "growth": round(issue.orders / previous, 3) if previous else None,
            "weeks_active": _iso_weeks([m.at for m in issue.members]), "is_warning": warning,
            "ticket_ids": {int(m.id) for m in issue.members},
        })
    return Found(read_at=read_at, orders_considered=len(messages), spots=spots, began=began)


def compute(window: Window) -> HotspotRun:
    """Cluster the window's orders, rank the hot spots and store them, updating the window's run in place.

    A hot spot found again keeps its id (`match_spots`), so links to it and a theme's `hotspot` stay
    valid; one no longer found is kept, marked not current. Two processes computing the same window at
    once are serialised on the run's row; the later one does not overwrite a newer result.
    """
    return _store(window, _cluster(window))


def match_spots(old: list[tuple[int, set[int]]], new: list[set[int]]) -> dict[int, int]:
    """Which stored hot spot each newly found cluster continues: new cluster's index → stored spot's id.

    The stable key is the set of member orders (a cluster's title, place and heat move as orders come in;
    its orders stay). A pair qualifies when the new cluster holds at least half of the stored spot's orders
    (the rule `governance.selectors.themes_of_hotspots` uses to call a spot taken on). Pairs are taken
    greedily, most shared orders first, then the hotter new cluster, then the stored spot listed first in
    `old` (callers list current spots first, by rank); each spot and each cluster is used at most once.
    Deterministic: the same clusters get the same ids, recomputed any number of times.
    """
    pairs = []
    for position, (spot_id, members) in enumerate(old):
        for index, tickets in enumerate(new):
            shared = len(members & tickets)
            if shared and 2 * shared >= len(members):
                pairs.append((-shared, index, position, spot_id))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _shared, index, _position, spot_id in sorted(pairs):
        if index not in matched and spot_id not in used:
            matched[index] = spot_id
            used.add(spot_id)
    return matched


def _locked_run(window: Window, read_at: datetime) -> tuple[HotspotRun, bool]:
    """The window's run, locked for this transaction (created if missing), and whether it was just created.

    PostgreSQL: the row is locked (`select_for_update`); two processes creating it at once meet on the
    unique (start, end) constraint and the loser locks the winner's row. SQLite: the transaction began
    IMMEDIATE (settings), so writers are already serialised.
    """
    runs = HotspotRun.objects.select_for_update().filter(start=window.start, end=window.end)
    run = runs.first()
    if run is not None:
        return run, False
    try:
        with transaction.atomic():
            return HotspotRun.objects.create(kind=window.kind, start=window.start, end=window.end,
                                             computed_at=read_at), True
    except IntegrityError:  # created by another process meanwhile: wait for it, then use it
        return runs.get(), False


def _store(window: Window, found: Found) -> HotspotRun:
    """Store what `_cluster` found as the window's run, in place; a newer result stored meanwhile is kept."""
    with transaction.atomic():
        run, created = _locked_run(window, found.read_at)
        if not created and run.computed_at > found.read_at:
            return run
        _update_spots(run, found.spots)
        run.kind, run.computed_at, run.orders_considered = window.kind, found.read_at, found.orders_considered
        run.duration_ms = int((time.monotonic() - found.began) * 1000)
        run.save(update_fields=["kind", "computed_at", "orders_considered", "duration_ms"])
    return run


def _update_spots(run: HotspotRun, found: list[dict[str, Any]]) -> None:
    """Bring the run's hot spots to what was found: matched spots get the new figures and members, new
    clusters become spots, current spots not found again are kept with `is_current` off."""
    spots = sorted(run.hotspots.all(), key=lambda spot: (not spot.is_current, spot.rank, spot.pk))
    members: dict[int, dict[int, int]] = {spot.pk: {} for spot in spots}  # spot → order → member row
    for pk, spot_id, ticket_id in (HotspotMember.objects.filter(hotspot__run=run)
                                   .values_list("pk", "hotspot_id", "ticket_id")):
        members[spot_id][ticket_id] = pk
    matched = match_spots([(spot.pk, set(members[spot.pk])) for spot in spots],
                          [values["ticket_ids"] for values in found])
    by_id = {spot.pk: spot for spot in spots}
    changed, gone_members, new_members = [], [], []
    for index, values in enumerate(found):
        fields = {name: values[name] for name in UPDATED_FIELDS}
        spot = by_id.get(matched.get(index, 0))
        if spot is None:
            spot, have = Hotspot.objects.create(run=run, **fields), {}
        else:
            for name, value in fields.items():
                setattr(spot, name, value)
            spot.is_current, have = True, members[spot.pk]
            changed.append(spot)
        gone_members += [pk for ticket_id, pk in have.items() if ticket_id not in values["ticket_ids"]]
        new_members += [HotspotMember(hotspot=spot, ticket_id=ticket_id)
                        for ticket_id in sorted(values["ticket_ids"] - set(have))]
    kept = set(matched.values())
    for spot in spots:
        if spot.is_current and spot.pk not in kept:
            spot.is_current = False  # no longer a hot spot: kept, so that links to it keep answering
            changed.append(spot)
    Hotspot.objects.bulk_update(changed, [*UPDATED_FIELDS, "is_current"])
    HotspotMember.objects.filter(pk__in=gone_members).delete()
    HotspotMember.objects.bulk_create(new_members)


def orders_in_window(run: HotspotRun) -> int:
    """How many of the run's clustered orders lie in its own window (the rest are the previous window's,
    clustered only to measure growth), counted up to when the run was computed."""
    return candidate_orders(run.start, min(run.end, run.computed_at)).count()


def is_future(window: Window) -> bool:
    """Whether the window starts after now (nothing to mine yet)."""
    return window.start > clock.now()


def is_stale(run: HotspotRun) -> bool:
    """A run is stale if computed before its window ended and older than STALE_AFTER_SECONDS."""
    if run.computed_at >= run.end:
        return False
    return (clock.now() - run.computed_at).total_seconds() > float(setting("STALE_AFTER_SECONDS"))


def run_for(window: Window, *, max_orders: int | None = None) -> HotspotRun | None:
    """The stored run of the window, computed first if missing or stale.

    With `max_orders`, a window with more candidate orders is not computed here (pages stay fast):
    the stored run, stale or not, is returned, or None. A window that starts after now is never computed.
    """
    run = HotspotRun.objects.filter(start=window.start, end=window.end).first()
    if run is not None and not is_stale(run):
        return run
    if is_future(window):  # a window still to come has no orders: nothing to compute or store
        return run
    if max_orders is not None and candidate_orders(window.previous.start, window.end).count() > max_orders:
        return run
    return compute(window)
