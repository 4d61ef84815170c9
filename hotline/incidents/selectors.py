"""Reads of incidents (突发事件): the published ones as matching needs them, a caller's matter from an order or
from the intake form, the list, the calls of one incident, the portal's notices and an order's incidents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from hotline.core import clock, memo
from hotline.incidents.choices import IncidentStatus, LinkHow
from hotline.incidents.constants import HOURS_SHOWN, MATCH_TEXT_MAX_LENGTH, ORDERS_SHOWN, PORTAL_NOTICES
from hotline.incidents.matching import LiveIncident, Matter, place_names
from hotline.incidents.models import Incident, IncidentOrder
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel
from hotline.tickets.models import Ticket

#: The unit kinds an incident's areas may be, and the order they are looked at on a matter (most precise first).
AREA_KINDS = (UnitKind.COMMUNITY, UnitKind.STREET, UnitKind.DISTRICT)
#: The list's order: published first, then drafts, then ended ones.
_STATUS_RANK = Case(When(status=IncidentStatus.PUBLISHED, then=Value(0)),
                    When(status=IncidentStatus.DRAFT, then=Value(1)), default=Value(2), output_field=IntegerField())


# --- matching --------------------------------------------------------------------------------------------


def _live(incident: Incident) -> LiveIncident:
    areas = list(incident.areas.all())
    return LiveIncident(
        id=incident.pk, title=incident.title, script=incident.script, keywords=tuple(incident.keyword_list),
        category_id=incident.category_id, area_paths=tuple(a.path for a in areas),
        area_names=tuple(name for a in areas for name in place_names(a.name)), starts_at=incident.starts_at,
        expected_end=incident.expected_end, lead_unit=incident.lead_unit.name if incident.lead_unit else "")


def _read_published() -> list[LiveIncident]:
    rows = (Incident.objects.filter(status=IncidentStatus.PUBLISHED).select_related("lead_unit")
            .prefetch_related("areas").order_by("starts_at", "pk"))
    return [_live(row) for row in rows]


def published_incidents() -> list[LiveIncident]:
    """Every published incident (a handful at any time: two queries), read once per follow-up scope."""
    return memo.once("incidents.published", _read_published)


def _category_ids(category: Category | None) -> list[int]:
    return [c.pk for c in category.ancestors_and_self()] if category is not None else []


def matter_of_ticket(ticket: Ticket) -> Matter:
    """The matter of a registered order (load it with `community`, `street`, `district`, `category__parent__parent`)."""
    place = ticket.community or ticket.street or ticket.district
    return Matter.of(title=ticket.title, description=ticket.description, address=ticket.address,
                     place_path=place.path if place else "", category_ids=_category_ids(ticket.category))


def _id(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 12 else None


def _text(value: Any) -> str:
    return str(value or "").replace("\x00", "")[:MATCH_TEXT_MAX_LENGTH]


def matter_from_form(params: Mapping[str, Any]) -> Matter:
    """The matter as the intake form holds it now (title, description, address, district/street/community and
    category ids as typed); anything unreadable or unknown is left out, never an error."""
    picked = {kind: _id(params.get(name)) for kind, name in
              ((UnitKind.COMMUNITY, "community"), (UnitKind.STREET, "street"), (UnitKind.DISTRICT, "district"))}
    wanted = [pk for pk in picked.values() if pk is not None]
    units = {u.pk: u for u in HandlingUnit.objects.filter(pk__in=wanted, kind__in=AREA_KINDS)} if wanted else {}
    place = next((units[pk] for kind, pk in picked.items() if pk in units and units[pk].kind == kind), None)
    category_id = _id(params.get("category"))
    category = (Category.objects.select_related("parent__parent").filter(pk=category_id).first()
                if category_id is not None else None)
    return Matter.of(title=_text(params.get("title")), description=_text(params.get("description")),
                     address=_text(params.get("address")), place_path=place.path if place else "",
                     category_ids=_category_ids(category))


def ticket_for_matching(ticket_id: int) -> Ticket | None:
    """The order with what matching reads of it (one query)."""
    return (Ticket.objects.select_related("community", "street", "district", "category__parent__parent")
            .filter(pk=ticket_id).first())


# --- pages -----------------------------------------------------------------------------------------------


def incident_list(status: str = "") -> QuerySet[Incident]:
    """The incidents, published first, then drafts, then ended ones (latest start first within each), with
    their call counts; `status` narrows to one status."""
    rows = Incident.objects.select_related("lead_unit").annotate(calls=Count("orders"), rank=_STATUS_RANK)
    if status in IncidentStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("rank", "-starts_at", "-pk")


def status_counts() -> dict[str, int]:
    """How many incidents there are in each status."""
    found = dict(Incident.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: found.get(value, 0) for value in IncidentStatus.values}


def is_live(incident: Incident, at: datetime | None = None) -> bool:
    """Whether the incident matches calls now: published and begun (it stays live past its expected end until
    someone ends it; see `matching.in_window`)."""
    at = at or clock.now()
    return incident.status == IncidentStatus.PUBLISHED and incident.starts_at <= at


def has_overrun(incident: Incident, at: datetime | None = None) -> bool:
    """Whether a published incident's expected end has passed (the desk should update the script or end it)."""
    at = at or clock.now()
    return (incident.status == IncidentStatus.PUBLISHED and incident.expected_end is not None
            and at > incident.expected_end)


