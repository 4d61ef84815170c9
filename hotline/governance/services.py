"""Every change to a governance theme (每月一题) goes through these functions, one per step.

Each locks the theme, checks the transition table (`transitions.py`), the actor's role and unit, changes
the theme and appends its event in the same transaction. A refused step raises a
`hotline.tickets.exceptions.DomainError` (the same refusals as on orders) and changes nothing.

The centre takes a problem on (立项: a leader, supervisor or administrator; usually from a 每月一题
candidate of the hot-spot pages), naming the lead unit (牵头单位), assisting units, the deadline and what
the effect is measured on. The lead unit files its plan (整改方案) and reports progress (assisting units
too), then asks for verification (申请验收) with its result; the centre accepts it (验收销号) or sends it
back (退回整改). The centre may adjust an open theme (调整: the deadline, the lead or assisting units, with a
reason; the status stays) or cancel it with a reason. The same problem is never taken on twice: `adopt`
refuses orders at least half of which a live theme already has (`selectors.taken_on`, as the pages show).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.privacy import scrub_public_text
from hotline.core.transactions import step_transaction
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.models import Theme, ThemeEvent, ThemeOrder
from hotline.governance.selectors import TakenOn, taken_on
from hotline.governance.sources import window_label
from hotline.governance.transitions import TRANSITIONS
from hotline.hotspots.models import Hotspot
from hotline.hotspots.services import MAX_YEAR, MIN_YEAR
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.exceptions import (
    ConflictError,
    DomainError,
    InvalidTransition,
    NotPermitted,
    RuleViolation,
)
from hotline.tickets.models import Ticket
from hotline.tickets.services import actor_label


class AlreadyTakenOn(RuleViolation):
    """The orders' problem is already a live theme (at least half of them linked to it): not taken on twice."""

    def __init__(self, theme: TakenOn) -> None:
        super().__init__(_("该问题已立项为「%(title)s」，不重复立项") % {"title": theme.title})
        self.theme = theme


@dataclass
class _Step:
    theme: Theme
    action: str
    actor: User
    at: datetime
    before: str
    unit: HandlingUnit | None = None

    def commit(self, note: str = "") -> Theme:
        """Save the theme and append its event, in this transaction."""
        theme = self.theme
        target = TRANSITIONS[self.action].target
        if target is not None:
            theme.status = target
        theme.version += 1
        theme.save()
        ThemeEvent.objects.create(theme=theme, seq=theme.version, at=self.at, actor=self.actor,
                                  actor_label=actor_label(self.actor), unit=self.unit, action=self.action,
                                  from_status=self.before, to_status=theme.status, note=note)
        return theme


def _check_role(action: str, actor: User | None) -> None:
    if actor is None or not actor.is_active or actor.role not in TRANSITIONS[action].roles:
        role = actor.get_role_display() if actor is not None else _("未登录用户")
        raise NotPermitted(_("%(role)s无权执行「%(action)s」")
                           % {"role": role, "action": ThemeAction(action).label})


def _begin(theme: Theme, action: str, actor: User) -> _Step:
    """Lock the theme, refuse a stale copy, check the table, the role and, for unit steps, the unit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("governance services must run inside transaction.atomic")
    fresh = Theme.objects.select_for_update().filter(pk=theme.pk).first()
    if fresh is None:
        raise InvalidTransition(_("专题不存在"))
    row = TRANSITIONS[action]
    if row.checks_version and fresh.version != theme.version:
        raise ConflictError(_("专题已被他人处理，请刷新后重试"))
    for f in Theme._meta.concrete_fields:
        setattr(theme, f.attname, getattr(fresh, f.attname))
    if theme.status not in row.sources:
        raise InvalidTransition(_("专题当前状态为「%(status)s」，不能执行「%(action)s」")
                                % {"status": theme.get_status_display(), "action": ThemeAction(action).label})
    _check_role(action, actor)
    step = _Step(theme=theme, action=action, actor=actor, at=clock.now(), before=theme.status)
    if actor.is_unit_staff:
        step.unit = _acting_unit(theme, actor, lead_only=row.lead_only)
    return step


def _acting_unit(theme: Theme, actor: User, *, lead_only: bool) -> HandlingUnit:
    """The actor's own unit among the theme's lead (and, unless `lead_only`, assisting) units."""
    own = set(actor.units.values_list("pk", flat=True))
    if theme.lead_id in own:
        return theme.lead
    if not lead_only:
        found = theme.assisting.filter(pk__in=own).first()
        if found is not None:
            return found
    raise NotPermitted(_("只有牵头单位可以执行该操作") if lead_only else _("您所在单位不是该专题的牵头或配合单位"))


def _service(fn):  # noqa: ANN001, ANN201
    """Run a step in its own transaction; on a refusal the caller's theme is reloaded as stored."""

    @functools.wraps(fn)
    def wrapper(theme, *args, **kwargs):  # noqa: ANN001, ANN202
        try:
            with transaction.atomic():
                return fn(theme, *args, **kwargs)
        except DomainError:
            if getattr(theme, "pk", None):
                theme.refresh_from_db()
            raise

    return wrapper


