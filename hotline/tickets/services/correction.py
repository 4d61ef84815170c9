"""工单更正: the centre corrects how it recorded an open order — type, category, urgency, 疑难, title, place.

An agent in a hurry picks the wrong category or district; the dispatcher (or the agent, or a supervisor)
puts it right before the order goes the wrong way. What may be corrected is the centre's own recording of
the matter (`CORRECTABLE`), never the citizen's words (the description: a later fact is a 补充诉求) nor who
called. Every correction names its reason and lists each field's old and new value on the timeline, in
the same transaction (`data["changes"]`), so the agent's inspection and the statistics can see it.

Before dispatch the corrected order is dispatched under the time limits of its corrected category and
urgency (the policy is chosen at dispatch). Once dispatched, the units keep the deadlines they were given:
the correction is recorded and the next dispatch (after a return, a reopening) uses the new values; to
hurry a unit along, supervise (催办/督办).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import ConflictError, RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.services._core import begin, service

#: The fields a correction may change, in the order the timeline lists them.
CORRECTABLE = ("request_type", "category", "urgency", "is_difficult", "title", "district", "street", "community",
               "address")
#: What the dispatch recommendation reads of an order (routing): a correction of one of them recomputes it.
ROUTING_INPUTS = frozenset({"category", "district", "street", "community", "title"})
#: What the duplicate index keys an order by (triage: category, place, the text's signature).
DUPLICATE_INPUTS = frozenset({"category", "street", "community", "address", "title"})
#: The agent's recording of what and where the matter is (category, area): a change by someone else is a targeted
#: inspection pick (`data["category_or_place"]`).
CATEGORY_OR_PLACE = frozenset({"category", "district", "street", "community"})
#: Statuses before any unit was given a deadline: the corrected values set the time limits at dispatch.
BEFORE_DISPATCH = frozenset({Status.REGISTERED, Status.PENDING_DISPATCH})
MAX_REASON = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_AREA_KINDS = {"district": UnitKind.DISTRICT, "street": UnitKind.STREET, "community": UnitKind.COMMUNITY}


def _clean_text(value: str | None, limit: int, what: str) -> str | None:
    if value is None:
        return None
    text = _CONTROL.sub("", value).strip()
    if not text:
        return None
    if len(text) > limit:
        raise RuleViolation(_("%(what)s不能超过 %(limit)d 个字") % {"what": what, "limit": limit})
    return text


def _area(ticket: Ticket, district: HandlingUnit | None, street: HandlingUnit | None,
          community: HandlingUnit | None) -> dict[str, HandlingUnit | None]:
    """The corrected place: the levels given, a missing upper level from the one below it, and a missing lower
    level kept when nothing above it changed, cleared when something did.

    Nothing given keeps the order's place. So a new district alone clears the street and community, a new street
    clears the community, and the order's own district given again (an integration echoing the place) keeps its
    street and community. A street must lie in the district, a community in the street. Every unit of the result
    must be an active unit of its level, except the order's own (a community switched off since registration
    stays until someone picks another).
    """
    if district is None and street is None and community is None:
        return {}
    if community is not None and street is None:
        street = community.parent
    if street is not None and district is None:
        district = street.parent
    if street is None and district is not None and district.pk == ticket.district_id:
        street = ticket.street
    if community is None and street is not None and street.pk == ticket.street_id:
        community = ticket.community
    place = {"district": district, "street": street, "community": community}
    for name, unit in place.items():
        if unit is None or unit.pk == getattr(ticket, f"{name}_id"):
            continue
        if unit.kind != _AREA_KINDS[name] or not unit.is_active:
            raise RuleViolation(_("「%(unit)s」不是启用的%(level)s")
                                % {"unit": unit, "level": UnitKind(_AREA_KINDS[name]).label})
    if community is not None and street is not None and community.parent_id != street.pk:
        raise RuleViolation(_("社区「%(community)s」不属于「%(street)s」") % {"community": community, "street": street})
    if street is not None and district is not None and street.parent_id != district.pk:
        raise RuleViolation(_("街道「%(street)s」不属于「%(district)s」") % {"street": street, "district": district})
    return place


def _shown(name: str, value: Any) -> str:
    """A field's value as the stored timeline note writes it (always Chinese: the note is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        if value is None or value == "":
            return "（空）"
        if name == "request_type":
            return str(RequestType(value).label)
        if name == "urgency":
            return str(Urgency(value).label)
        if name == "is_difficult":
            return "是" if value else "否"
        if name == "category":
            return value.full_name
        return str(value)


