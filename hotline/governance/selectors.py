"""Reading governance themes (每月一题) for the pages: the list, one theme's orders, a hot spot's prefill."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.privacy import scrub_public_text
from hotline.governance.choices import OPEN_THEME, ThemeAction, ThemeStatus
from hotline.governance.models import Theme, ThemeEvent
from hotline.hotspots.models import Hotspot
from hotline.tickets.choices import AssignmentRole, AssignmentStatus
from hotline.tickets.models import Assignment, Ticket


def _visible(user: User, *, status: str = "", month: date | None = None) -> QuerySet[Theme]:
    themes = Theme.objects.filter(pk__in=Theme.objects.visible_to(user).values("pk"))
    if status:
        themes = themes.filter(status=status)
    if month is not None:
        themes = themes.filter(month=month.replace(day=1))
    return themes


def themes_for(user: User, *, status: str = "", month: date | None = None) -> QuerySet[Theme]:
    """The themes this person may see (of one status and month when given), with their last step.

    Each row carries `last_action` and `last_at` (its latest event) from subqueries: one query for any
    number of rows.
    """
    last = ThemeEvent.objects.filter(theme=OuterRef("pk")).order_by("-seq")
    return (_visible(user, status=status, month=month).select_related("lead")
            .annotate(last_action=Subquery(last.values("action")[:1]), last_at=Subquery(last.values("at")[:1]))
            .order_by("-month", "-id"))


def status_counts(user: User, *, month: date | None = None) -> dict[str, int]:
    """How many of the themes this person may see (of the month, when given) stand in each status."""
    found = dict(_visible(user, month=month).order_by().values_list("status").annotate(n=Count("pk")))
    return {status: found.get(status, 0) for status in ThemeStatus.values}


def mark_rows(themes: list[Theme], today: date | None = None) -> list[Theme]:
    """Set `overdue` (open and past its deadline) and `last_label` (the last step's name) on each row."""
    today = today or timezone.localdate(clock.now())
    for theme in themes:
        theme.overdue = theme.status in OPEN_THEME and theme.due_date < today
        theme.last_label = ThemeAction(theme.last_action).label if theme.last_action else ""
    return themes


def is_overdue(theme: Theme) -> bool:
    """Still open and past its deadline (整改时限)."""
    return theme.status in OPEN_THEME and theme.due_date < timezone.localdate(clock.now())


@dataclass
class LinkedOrders:
    """A theme's linked orders this person may see, and how many others there are."""

    shown: list[Ticket]
    hidden: int


def linked_orders(theme: Theme, user: User) -> LinkedOrders:
    """The theme's orders that this person may open (`Ticket.objects.visible_to`); the rest are only counted."""
    linked = theme.orders.all()
    shown = list(Ticket.objects.visible_to(user).filter(pk__in=linked.values("pk"))
                 .select_related("category", "district", "street").order_by("registered_at", "id"))
    return LinkedOrders(shown=shown, hidden=linked.count() - len(shown))


def themes_of_hotspots(ids: list[int]) -> dict[int, Theme]:
    """The theme taken on from each of these hot spots (a cancelled one does not count), by hot spot id."""
    found: dict[int, Theme] = {}
    for theme in (Theme.objects.filter(hotspot_id__in=ids).exclude(status=ThemeStatus.CANCELLED)
                  .only("id", "hotspot_id", "title", "status").order_by("id")):
        found.setdefault(theme.hotspot_id, theme)
    return found


@dataclass
class Prefill:
    """What the adopt form starts from when a theme is taken on from a hot spot."""

    initial: dict = field(default_factory=dict)
    order_ids: list[int] = field(default_factory=list)


def _most_common(values: list[int | None]) -> int | None:
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)  # a tie: the lowest id, so the choice is stable


def prefill_from_hotspot(spot: Hotspot) -> Prefill:
    """The adopt form filled from a hot spot: its title and problem (counts, place, month), the category
    and district most of its orders have, and the unit that led most of them."""
    order_ids = list(spot.members.order_by("ticket_id").values_list("ticket_id", flat=True))
    rows = list(Ticket.objects.filter(pk__in=order_ids).values_list("category_id", "district_id"))
    leads = list(Assignment.objects.filter(ticket_id__in=order_ids, role=AssignmentRole.LEAD)
                 .exclude(status__in=[AssignmentStatus.RETURNED, AssignmentStatus.WITHDRAWN])
                 .filter(unit__is_active=True).values_list("ticket_id", "unit_id").distinct())
    month = timezone.localtime(spot.run.start).date().replace(day=1)
    title, place = scrub_public_text(spot.title), scrub_public_text(spot.place)
    problem = _("%(month)s 热点问题「%(title)s」：共 %(orders)s 件工单、%(people)s 位诉求人。") % {
        "month": f"{month:%Y-%m}", "title": title, "orders": spot.orders, "people": spot.people}
    if place:
        problem += _("地点/人群：%(place)s。") % {"place": place}
    initial = {"title": title[:200], "problem": problem, "month": month, "hotspot": spot.pk,
               "category": _most_common([c for c, _d in rows]), "district": _most_common([d for _c, d in rows]),
               "lead": _most_common([unit for _t, unit in leads])}
    return Prefill(initial={k: v for k, v in initial.items() if v is not None}, order_ids=order_ids)
