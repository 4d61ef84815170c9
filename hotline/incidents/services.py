"""Every change of an incident (突发事件): create, edit, publish, end; link an order by hand or remove that link;
and the automatic links of newly registered calls.

Each change of an incident locks its row, checks the status table (`transitions`), the person and the
optimistic version, then writes the change and its audit entry (`IncidentEvent`) in one transaction.
A refusal raises a `DomainError` with a Chinese message before anything is written.

Automatic links (`link_registered`, `note_direct_answer`) run after an order's registration has committed;
they write only the link rows (idempotent, one per incident and order), not audit entries: an incident may
draw hundreds of calls, and each link records itself (when, how, on which keyword).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.entered import entered_text
from hotline.incidents import selectors, transitions
from hotline.incidents.choices import EventKind, IncidentStatus, LinkHow
from hotline.incidents.constants import (
    KEYWORD_MAX_LENGTH,
    KEYWORD_MIN_LENGTH,
    MAX_AREAS,
    MAX_KEYWORDS,
    MAX_YEAR,
    MIN_YEAR,
    NOTE_MAX_LENGTH,
    NOTICE_MAX_LENGTH,
    SCRIPT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from hotline.incidents.matching import answered_by_script, matches, split_keywords
from hotline.incidents.models import Incident, IncidentEvent, IncidentOrder
from hotline.incidents.permissions import may_link, may_manage
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation
from hotline.tickets.models import Ticket

#: The fields an edit may change, in the form's order (the audit entry names the changed ones).
FIELDS = ("title", "script", "public_notice", "category", "areas", "keywords", "lead_unit", "starts_at",
          "expected_end")


@dataclass
class IncidentData:
    """What the edit form says of an incident: the words, where and what it is about, who handles it, when."""

    title: str
    script: str = ""
    public_notice: str = ""
    keywords: str = ""
    category: Category | None = None
    areas: Sequence[HandlingUnit] = field(default_factory=list)
    lead_unit: HandlingUnit | None = None
    starts_at: datetime | None = None
    expected_end: datetime | None = None


# --- checks ----------------------------------------------------------------------------------------------


def _keywords(value: str) -> str:
    """The keyword line, normalised to single spaces; refused: too many, too short or too long keywords."""
    words = split_keywords(entered_text(value, what=_("关键词"), limit=1000))
    if len(words) > MAX_KEYWORDS:
        raise RuleViolation(_("关键词最多 %(max)d 个（现有 %(count)d 个）") % {"max": MAX_KEYWORDS, "count": len(words)})
    for word in words:
        if not KEYWORD_MIN_LENGTH <= len(word) <= KEYWORD_MAX_LENGTH:
            raise RuleViolation(_("关键词「%(word)s」应为 %(min)d 至 %(max)d 个字") % {
                "word": word[:KEYWORD_MAX_LENGTH], "min": KEYWORD_MIN_LENGTH, "max": KEYWORD_MAX_LENGTH})
    return " ".join(words)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def in_range(value: datetime) -> bool:
    """Whether a moment lies in the years MIN_YEAR–MAX_YEAR, in the centre's time zone."""
    try:
        year = timezone.localtime(value).year if timezone.is_aware(value) else value.year
    except (OverflowError, ValueError):
        return False
    return MIN_YEAR <= year <= MAX_YEAR


def _checked(data: IncidentData) -> dict[str, Any]:
    """The data as stored, or a `RuleViolation` saying what is wrong."""
    areas = list(dict.fromkeys(data.areas))
    if any(unit.kind not in selectors.AREA_KINDS for unit in areas):
        raise RuleViolation(_("影响区域只能选择区、街道或社区"))
    if len(areas) > MAX_AREAS:
        raise RuleViolation(_("影响区域最多 %(max)d 个") % {"max": MAX_AREAS})
    if data.lead_unit is not None and data.lead_unit.kind == UnitKind.CENTRE:
        raise RuleViolation(_("处置单位不能是热线中心"))
    starts_at, expected_end = _aware(data.starts_at), _aware(data.expected_end)
    if starts_at is None:
        raise RuleViolation(_("请填写开始时间"))
    if not in_range(starts_at):
        raise RuleViolation(_("开始时间超出范围"))
    if expected_end is not None and not in_range(expected_end):
        raise RuleViolation(_("预计结束时间超出范围"))
    if expected_end is not None and expected_end <= starts_at:
        raise RuleViolation(_("预计结束时间须晚于开始时间"))
    values = {
        "title": entered_text(data.title, what=_("事件名称"), limit=TITLE_MAX_LENGTH, required=True),
        "script": entered_text(data.script, what=_("答复口径"), limit=SCRIPT_MAX_LENGTH),
        "public_notice": entered_text(data.public_notice, what=_("公众公告"), limit=NOTICE_MAX_LENGTH),
        "keywords": _keywords(data.keywords), "category": data.category, "areas": areas,
        "lead_unit": data.lead_unit, "starts_at": starts_at, "expected_end": expected_end,
    }
    if not values["keywords"] and values["category"] is None:
        raise RuleViolation(_("请至少填写一个关键词或选择诉求分类，否则每个来电都会匹配"))
    return values