_NAMES = {"request_type": "诉求类型", "category": "分类", "urgency": "紧急程度", "is_difficult": "疑难",
          "title": "标题", "district": "区", "street": "街道/乡镇", "community": "社区/村", "address": "事发地址"}


def _stored(value: Any) -> Any:
    """A value as the event's data keeps it: ids for categories and units."""
    return value.pk if isinstance(value, Category | HandlingUnit) else value


@service
def correct(ticket: Ticket, *, actor: User, reason: str, request_type: str | None = None,
            category: Category | None = None, urgency: str | None = None, is_difficult: bool | None = None,
            title: str | None = None, district: HandlingUnit | None = None, street: HandlingUnit | None = None,
            community: HandlingUnit | None = None, address: str | None = None,
            expected_version: int | None = None) -> Ticket:
    """Correct how the centre recorded the open order (工单更正); None (or blank text) keeps a field as it is.

    The place is corrected as a whole (`_area`). At least one field must change and the reason is required.
    The event lists every change (`data["changes"]`: field, from, to; ids for the category and the units).
    """
    if expected_version is not None and expected_version != ticket.version:
        raise ConflictError(_("工单已被他人处理，请刷新后重试"))
    step = begin(ticket, Action.CORRECT, actor)
    why = _clean_text(reason, MAX_REASON, _("更正原因"))
    if why is None:
        raise RuleViolation(_("请写明更正原因（例如：与来电人核实后的分类、地址）"))
    if request_type is not None and request_type not in RequestType.values:
        raise RuleViolation(_("未知的诉求类型"))
    if urgency is not None and urgency not in Urgency.values:
        raise RuleViolation(_("未知的紧急程度"))
    # The order's own category given again is no correction: it stays even if retired since (分类调整), as the
    # order's own units do in `_area`.
    if category is not None and category.pk != ticket.category_id and (category.level != 3 or not category.is_active):
        raise RuleViolation(_("分类「%(category)s」不是启用的三级分类") % {"category": category})
    wanted: dict[str, Any] = {
        "request_type": request_type, "category": category, "urgency": urgency, "is_difficult": is_difficult,
        "title": _clean_text(title, 200, _("标题")), "address": _clean_text(address, 255, _("事发地址")),
    }
    wanted = {name: value for name, value in wanted.items() if value is not None}
    wanted.update(_area(ticket, district, street, community))
    changes = []
    for name in CORRECTABLE:
        if name not in wanted:
            continue
        old, new = getattr(ticket, name), wanted[name]
        if _stored(old) == _stored(new):
            continue
        changes.append({"field": name, "from": _stored(old), "to": _stored(new),
                        "text": f"{_NAMES[name]}：{_shown(name, old)} → {_shown(name, new)}"})
        setattr(ticket, name, new)
    if not changes:
        raise RuleViolation(_("没有需要更正的内容：所填内容与工单现有信息相同"))
    dispatched = step.before not in BEFORE_DISPATCH
    note = "；".join(c.pop("text") for c in changes) + f"。更正原因：{why}"
    if dispatched and {"category", "urgency", "is_difficult"} & {c["field"] for c in changes}:
        note += "（已派发的单位时限不变）"
    recoded = bool({c["field"] for c in changes} & CATEGORY_OR_PLACE)
    return step.commit(note=note, data={"changes": changes, "reason": why, "after_dispatch": dispatched,
                                        "category_or_place": recoded})


def corrected_fields(data: dict | None) -> set[str]:
    """The fields a correction event changed (from its stored data)."""
    return {c.get("field", "") for c in (data or {}).get("changes", [])}


def corrected_any(event_id: int, fields: frozenset[str]) -> bool:
    """Whether the correction event changed any of `fields` (e.g. what routing or triage reads)."""
    from hotline.tickets.models import TimelineEvent

    data = TimelineEvent.objects.filter(pk=event_id, action=Action.CORRECT).values_list("data", flat=True).first()
    return bool(corrected_fields(data) & fields)
