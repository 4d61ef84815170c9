"""拆单: one order that holds several unrelated demands (一单多诉) becomes the parent of new orders, one per demand.

A citizen raises a broken street lamp and a pension question in one call. Each matter belongs to another unit
and must be dispatched, replied, visited and assessed on its own, which the parent order (one lead, assisting
units for one matter) cannot do. While the order is still at the centre (已登记, 待派单; not during a 会商),
an agent or dispatcher splits the other demands off: each child is registered through the real creation path
(`intake.register`: number, query code, triage, 网上受理时限 from the split), with its own description and
what the agent chose for it, the caller and the flags copied from the parent, and `split_from` pointing back.

The parent keeps its own text and status; its `split` event lists the children (numbers and what went where),
each child's registration event says it was split from the parent. All or nothing: one child refused (empty,
the parent's text again, the same text twice, a bad place) and no order is created, the parent unchanged.
The caller is told once, on the parent's event, the new numbers with their query codes (notifications); the
children's own receipts are not sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.attachments.models import Attachment
from hotline.core.labels import label
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action
from hotline.tickets.exceptions import ConflictError, RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.services._core import begin, service
from hotline.tickets.services.consultation import consultation_open
from hotline.tickets.services.intake import TicketDraft, register

#: At most this many new orders per split (a call with more matters is rare; the agent splits again if needed).
MAX_CHILDREN = 5
#: Longest description of one child (the intake page's limit).
MAX_DESCRIPTION = 4000
MAX_NOTE = 500
#: Why 拆单 waits: the order page (holds) and the service say the same words.
SPLIT_DURING_CONSULTATION = gettext_lazy("该工单正在会商，会商期间不能拆单；请先「会商定责」或「撤销会商」")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class ChildDraft:
    """One other demand of the parent order, as the agent wrote it; None keeps the parent's value.

    The place is taken as a whole: any of district, street, community given makes the child's area (a missing
    upper level comes from the one below); none given keeps the parent's area (and its coordinates). The
    category is the child's own: the parent's describes the parent's matter, so a blank stays blank (the
    dispatcher or 工单更正 sets it). `attachments`: ids of the parent's attachments to copy (references).
    """

    description: str
    title: str = ""
    request_type: str | None = None
    urgency: str | None = None
    category: Category | None = None
    district: HandlingUnit | None = None
    street: HandlingUnit | None = None
    community: HandlingUnit | None = None
    address: str | None = None
    attachments: Sequence[int] = field(default_factory=tuple)


def _text(value: str | None) -> str:
    return " ".join(_CONTROL.sub("", value or "").split())


def split_refused(ticket: Ticket) -> str | None:
    """Why 拆单 must wait on this order now (None: it may be taken): a consultation (会商) is open."""
    return str(SPLIT_DURING_CONSULTATION) if consultation_open(ticket) else None


def _child_draft(parent: Ticket, child: ChildDraft, number: int, seen: dict[str, int]) -> TicketDraft:
    """The registration draft of one child, checked; a refusal names the child's block (第 n 项)."""
    def refuse(message: str) -> RuleViolation:
        return RuleViolation(_("第%(n)d项诉求：%(message)s") % {"n": number, "message": message})

    description = _CONTROL.sub("", child.description or "").strip()
    if not description:
        raise refuse(_("诉求内容不能为空"))
    if len(description) > MAX_DESCRIPTION:
        raise refuse(_("诉求内容不能超过 %(limit)d 个字") % {"limit": MAX_DESCRIPTION})
    key = _text(description)
    if key == _text(parent.description):
        raise refuse(_("诉求内容与原工单相同，请只写拆出的这一项诉求"))
    if key in seen:
        raise refuse(_("诉求内容与第%(other)d项相同") % {"other": seen[key]})
    seen[key] = number
    if child.request_type and child.request_type not in RequestType.values:
        raise refuse(_("未知的诉求类型"))
    if child.urgency and child.urgency not in Urgency.values:
        raise refuse(_("未知的紧急程度"))
    if child.category is not None and (child.category.level != 3 or not child.category.is_active):
        raise refuse(_("分类「%(category)s」不是启用的三级分类") % {"category": child.category})
    district, street, community = child.district, child.street, child.community
    own_place = district is None and street is None and community is None
    if own_place:
        district, street, community = parent.district, parent.street, parent.community
    else:
        street = street or (community.parent if community is not None else None)
        district = district or (street.parent if street is not None else None)
        for unit, kind in ((district, UnitKind.DISTRICT), (street, UnitKind.STREET), (community, UnitKind.COMMUNITY)):
            if unit is not None and (unit.kind != kind or not unit.is_active):
                raise refuse(_("「%(unit)s」不是启用的%(level)s") % {"unit": unit, "level": UnitKind(kind).label})
    address = _CONTROL.sub("", child.address or "").strip() if child.address is not None else parent.address
    if len(address) > 255:
        raise refuse(_("事发地址不能超过 %(limit)d 个字") % {"limit": 255})
    return TicketDraft(
        request_type=child.request_type or parent.request_type, title=_text(child.title)[:200],
        description=description, channel=parent.channel, category=child.category,
        urgency=child.urgency or parent.urgency, caller_name=parent.caller_name, caller_sex=parent.caller_sex,
        caller_phone=parent.caller_phone, caller_company=parent.caller_company,
        # A withheld identity (匿名, or a 举报人 whatever the child's type) stays withheld on every child.
        is_anonymous=parent.identity_withheld,
        is_confidential=parent.is_confidential, address=address or "", district=district, street=street,
        community=community, latitude=parent.latitude if own_place else None,
        longitude=parent.longitude if own_place else None, split_from=parent,
    )


