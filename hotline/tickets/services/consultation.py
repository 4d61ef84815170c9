"""Consultation before dispatch (会商): when it is unclear whose duty a matter is, ask the units first.

The dispatch desk names the candidate units and the question (发起会商). Each invited unit answers with
its stance — it can lead, it can assist, or the matter is not its duty — and the duty list its answer
rests on (三定、权责清单、履职清单), optionally naming the unit it thinks responsible (会商意见); it may
revise its answer while the consultation is open. The desk then decides (会商定责, in `dispatching`):
the order goes to the lead it names — as a designation (指定派单), which cannot be returned, when the lead
was one of the invited units (it has had its say), else as a plain dispatch. While a consultation is open the order is not dispatched another way; answering it
directly, transferring, refusing or merging it ends the consultation (已撤销), and so does the desk's own
撤销会商 (the order then waits for dispatch again). The event notes are public (partners read them): they
name the units, never the question, the opinions or the desk's reasoning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core import workcalendar
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import LimitUnit
from hotline.tickets.choices import Action, ConsultationStatus, Stance
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Consultation, Opinion, Ticket, TimelineEvent
from hotline.tickets.services._core import Step, begin, registered_here, service

__all__ = ["CONSULTATION_OPEN", "MAX_CONSULTED_UNITS", "MIN_CONSULTED_UNITS", "close_open_consultation",
           "consultation_open", "give_opinion", "open_consultation", "opinions_only_since", "start_consultation",
           "withdraw_consultation"]

#: Why the order is not dispatched another way now; the refusal and the order page say the same words.
CONSULTATION_OPEN = gettext_lazy("该工单正在会商，请以「会商定责」派单")

#: A consultation asks at least two units (one unit is simply dispatched, and may return it) and at most ten.
MIN_CONSULTED_UNITS = 2
MAX_CONSULTED_UNITS = 10


def open_consultation(ticket: Ticket) -> Consultation | None:
    """The order's consultation still waiting for the desk's conclusion (one at a time)."""
    if registered_here(ticket):  # intake's first decision: nobody has consulted on it yet
        return None
    return Consultation.objects.filter(ticket=ticket, status=ConsultationStatus.OPEN).first()


def consultation_open(ticket: Ticket) -> bool:
    """Whether a consultation on the order waits for its conclusion."""
    return open_consultation(ticket) is not None


def close_open_consultation(step: Step, note: str) -> int | None:
    """The order left dispatching another way (直接答复, 转应急, 不予受理, 并单): its open consultation ends
    undecided (已撤销), with `note` saying why. Returns its id, for the step's event data."""
    found = open_consultation(step.ticket)
    if found is None:
        return None
    found.status, found.ended_by, found.ended_at, found.conclusion = (
        ConsultationStatus.CLOSED, step.actor, step.at, note)
    found.save(update_fields=["status", "ended_by", "ended_at", "conclusion"])
    return found.pk


def _names(units: Sequence[HandlingUnit]) -> str:
    return "、".join(str(u) for u in units)


def opinions_due(at: datetime) -> datetime:
    """When the invited units' opinions are due: the centre's limit in working days (派单推荐设置)."""
    from hotline.routing.models import DispatchSettings  # routing builds on tickets, not the other way

    return workcalendar.add_limit(at, DispatchSettings.current().consultation_days, LimitUnit.WORKING_DAYS)


@service
def start_consultation(ticket: Ticket, *, actor: User, units: Sequence[HandlingUnit], question: str) -> Ticket:
    """The dispatch desk asks the candidate units whose duty the matter is (发起会商)."""
    step = begin(ticket, Action.CONSULT, actor)
    if ticket.is_confidential:
        raise RuleViolation(_("保密工单不派发至承办单位，由中心直接答复办理"))
    if not question.strip():
        raise RuleViolation(_("请写明需要会商的问题"))
    units = list(dict.fromkeys(units))
    if not MIN_CONSULTED_UNITS <= len(units) <= MAX_CONSULTED_UNITS:
        raise RuleViolation(_("会商须邀请 %(min)d 至 %(max)d 个单位")
                            % {"min": MIN_CONSULTED_UNITS, "max": MAX_CONSULTED_UNITS})
    for unit in units:
        if not unit.is_active or unit.kind == UnitKind.CENTRE:
            raise RuleViolation(_("「%(unit)s」不能参加会商") % {"unit": unit})
    if consultation_open(ticket):
        raise RuleViolation(_("该工单已有进行中的会商"))
    consultation = Consultation.objects.create(ticket=ticket, question=question, started_by=actor,
                                               started_at=step.at, opinions_due=opinions_due(step.at))
    Opinion.objects.bulk_create([Opinion(consultation=consultation, unit=u) for u in units])
    # The note is public (partners and webhooks read it): the units, not the question (the 会商 section shows it).
    return step.commit(note=f"发起会商；会商单位：{_names(units)}",
                       data={"consultation": consultation.pk, "units": [u.pk for u in units]}, public=True)