def _required(text: str, message: str) -> str:
    if not text.strip():
        raise RuleViolation(message)
    return text.strip()


def _units(lead: HandlingUnit, assisting: Sequence[HandlingUnit],
           kept: frozenset[int] = frozenset()) -> list[HandlingUnit]:
    """The assisting units without repeats; refuse the lead among them and a unit that cannot take a theme
    (inactive, or the centre) — except those in `kept`, already on the theme."""
    assisting = list(dict.fromkeys(assisting))
    if lead in assisting:
        raise RuleViolation(_("牵头单位不能同时是配合单位"))
    for unit in [lead, *assisting]:
        if unit.pk in kept:
            continue
        if not unit.is_active or unit.kind == UnitKind.CENTRE:
            raise RuleViolation(_("「%(unit)s」不能承担治理专题") % {"unit": unit})
    return assisting


def _source(hotspot: Hotspot | None, title: str, window: str) -> dict[str, str]:
    if hotspot is not None:
        title, window = scrub_public_text(hotspot.title), window_label(hotspot.run)
    return {"source_title": title.strip()[:200], "source_window": window.strip()[:40]}


def _refuse_taken_on(orders: Sequence[Ticket]) -> None:
    """Refuse orders whose problem a live theme has already taken on (`AlreadyTakenOn`).

    Two adoptions of overlapping orders at once must not both pass the check: each first locks all its
    order rows, in id order, and the second waits on the first order they share until the first commits,
    then sees its theme. Every step that locks several orders locks them in id order (并单 does too), so
    none waits for another in a circle. Two sets that share no order
    cannot take the same problem on (the check needs half of them). SQLite serialises writing
    transactions anyway.
    """
    ids = sorted({o.pk for o in orders})
    if not ids:
        return
    list(Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    existing = taken_on(ids)
    if existing is not None:
        raise AlreadyTakenOn(existing)


@transaction.atomic
def adopt(*, actor: User, title: str, problem: str, month: date, lead: HandlingUnit,
          assisting: Sequence[HandlingUnit] = (), due_date: date, category: Category | None = None,
          district: HandlingUnit | None = None, keywords: str = "", hotspot: Hotspot | None = None,
          orders: Sequence[Ticket] = (), source_title: str = "", source_window: str = "") -> Theme:
    """The centre takes a problem on as a governance theme (立项), usually a 每月一题 candidate's hot spot.

    From a hot spot, the theme keeps its title and window (`source_title`, `source_window`; given
    directly when the hot spot was recomputed meanwhile) and its orders. Orders at least half of which a
    live theme already has are refused (`AlreadyTakenOn`, naming that theme); so is a month outside the
    years MIN_YEAR–MAX_YEAR.
    """
    _check_role(ThemeAction.ADOPT, actor)
    _refuse_taken_on(orders)
    title = _required(title, _("请填写专题名称"))
    problem = _required(problem, _("请描述要治理的问题"))
    assisting = _units(lead, assisting)
    now = clock.now()
    if due_date < timezone.localdate(now):
        raise RuleViolation(_("整改时限不能早于今天"))
    if not MIN_YEAR <= month.year <= MAX_YEAR:  # its effect counts the months around it (effect.py)
        raise RuleViolation(_("所属月份超出范围（年份须在 2000 至 2100 之间）"))
    if district is not None and district.kind != UnitKind.DISTRICT:
        raise RuleViolation(_("区域须是区"))
    theme = Theme.objects.create(title=title, problem=problem, month=month.replace(day=1), lead=lead,
                                 due_date=due_date, category=category, district=district, keywords=keywords.strip(),
                                 hotspot=hotspot, created_by=actor, created_at=now,
                                 **_source(hotspot, source_title, source_window))
    theme.assisting.set(assisting)
    theme.orders.set(list(orders))
    step = _Step(theme=theme, action=ThemeAction.ADOPT, actor=actor, at=now, before="")
    names = "、".join(str(u) for u in assisting)
    return step.commit(f"牵头单位：{lead}" + (f"；配合单位：{names}" if names else "") + f"；整改时限：{due_date}")


@_service
def file_plan(theme: Theme, *, actor: User, plan: str) -> Theme:
    """The lead unit files its plan of measures (报送整改方案); the theme is then being worked on."""
    step = _begin(theme, ThemeAction.PLAN, actor)
    theme.plan = _required(plan, _("请填写整改方案"))
    return step.commit(theme.plan)


@_service
def report_progress(theme: Theme, *, actor: User, note: str) -> Theme:
    """The lead or an assisting unit reports what was done so far (报送进展)."""
    step = _begin(theme, ThemeAction.PROGRESS, actor)
    return step.commit(_required(note, _("请填写进展情况")))


@_service
def report_done(theme: Theme, *, actor: User, result: str) -> Theme:
    """The lead unit says the problem is dealt with and asks the centre to verify (申请验收)."""
    step = _begin(theme, ThemeAction.REPORT, actor)
    theme.result = _required(result, _("请填写整改结果"))
    return step.commit(theme.result)


@_service
def accept(theme: Theme, *, actor: User, note: str) -> Theme:
    """The centre verifies the result and closes the theme (验收销号)."""
    step = _begin(theme, ThemeAction.ACCEPT, actor)
    note = _required(note, _("请填写验收意见"))
    theme.closed_at = step.at
    return step.commit(note)


@_service
def send_back(theme: Theme, *, actor: User, reason: str) -> Theme:
    """The centre finds the result not good enough and sends the theme back to the lead unit (退回整改)."""
    step = _begin(theme, ThemeAction.SEND_BACK, actor)
    return step.commit(_required(reason, _("请说明退回整改的理由")))


@_service
def cancel(theme: Theme, *, actor: User, reason: str) -> Theme:
    """The centre drops the theme (撤销立项), e.g. taken on twice or overtaken by a city-wide campaign."""
    step = _begin(theme, ThemeAction.CANCEL, actor)
    reason = _required(reason, _("请说明撤销理由"))
    theme.closed_at = step.at
    return step.commit(reason)


def _names(units: Sequence[HandlingUnit]) -> str:
    return "、".join(str(u) for u in sorted(units, key=lambda u: u.path)) or "—"


@_service
def adjust(theme: Theme, *, actor: User, reason: str, due_date: date | None = None,
           lead: HandlingUnit | None = None, assisting: Sequence[HandlingUnit] | None = None) -> Theme:
    """The centre changes an open theme's deadline and/or its lead or assisting units (调整), with a reason.

    None leaves a field as it is; the status stays. The event says what changed (old → new).
    """
    step = _begin(theme, ThemeAction.ADJUST, actor)
    reason = _required(reason, _("请说明调整理由"))
    changes = []
    if due_date is not None and due_date != theme.due_date:
        if due_date < timezone.localdate(step.at):
            raise RuleViolation(_("整改时限不能早于今天"))
        changes.append(f"整改时限：{theme.due_date} → {due_date}")
        theme.due_date = due_date
    new_lead = lead if lead is not None else theme.lead
    old_assisting = list(theme.assisting.all())
    new_assisting = _units(new_lead, old_assisting if assisting is None else assisting,
                           kept=frozenset({theme.lead_id, *(u.pk for u in old_assisting)}))
    if new_lead.pk != theme.lead_id:
        changes.append(f"牵头单位：{theme.lead} → {new_lead}")
        theme.lead = new_lead
    if {u.pk for u in new_assisting} != {u.pk for u in old_assisting}:
        changes.append(f"配合单位：{_names(old_assisting)} → {_names(new_assisting)}")
        theme.assisting.set(new_assisting)
    if not changes:
        raise RuleViolation(_("整改时限和承办单位都没有变化，无需调整"))
    return step.commit("；".join([*changes, f"理由：{reason}"]))


def available_actions(theme: Theme, user: User) -> list[str]:
    """The steps this person may take on the theme now (which forms a page shows); the services re-check."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    found = []
    own: set[int] | None = None
    for action, row in TRANSITIONS.items():
        if action == ThemeAction.ADOPT or theme.status not in row.sources or user.role not in row.roles:
            continue
        if user.is_unit_staff:
            if own is None:
                own = set(user.units.values_list("pk", flat=True))
            units = {theme.lead_id} if row.lead_only else {theme.lead_id, *theme.assisting.values_list("pk", flat=True)}
            if not own & units:
                continue
        found.append(action)
    return found


def link_proactive_order(theme: Theme, ticket: Ticket, actor: User | None) -> ThemeOrder:
    """Record that the proactive order `ticket` (主动发现, 未诉先办) was raised for `theme` (its page lists it).

    Call it in the transaction that registers the order. Linking it again to the same theme changes
    nothing; an order of another channel, a theme cancelled (or gone) by now or an order already raised
    for another theme is refused (RuleViolation) and nothing is written.
    """
    if not ticket.is_proactive:
        raise RuleViolation(_("只有主动发现（未诉先办）的工单可以关联每月一题"))
    with step_transaction():
        status = Theme.objects.filter(pk=theme.pk).values_list("status", flat=True).first()
        if status in (None, ThemeStatus.CANCELLED):
            raise RuleViolation(_("专题已撤销，不能为其派发主动治理工单"))
        link = ThemeOrder.objects.select_related("theme").filter(ticket=ticket).first()
        if link is None:
            return ThemeOrder.objects.create(theme=theme, ticket=ticket, linked_by=actor, linked_at=clock.now())
        if link.theme_id != theme.pk:
            raise RuleViolation(_("该工单已为每月一题「%(title)s」派发") % {"title": link.theme.title})
        return link