def _copy_attachments(parent: Ticket, child: Ticket, ids: Sequence[int], number: int) -> list[int]:
    """Attach the chosen files of the parent to the child: new rows naming the same stored files (no copy)."""
    wanted = {int(pk) for pk in ids}
    found = list(Attachment.objects.filter(ticket=parent, pk__in=wanted).order_by("uploaded_at", "id"))
    if len(found) != len(wanted):
        raise RuleViolation(_("第%(n)d项诉求：所选附件不属于本工单") % {"n": number})
    Attachment.objects.bulk_create([
        Attachment(ticket=child, file=a.file.name, original_name=a.original_name, kind=a.kind,
                   content_type=a.content_type, size=a.size, sha256=a.sha256, uploaded_by=a.uploaded_by,
                   uploaded_at=a.uploaded_at, is_public=a.is_public) for a in found])
    return [a.pk for a in found]


def _where(child: Ticket) -> str:
    """What the parent's note says of one child: its number, title, category and area (stored: Chinese)."""
    parts = [child.title]
    if child.category_id:
        parts.append(child.category.full_name)
    area = child.community or child.street or child.district
    if area is not None:
        parts.append(str(area))
    return f"{child.number}（{'，'.join(parts)}）"


@service
def split(ticket: Ticket, *, actor: User, children: Sequence[ChildDraft], note: str = "",
          expected_version: int | None = None) -> Ticket:
    """Split the other demands of an order into new orders (拆单), all or none; the parent's status stays.

    Each child is registered as any new order (`intake.register`) at this moment, copying the caller, the
    channel and the flags (匿名, 保密) of the parent, and `split_from` the parent. Returns the parent; its
    event's `data["children"]` lists the children (id, number, category, area, attachments copied).
    """
    if expected_version is not None and expected_version != ticket.version:
        raise ConflictError(_("工单已被他人处理，请刷新后重试"))
    step = begin(ticket, Action.SPLIT, actor)
    if (why := split_refused(ticket)) is not None:
        raise RuleViolation(why)
    if not children:
        raise RuleViolation(_("请至少填写一项要拆出的诉求"))
    if len(children) > MAX_CHILDREN:
        raise RuleViolation(_("一次最多拆出 %(limit)d 张工单") % {"limit": MAX_CHILDREN})
    reason = _CONTROL.sub("", note or "").strip()
    if len(reason) > MAX_NOTE:
        raise RuleViolation(_("拆单说明不能超过 %(limit)d 个字") % {"limit": MAX_NOTE})
    seen: dict[str, int] = {}
    drafts = [_child_draft(ticket, child, n, seen) for n, child in enumerate(children, start=1)]
    with translation.override(settings.LANGUAGE_CODE):  # stored text: not in the agent's page language
        name = label(Action, Action.SPLIT)
    made: list[dict] = []
    texts: list[str] = []
    for n, (child, draft) in enumerate(zip(children, drafts, strict=True), start=1):
        try:
            new = register(draft, actor=actor, note=f"拆自工单 {ticket.number}",
                           data={"split_from": ticket.pk, "split_from_number": ticket.number})
        except RuleViolation as exc:
            raise RuleViolation(_("第%(n)d项诉求：%(message)s") % {"n": n, "message": exc.message}) from exc
        copied = _copy_attachments(ticket, new, child.attachments, n) if child.attachments else []
        made.append({"id": new.pk, "number": new.number, "description": new.description,
                     "category": new.category_id, "district": new.district_id, "street": new.street_id,
                     "community": new.community_id, "attachments": copied})
        texts.append(_where(new))
    text = f"{name}：另行登记 {len(made)} 张工单：" + "；".join(texts) + "。原工单继续办理原诉求"
    if reason:
        text += f"。说明：{reason}"
    return step.commit(note=text, data={"children": made, **({"reason": reason} if reason else {})}, public=True)


def split_children(ticket: Ticket) -> list[Ticket]:
    """The orders split from this one (拆单), oldest first."""
    return list(Ticket.objects.filter(split_from=ticket).order_by("registered_at", "pk"))