@dataclass(frozen=True)
class HourRow:
    """Calls registered in one hour (local time)."""

    hour: datetime
    calls: int


@dataclass(frozen=True)
class CallStats:
    """An incident's calls (事件来电): how many, how many answered by the script, by channel, by hour, the latest."""

    total: int
    by_script: int
    manual: int
    by_channel: list[tuple[str, int]]
    by_hour: list[HourRow]
    recent: list[IncidentOrder]


def _by_hour(incident: Incident, now: datetime) -> list[HourRow]:
    """Calls per local hour over the last `HOURS_SHOWN` hours, from the first hour with a call to now."""
    current = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    since = current - timedelta(hours=HOURS_SHOWN - 1)
    moments = (IncidentOrder.objects.filter(incident=incident, ticket__registered_at__gte=since)
               .values_list("ticket__registered_at", flat=True))
    counts = Counter(timezone.localtime(m).replace(minute=0, second=0, microsecond=0) for m in moments)
    if not counts:
        return []
    hour, rows = min(counts), []
    while hour <= current:
        rows.append(HourRow(hour, counts.get(hour, 0)))
        hour += timedelta(hours=1)
    return rows


def call_stats(incident: Incident, now: datetime | None = None) -> CallStats:
    """The calls of one incident (five queries). Only centre staff read incidents, and they see every order."""
    now = now or clock.now()
    links = IncidentOrder.objects.filter(incident=incident)
    totals = links.aggregate(total=Count("pk"), by_script=Count("pk", filter=Q(by_script=True)),
                             manual=Count("pk", filter=Q(how=LinkHow.MANUAL)))
    channels = dict(links.order_by().values_list("ticket__channel").annotate(n=Count("pk")))
    by_channel = [(str(label), channels[value]) for value, label in Channel.choices if channels.get(value)]
    recent = list(links.select_related("ticket", "linked_by").order_by("-ticket__registered_at", "-pk")
                  [:ORDERS_SHOWN])
    return CallStats(total=totals["total"], by_script=totals["by_script"], manual=totals["manual"],
                     by_channel=by_channel, by_hour=_by_hour(incident, now), recent=recent)


def links_of(ticket: Ticket) -> list[IncidentOrder]:
    """The incidents an order is counted for, with each incident (one query)."""
    return list(IncidentOrder.objects.filter(ticket=ticket).select_related("incident").order_by("linked_at", "pk"))


# --- the portal ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicNotice:
    """What citizens see of an incident on the portal (公告): never the script, keywords or calls."""

    title: str
    notice: str
    starts_at: datetime
    expected_end: datetime | None
    started: bool


def public_notices(now: datetime | None = None) -> list[PublicNotice]:
    """Published incidents with a public notice (planned outages that have not started yet included, and those
    past their expected end: still published means still going on), soonest first."""
    now = now or clock.now()
    rows = (Incident.objects.filter(status=IncidentStatus.PUBLISHED)
            .exclude(public_notice="")
            .order_by("starts_at", "pk").values_list("title", "public_notice", "starts_at", "expected_end"))
    return [PublicNotice(title, notice, starts, end, starts <= now)
            for title, notice, starts, end in rows[:PORTAL_NOTICES]]