@service
def withdraw_consultation(ticket: Ticket, *, actor: User, reason: str) -> Ticket:
    """The dispatch desk drops an open consultation (撤销会商): e.g. the wrong units were asked, or the answers point
    to a unit not asked (withdraw, then ask again). The order stays waiting for dispatch."""
    step = begin(ticket, Action.WITHDRAW_CONSULTATION, actor)
    if not reason.strip():
        raise RuleViolation(_("请说明撤销会商的理由"))
    closed = close_open_consultation(step, reason)
    if closed is None:
        raise InvalidTransition(_("该工单没有进行中的会商"))
    return step.commit(note=f"撤销会商：{reason}", data={"consultation": closed})


def _own_opinion(step: Step, consultation: Consultation, unit: HandlingUnit | None) -> Opinion:
    """The opinion row of the actor's own invited unit (members of the unit answer, not those above it)."""
    qs = Opinion.objects.select_for_update(of=("self",)).select_related("unit").filter(consultation=consultation)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if step.actor is not None and not step.actor.is_centre_staff:
        qs = qs.filter(unit__memberships__user=step.actor)
    found = list(qs[:20])
    if not found:
        raise NotPermitted(_("您所在单位未受邀参加该工单的会商"))
    if len(found) > 1:
        raise RuleViolation(_("您属于多个受邀单位，请指明以哪个单位发表意见"))
    return found[0]


@service
def give_opinion(ticket: Ticket, *, actor: User, stance: str, basis: str,
                 suggested_unit: HandlingUnit | None = None, unit: HandlingUnit | None = None) -> Ticket:
    """An invited unit says whether the matter is its duty, and on what duty list (会商意见); it may revise it
    until the desk concludes."""
    step = begin(ticket, Action.GIVE_OPINION, actor)
    consultation = open_consultation(ticket)
    if consultation is None:
        raise InvalidTransition(_("该工单没有进行中的会商"))
    opinion = _own_opinion(step, consultation, unit)
    if not opinion.unit.is_active:
        raise RuleViolation(_("「%(unit)s」已停用，不能发表会商意见") % {"unit": opinion.unit})
    if stance not in Stance.values:
        raise RuleViolation(_("请选择本单位的会商意见"))
    if not basis.strip():
        raise RuleViolation(_("请写明职责依据（三定方案、权责清单或履职清单的相关条目）"))
    if suggested_unit is not None and (suggested_unit.pk == opinion.unit_id or not suggested_unit.is_active
                                       or suggested_unit.kind == UnitKind.CENTRE):
        raise RuleViolation(_("建议承办单位须是本单位以外的在用承办单位"))
    revised = opinion.answered_at is not None
    opinion.stance, opinion.basis, opinion.suggested_unit = stance, basis, suggested_unit
    opinion.author = actor
    if revised:
        opinion.revised_at = step.at
    else:
        opinion.answered_at = step.at
    opinion.save()
    step.unit = opinion.unit
    with translation.override(settings.LANGUAGE_CODE):  # stored text: not in the unit's page language
        label = str(Stance(stance).label)
        suggestion = _("；建议由%(unit)s承办") % {"unit": suggested_unit} if suggested_unit else ""
    return step.commit(note=f"{'修改' if revised else ''}会商意见：{label}；依据：{basis}{suggestion}",
                       data={"consultation": consultation.pk, "stance": stance, "revised": revised,
                             **({"suggested_unit": suggested_unit.pk} if suggested_unit else {})})


def opinions_only_since(ticket: Ticket, version: int, *, user: User) -> bool:
    """Whether every step on the order after `version` is another unit's 会商意见: then this person's page or API
    call made on that version may still give their unit's opinion. Opinions of other units do not conflict with
    it; the desk's steps do, and so does an opinion of one of the person's own units (a colleague's, or their own
    for another unit they belong to), which they have not seen."""
    since = list(TimelineEvent.objects.filter(ticket=ticket, seq__gt=version).values_list("action", "unit_id"))
    if not since or any(action != Action.GIVE_OPINION for action, _unit in since):
        return False
    own = set(user.units.values_list("pk", flat=True))
    return not any(unit in own for _action, unit in since)


def opinions_of(consultation: Consultation) -> QuerySet[Opinion]:
    """A consultation's opinions with their units, in the order the units were invited."""
    return consultation.opinions.select_related("unit", "suggested_unit").order_by("id")
