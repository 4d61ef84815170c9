"""Reading governance themes (每月一题) for the pages: the list, one theme's orders, a hot spot's prefill."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.privacy import scrub_public_text
from hotline.governance.choices import OPEN_THEME, ThemeAction, ThemeStatus
from hotline.governance.models import Theme, ThemeEvent
from hotline.governance.sources import keywords_from, window_label
from hotline.hotspots.models import Hotspot
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import LEFT_ASSIGNMENT, AssignmentRole
from hotline.tickets.models import Assignment, Ticket

#: The list's tabs besides the statuses: open themes past their deadline, and (unit staff) the themes
#: where the person's own unit must act.
OVERDUE, MINE = "overdue", "mine"
#: A unit must act (file the plan, report progress, ask for verification) in these statuses.
UNIT_TURN = (ThemeStatus.ADOPTED, ThemeStatus.IN_PROGRESS)
#: Tabs listed by deadline (soonest first) unless asked otherwise; the others latest month first.
BY_DEADLINE = frozenset({ThemeStatus.ADOPTED, ThemeStatus.IN_PROGRESS, ThemeStatus.REPORTED, OVERDUE, MINE})
SORTS = ("due", "month")


def today() -> date:
    """Today in the centre's time zone (the clock may be frozen, as in the demo and tests)."""
    return timezone.localdate(clock.now())


def _visible(user: User, *, month: date | None = None, lead: int | None = None) -> QuerySet[Theme]:
    themes = Theme.objects.filter(pk__in=Theme.objects.visible_to(user).values("pk"))
    if month is not None:
        themes = themes.filter(month=month.replace(day=1))
    if lead is not None:
        themes = themes.filter(lead_id=lead)
    return themes


def _tab(tab: str, user: User) -> Q:
    """The condition of a tab: a status, 已逾期 (open, past the deadline) or 本单位待办."""
    if tab in ThemeStatus.values:
        return Q(status=tab)
    if tab == OVERDUE:
        return Q(status__in=OPEN_THEME, due_date__lt=today())
    if tab == MINE:  # the unit itself (not the units below it) acts: as `services._acting_unit` checks
        return Q(status__in=UNIT_TURN, lead__in=user.units.all()) if user.is_unit_staff else Q(pk__in=[])
    return Q()


def themes_for(user: User, *, tab: str = "", month: date | None = None, lead: int | None = None,
               sort: str = "") -> QuerySet[Theme]:
    """The themes this person may see, of one tab, month and lead unit when given, with their last step.

    Each row carries `last_action` and `last_at` (its latest event) and, for unit staff, `own_role`
    ("lead" when the person's units or units below lead it, else "assist") from subqueries and
    expressions: one query for any number of rows. Sorted by deadline (`sort="due"`, the default of the
    open tabs) or latest month first.
    """
    last = ThemeEvent.objects.filter(theme=OuterRef("pk")).order_by("-seq")
    themes = (_visible(user, month=month, lead=lead).filter(_tab(tab, user)).select_related("lead")
              .annotate(last_action=Subquery(last.values("action")[:1]), last_at=Subquery(last.values("at")[:1])))
    if user.is_unit_staff:
        own = HandlingUnit.objects.subtree_of(list(user.units.all()))
        themes = themes.annotate(own_role=Case(When(lead__in=own, then=Value("lead")), default=Value("assist")))
    sort = sort if sort in SORTS else ("due" if tab in BY_DEADLINE else "month")
    return themes.order_by("due_date", "id") if sort == "due" else themes.order_by("-month", "-id")


def status_counts(user: User, *, month: date | None = None, lead: int | None = None) -> dict[str, int]:
    """How many of the themes this person may see (of the month and lead unit, when given) are in each
    status, overdue (`OVERDUE`) and, for unit staff, their unit's to do (`MINE`): one query."""
    tabs = [*ThemeStatus.values, OVERDUE, *([MINE] if user.is_unit_staff else [])]
    found = _visible(user, month=month, lead=lead).aggregate(
        **{tab: Count("pk", filter=_tab(tab, user)) for tab in tabs})
    return {tab: found[tab] or 0 for tab in tabs}


