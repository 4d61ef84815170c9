"""Reads of the intake page: a caller's earlier orders, category search and the address tree."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Status
from hotline.tickets.constants import MAX_CHASE_NOTE, MAX_SUPPLEMENT
from hotline.tickets.models import Ticket
from hotline.tickets.transitions import OPEN, TRANSITIONS
from hotline.workbench.intake.constants import (
    CALLER_HISTORY_LIMIT,
    CATEGORY_QUERY_MAX_CHARS,
    CATEGORY_QUERY_MAX_WORDS,
    CATEGORY_SEARCH_LIMIT,
    MIN_LOOKUP_DIGITS,
)

#: Characters people type inside phone numbers that are not part of the number.
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
#: +86 / 0086, or a bare 86 in front of an 11-digit mobile number.
_COUNTRY = re.compile(r"^(?:\+86|0086|86(?=1\d{10}$))")

#: The level whose children each address level lists: districts hold streets, streets hold communities.
AREA_CHILD_KIND = {UnitKind.DISTRICT: UnitKind.STREET, UnitKind.STREET: UnitKind.COMMUNITY}

Choices = list[tuple[object, object]]


def normalise_phone(phone: str) -> str:
    """The number as stored: full-width digits folded, spaces, dashes and brackets removed, and the
    country code +86 / 0086 dropped (so that the SMS, the caller history and the duplicate check all see
    13812345678 however it was typed; a landline keeps its trunk 0: +86 731 … → 0731…). A number holding
    a NUL is no number: "" (nothing is looked up with it; PostgreSQL refuses such a parameter)."""
    if "\x00" in (phone or ""):
        return ""
    number = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", phone or ""))
    national = _COUNTRY.sub("", number)
    if national != number and national.isdecimal():
        return national if national.startswith(("0", "1")) else f"0{national}"
    return number


@dataclass
class CallerHistory:
    """What the agent sees about a caller the moment the number is known (来电弹屏)."""

    phone: str
    orders: list[Ticket] = field(default_factory=list)
    open_orders: list[Ticket] = field(default_factory=list)
    total: int = 0

    #: The longest texts the pop-up's forms take (the services' limits: 催办 500, 补充 2,000 characters).
    note_limit: ClassVar[int] = MAX_CHASE_NOTE
    text_limit: ClassVar[int] = MAX_SUPPLEMENT

    @property
    def looked_up(self) -> bool:
        """True when the number was long enough to look up."""
        return len(self.phone) >= MIN_LOOKUP_DIGITS


def caller_history(user: User, phone: str, *, limit: int = CALLER_HISTORY_LIMIT) -> CallerHistory:
    """The caller's earlier orders this person may see, newest first, and those still open."""
    phone = normalise_phone(phone)
    history = CallerHistory(phone=phone)
    if not history.looked_up:
        return history
    mine = Ticket.objects.visible_to(user).filter(caller_phone=phone)
    newest = ("-registered_at", "-id")
    history.orders = list(mine.select_related("category").order_by(*newest)[:limit])
    history.total = mine.count() if len(history.orders) == limit else len(history.orders)
    history.open_orders = list(mine.filter(status__in=OPEN).select_related("category").order_by(*newest)[:limit])
    for ticket in history.open_orders:  # 催办/补充 on the open order instead of a new one (a citizen's order only)
        ticket.follow_ups = [step for step in FOLLOW_UP_STEPS if may_follow_up(user, ticket, step)]
        ticket.followable = bool(ticket.follow_ups)
        # 待回访: the unit has replied; the citizen on the line is answered by the return visit itself
        ticket.visit_instead = ticket.status == Status.AWAITING_VISIT and not ticket.is_proactive
    return history


#: The pop-up's repeat-call steps (`views.FOLLOW_UPS`): 催办, 补充, and 补充并恢复办理 on an order 待群众补充.
FOLLOW_UP_STEPS = (Action.CHASE, Action.SUPPLEMENT, "supplement_resume")