def _manager(actor: User) -> None:
    if not may_manage(actor):
        raise NotPermitted(_("只有督办员、派单员和系统管理员可以管理突发事件"))


def _locked(incident: Incident, expected_version: int | None) -> Incident:
    row = Incident.objects.select_for_update(of=("self",)).select_related("lead_unit", "category").get(pk=incident.pk)
    if expected_version is not None and expected_version != row.version:
        raise ConflictError(_("该突发事件刚被他人修改，请刷新后重新操作"))
    return row


def _log(row: Incident, kind: str, actor: User, at: datetime, *, before: str, note: str = "",
         data: dict[str, Any] | None = None) -> None:
    row.version += 1
    IncidentEvent.objects.create(incident=row, seq=row.version, at=at, actor=actor, kind=kind, from_status=before,
                                 to_status=row.status, note=note, data=data or {})


def _shown(name: str, value: Any) -> Any:
    """A field's value as the audit entry keeps it (JSON)."""
    if name == "areas":
        return [unit.name for unit in value]
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, Category):
        return value.full_name
    if isinstance(value, HandlingUnit):
        return value.name
    return value


# --- the incident ----------------------------------------------------------------------------------------


@transaction.atomic
def create_incident(data: IncidentData, *, actor: User) -> Incident:
    """Write a new incident as a draft (新建突发事件); it matches no call until published."""
    _manager(actor)
    values = _checked(data)
    areas = values.pop("areas")
    now = clock.now()
    row = Incident.objects.create(**values, status=IncidentStatus.DRAFT, created_by=actor, created_at=now)
    row.areas.set(areas)
    _log(row, EventKind.CREATED, actor, now, before="")
    row.save(update_fields=["version"])
    return row


@transaction.atomic
def edit_incident(incident: Incident, data: IncidentData, *, actor: User,
                  expected_version: int | None = None) -> Incident:
    """Change a draft or published incident (修改: a new script, wider areas, a later expected end); the audit
    entry names the changed fields and keeps the values before and after. Nothing changed: no entry."""
    _manager(actor)
    row = _locked(incident, expected_version)
    transitions.check("edit", row.status, row.status)
    values = _checked(data)
    if row.status == IncidentStatus.PUBLISHED and not values["script"]:
        raise RuleViolation(_("发布中的突发事件必须有答复口径"))
    current = {name: getattr(row, name) for name in FIELDS if name != "areas"}
    current["areas"] = list(row.areas.order_by("path"))
    changed = [name for name in FIELDS if (
        {u.pk for u in values[name]} != {u.pk for u in current[name]} if name == "areas"
        else values[name] != current[name])]
    if not changed:
        return row
    before = {name: _shown(name, current[name]) for name in changed}
    after = {name: _shown(name, values[name]) for name in changed}
    for name in changed:
        if name == "areas":
            row.areas.set(values["areas"])
        else:
            setattr(row, name, values[name])
    _log(row, EventKind.EDITED, actor, clock.now(), before=row.status,
         data={"changed": changed, "before": before, "after": after})
    row.save(update_fields=[*(n for n in changed if n != "areas"), "version"])
    return row


@transaction.atomic
def publish(incident: Incident, *, actor: User, expected_version: int | None = None) -> Incident:
    """Publish an incident (发布): its script shows to agents whose caller's matter matches, its notice on the
    portal. An ended incident may be published again (重新发布) while its expected end has not passed."""
    _manager(actor)
    row = _locked(incident, expected_version)
    transitions.check("publish", row.status, IncidentStatus.PUBLISHED)
    if not row.script.strip():
        raise RuleViolation(_("请先填写答复口径再发布"))
    if not row.keywords and row.category_id is None:
        raise RuleViolation(_("请至少填写一个关键词或选择诉求分类，否则每个来电都会匹配"))
    now = clock.now()
    if row.expected_end is not None and row.expected_end <= now:
        raise RuleViolation(_("预计结束时间已过，发布后不会匹配任何来电：请修改预计结束时间或新建事件"))
    before = row.status
    kind = EventKind.REPUBLISHED if before == IncidentStatus.ENDED else EventKind.PUBLISHED
    row.status, row.published_by, row.published_at = IncidentStatus.PUBLISHED, actor, now
    row.ended_by, row.ended_at, row.end_note = None, None, ""
    _log(row, kind, actor, now, before=before)
    row.save(update_fields=["status", "published_by", "published_at", "ended_by", "ended_at", "end_note", "version"])
    return row