def lead_units(user: User) -> QuerySet:
    """The units leading any of the themes this person may see (the lead-unit filter's choices)."""
    return HandlingUnit.objects.filter(pk__in=_visible(user).values("lead_id")).order_by("path")


def next_party(theme: Theme) -> str:
    """Who must act next (待办方): the lead unit while it plans or works, the centre while it verifies."""
    if theme.status in UNIT_TURN:
        return theme.lead.name
    if theme.status == ThemeStatus.REPORTED:
        return _("热线中心")
    return ""


def mark(theme: Theme, on: date | None = None) -> Theme:
    """Set on a theme: `overdue` (open and past its deadline), `next_party` (who must act, named by the
    overdue mark), `closed_late` (销号 after the deadline) and `last_label` (the last step's name)."""
    on = on or today()
    theme.overdue = theme.status in OPEN_THEME and theme.due_date < on
    theme.next_party = next_party(theme)
    theme.closed_late = (theme.status == ThemeStatus.CLOSED and theme.closed_at is not None
                         and timezone.localdate(theme.closed_at) > theme.due_date)
    last_action = getattr(theme, "last_action", None)
    theme.last_label = ThemeAction(last_action).label if last_action else ""
    return theme


def mark_rows(themes: list[Theme], on: date | None = None) -> list[Theme]:
    """`mark` every row."""
    on = on or today()
    return [mark(theme, on) for theme in themes]


def own_role(theme: Theme, user: User) -> str:
    """For unit staff: "lead" when their units (or units below) lead the theme, "assist" when they only
    assist; "" for the centre."""
    if not user.is_unit_staff:
        return ""
    own = HandlingUnit.objects.subtree_of(list(user.units.all()))
    return "lead" if own.filter(pk=theme.lead_id).exists() else "assist"


#: A theme's page lists at most this many of its linked orders (the newest); the rest are counted.
LINKED_SHOWN = 100


@dataclass
class LinkedOrders:
    """A theme's linked orders this person may see (the newest LINKED_SHOWN of them), how many they may see
    in all, and how many others there are."""

    shown: list[Ticket]
    visible: int
    hidden: int

    @property
    def cut(self) -> bool:
        """Not every order this person may see is listed."""
        return self.visible > len(self.shown)


def linked_orders(theme: Theme, user: User) -> LinkedOrders:
    """The theme's orders that this person may open (`Ticket.objects.visible_to`), newest first and at most
    LINKED_SHOWN of them; the rest are only counted. At most three queries, whatever their number."""
    linked = theme.orders.all()
    visible = Ticket.objects.visible_to(user).filter(pk__in=linked.values("pk"))
    shown = list(visible.select_related("category", "district", "street")
                 .order_by("-registered_at", "-id")[:LINKED_SHOWN])
    seen = visible.count() if len(shown) == LINKED_SHOWN else len(shown)
    return LinkedOrders(shown=shown, visible=seen, hidden=linked.count() - seen)


@dataclass(frozen=True)
class TakenOn:
    """The theme a hot spot was taken on as (立项): enough to link to it."""

    pk: int
    title: str
    status: str


def themes_of_hotspots(members: dict[int, Iterable[int]]) -> dict[int, TakenOn]:
    """The theme each hot spot (id → its member order ids) is taken on as, by hot spot id.

    A hot spot counts as taken on when at least half its orders are linked to one theme that is open or
    closed (a cancelled one does not count): recomputing a window replaces its hot spots, and the same
    problem comes back as a new row with (mostly) the same orders. The theme with the most of them wins
    (then the oldest). One query for any number of hot spots.
    """
    members = {spot: set(ids) for spot, ids in members.items()}
    wanted = set().union(*members.values()) if members else set()
    if not wanted:
        return {}
    linked: dict[int, set[int]] = defaultdict(set)
    themes: dict[int, TakenOn] = {}
    rows = (Theme.orders.through.objects.filter(ticket_id__in=wanted).exclude(theme__status=ThemeStatus.CANCELLED)
            .values_list("theme_id", "ticket_id", "theme__title", "theme__status"))
    for theme_id, ticket_id, title, status in rows:
        linked[theme_id].add(ticket_id)
        themes[theme_id] = TakenOn(theme_id, title, status)
    found: dict[int, TakenOn] = {}
    for spot, ids in members.items():
        best = max(((len(ids & orders), -theme_id) for theme_id, orders in linked.items()), default=(0, 0))
        if ids and best[0] and 2 * best[0] >= len(ids):
            found[spot] = themes[-best[1]]
    return found