def may_follow_up(user: User, ticket: Ticket, step: str = Action.CHASE) -> bool:
    """Whether this person may take this repeat-call step on this order now (the table's rows).

    `supplement_resume` also needs the order to wait for the citizen and a role that may resume it (恢复办理).
    """
    row = TRANSITIONS[Action.CHASE if step == Action.CHASE else Action.SUPPLEMENT]
    role = getattr(user, "role", None)
    if ticket.status not in row.sources or role not in row.roles or ticket.is_proactive:
        return False
    if step == "supplement_resume":
        resume = TRANSITIONS[Action.RESUME]
        return ticket.status in resume.sources and role in resume.roles
    return True


@dataclass(frozen=True)
class Progress:
    """What the agent reads to a citizen who chases an order: where it stands, in the citizen's words."""

    number: str
    status: str  # as the tracking page says it
    unit: str  # the lead unit holding it, "" before dispatch
    due: datetime | None  # 办结时限
    last: object | None  # the newest public step of the handling (`portal.selectors.PublicEvent`), or None
    chase_count: int


def progress_of(user: User, number: str) -> Progress | None:
    """The latest public progress of an order this person may see, or None (also for a number holding a NUL)."""
    from hotline.portal.choices import public_status
    from hotline.portal.selectors import public_timeline

    if not number or "\x00" in number:
        return None
    ticket = Ticket.objects.visible_to(user, one=True).filter(number=number).first()
    if ticket is None:
        return None
    lead = ticket.lead_assignment
    # the progress to tell: the newest public step that is not the citizen's own chase or supplement
    events = [e for e in public_timeline(ticket) if e.action not in (Action.CHASE, Action.SUPPLEMENT)]
    return Progress(number=number, status=public_status(ticket.status, awaiting_acceptance=ticket.awaiting_acceptance),
                    unit=lead.unit.name if lead else "", due=ticket.close_due, last=events[-1] if events else None,
                    chase_count=ticket.chase_count)


def search_categories(text: str, *, limit: int = CATEGORY_SEARCH_LIMIT) -> list[Category]:
    """Active third-level categories whose name or full path holds every word typed; name hits first.

    Only the first CATEGORY_QUERY_MAX_CHARS characters and CATEGORY_QUERY_MAX_WORDS words are read (a pasted
    paragraph would make one condition per word, past the database's expression limits); NULs are dropped.
    """
    text = (text or "").replace("\x00", "")[:CATEGORY_QUERY_MAX_CHARS]
    words = list(dict.fromkeys(text.replace("/", " ").split()))[:CATEGORY_QUERY_MAX_WORDS]
    if not words:
        return []
    qs = Category.objects.filter(level=3, is_active=True)
    for word in words:
        qs = qs.filter(full_name__icontains=word)
    name_hit = Q()
    for word in words:
        name_hit |= Q(name__icontains=word)
    rank = Case(When(name_hit, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(qs.annotate(rank=rank).order_by("rank", "full_name")[:limit])


def category_choices() -> Choices:
    """Every active third-level category, grouped by its first level (the picker's plain <select>)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, full_name in (
        Category.objects.filter(level=3, is_active=True).order_by("full_name").values_list("pk", "full_name")
    ):
        top, _, rest = full_name.partition("/")
        groups[top].append((pk, rest or top))
    return list(groups.items())


def areas(kind: str) -> QuerySet[HandlingUnit]:
    """Active units of one address level (district, street or community)."""
    return HandlingUnit.objects.filter(kind=kind, is_active=True).order_by("path")


def child_areas(parent_id: str | int | None) -> list[HandlingUnit]:
    """The streets of a district or the communities of a street; nothing for anything else (nor for a number
    too long to be an id)."""
    if not str(parent_id or "").isdecimal() or len(str(parent_id)) > 10:
        return []
    parent = HandlingUnit.objects.filter(pk=int(parent_id), is_active=True, kind__in=AREA_CHILD_KIND).first()
    if parent is None:
        return []
    return list(areas(AREA_CHILD_KIND[parent.kind]).filter(parent=parent))


def area_choices(kind: str, parent_id: int | None = None) -> Choices:
    """Options of one address level: the children of `parent_id`, or every unit grouped by its parent."""
    if parent_id is not None:
        return list(areas(kind).filter(parent_id=parent_id).values_list("pk", "name"))
    units = list(areas(kind).select_related("parent"))
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for unit in units:
        groups[unit.parent.name if unit.parent else ""].append((unit.pk, unit.name))
    return list(groups.items())