@transaction.atomic
def end(incident: Incident, *, note: str, actor: User, expected_version: int | None = None) -> Incident:
    """End a published incident (结束, e.g. 「已恢复供水」): it matches no more calls and leaves the portal."""
    _manager(actor)
    row = _locked(incident, expected_version)
    transitions.check("end", row.status, IncidentStatus.ENDED)
    note = entered_text(note, what=_("结束说明"), limit=NOTE_MAX_LENGTH, required=True)
    now = clock.now()
    before = row.status
    row.status, row.ended_by, row.ended_at, row.end_note = IncidentStatus.ENDED, actor, now, note
    _log(row, EventKind.ENDED, actor, now, before=before, note=note)
    row.save(update_fields=["status", "ended_by", "ended_at", "end_note", "version"])
    return row


# --- its calls -------------------------------------------------------------------------------------------


def _linker(actor: User) -> None:
    if not may_link(actor):
        raise NotPermitted(_("只有受理员、派单员、督办员和系统管理员可以关联工单"))


def _order(number: str, actor: User) -> Ticket:
    number = entered_text(number, what=_("工单编号"), limit=20, required=True)
    ticket = Ticket.objects.visible_to(actor, one=True).filter(number=number).first()
    if ticket is None:
        raise RuleViolation(_("未找到工单 %(number)s") % {"number": number})
    return ticket


@transaction.atomic
def link_order(incident: Incident, number: str, *, actor: User) -> IncidentOrder:
    """Count an order among the incident's calls by hand (人工关联), e.g. one the automatic match missed."""
    _linker(actor)
    row = _locked(incident, None)
    transitions.check("link", row.status, row.status)
    ticket = _order(number, actor)
    if ticket.channel == Channel.PROACTIVE:
        raise RuleViolation(_("主动发现（未诉先办）工单不是群众来电，不计入事件来电"))
    if IncidentOrder.objects.filter(incident=row, ticket=ticket).exists():
        raise RuleViolation(_("工单 %(number)s 已关联此事件") % {"number": ticket.number})
    now = clock.now()
    link = IncidentOrder.objects.create(incident=row, ticket=ticket, linked_at=now, how=LinkHow.MANUAL,
                                        linked_by=actor,
                                        by_script=answered_by_script(row.script, ticket.direct_answer))
    _log(row, EventKind.LINKED, actor, now, before=row.status, note=ticket.number, data={"number": ticket.number})
    row.save(update_fields=["version"])
    return link


@transaction.atomic
def unlink_order(incident: Incident, number: str, *, actor: User) -> Incident:
    """Remove a link (取消关联): a manual one by anyone who may link, an automatic one (a keyword matched a call
    about something else, e.g. 「没电」 in 「电动车没电了」) only by those who manage incidents; audited."""
    _linker(actor)
    row = _locked(incident, None)
    transitions.check("unlink", row.status, row.status)
    ticket = _order(number, actor)
    link = IncidentOrder.objects.filter(incident=row, ticket=ticket).first()
    if link is None:
        raise RuleViolation(_("工单 %(number)s 未关联此事件") % {"number": ticket.number})
    if link.how != LinkHow.MANUAL and not may_manage(actor):
        raise NotPermitted(_("工单 %(number)s 是登记时自动匹配的，只有督办员、派单员和系统管理员可以取消关联")
                           % {"number": ticket.number})
    link.delete()
    _log(row, EventKind.UNLINKED, actor, clock.now(), before=row.status, note=ticket.number,
         data={"number": ticket.number, "how": link.how})
    row.save(update_fields=["version"])
    return row


def link_registered(ticket_id: int) -> list[IncidentOrder]:
    """Count a newly registered citizens' order among the calls of every published incident it matched at its
    registration time (自动关联); proactive orders (未诉先办) are nobody's call. Idempotent: returns the links
    written now (none the second time)."""
    live = selectors.published_incidents()  # usually none: one query, and the order is not even read
    if not live:
        return []
    ticket = selectors.ticket_for_matching(ticket_id)
    if ticket is None or ticket.channel == Channel.PROACTIVE:
        return []
    found = matches(live, selectors.matter_of_ticket(ticket), ticket.registered_at)
    if not found:
        return []
    known = set(IncidentOrder.objects.filter(ticket=ticket).values_list("incident_id", flat=True))
    now = clock.now()
    rows = [IncidentOrder(incident_id=m.incident.id, ticket=ticket, linked_at=now, how=LinkHow.AUTO,
                          keyword=m.keyword, by_script=answered_by_script(m.incident.script, ticket.direct_answer))
            for m in found if m.incident.id not in known]
    IncidentOrder.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent second delivery adds nothing
    return rows


def note_direct_answer(ticket_id: int) -> int:
    """After a direct answer (直接答复): mark the order's incident links whose script the answer contains
    (按口径答复). Returns how many links were marked; idempotent."""
    answer = Ticket.objects.filter(pk=ticket_id).values_list("direct_answer", flat=True).first()
    if not answer:
        return 0
    links = IncidentOrder.objects.filter(ticket_id=ticket_id, by_script=False).select_related("incident")
    marked = [link.pk for link in links if answered_by_script(link.incident.script, answer)]
    return IncidentOrder.objects.filter(pk__in=marked).update(by_script=True) if marked else 0