def taken_on(order_ids: Iterable[int]) -> TakenOn | None:
    """The live theme these orders' problem is already taken on as (at least half of them linked to it, as
    `themes_of_hotspots` says for a hot spot), else None. `services.adopt` refuses such orders."""
    return themes_of_hotspots({0: order_ids}).get(0)


@dataclass
class Prefill:
    """What the adopt form starts from when a theme is taken on from a hot spot."""

    initial: dict = field(default_factory=dict)
    order_ids: list[int] = field(default_factory=list)


def _majority(values: list[int | None]) -> int | None:
    """The value more than half of them have (None counts as a value), else None."""
    counts = Counter(values)
    value, n = counts.most_common(1)[0] if counts else (None, 0)
    return value if 2 * n > len(values) else None


def _plurality(values: list[int | None]) -> int | None:
    """The value most of them have (None left out); None on a tie, so nothing is picked at random."""
    ranked = Counter(v for v in values if v is not None).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _common_category(ids: list[int | None]) -> int | None:
    """The deepest category every one of these orders' categories is in (itself, its parent or its
    grandparent: as deep as the effect's `matching` looks); None when they share none."""
    distinct = {c for c in ids if c is not None}
    if not distinct:
        return None
    chains = [[c for c in chain if c is not None] for chain in
              Category.objects.filter(pk__in=distinct).values_list("pk", "parent_id", "parent__parent_id")]
    common = set(chains[0]).intersection(*chains[1:]) if chains else set()
    return next((c for c in chains[0] if c in common), None)


def prefill_from_hotspot(spot: Hotspot) -> Prefill:
    """The adopt form filled from a hot spot: its title and problem (counts, place, month); the category
    and district more than half of its orders have (else the category all of them fall under, else 不限);
    the unit that led most of them (none on a tie); keywords from its title; and, hidden, its orders, title
    and window (kept when the hot spot is recomputed before the form is sent)."""
    order_ids = list(spot.members.order_by("ticket_id").values_list("ticket_id", flat=True))
    rows = list(Ticket.objects.filter(pk__in=order_ids).values_list("category_id", "district_id"))
    leads = list(Assignment.objects.filter(ticket_id__in=order_ids, role=AssignmentRole.LEAD)
                 .exclude(status__in=LEFT_ASSIGNMENT)
                 .filter(unit__is_active=True).values_list("ticket_id", "unit_id").distinct())
    month = timezone.localtime(spot.run.start).date().replace(day=1)
    title, place = scrub_public_text(spot.title), scrub_public_text(spot.place)
    problem = _("%(month)s 热点问题「%(title)s」：共 %(orders)s 件工单、%(people)s 位诉求人。") % {
        "month": f"{month:%Y-%m}", "title": title, "orders": spot.orders, "people": spot.people}
    if place:
        problem += _("地点/人群：%(place)s。") % {"place": place}
    categories = [c for c, _d in rows]
    initial = {"title": title[:200], "problem": problem, "month": month, "hotspot": spot.pk,
               "category": _majority(categories) or _common_category(categories),
               "district": _majority([d for _c, d in rows]),
               "lead": _plurality([unit for _t, unit in leads]),
               "keywords": " ".join(keywords_from(title, place)) or None,
               "source_orders": ",".join(map(str, order_ids)), "source_title": title[:200],
               "source_window": window_label(spot.run)}
    return Prefill(initial={k: v for k, v in initial.items() if v is not None}, order_ids=order_ids)
