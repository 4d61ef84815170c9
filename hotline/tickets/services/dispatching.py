"""Dispatch (派单) and its objections: returns (退单), their review, designation (指定), merging (并单),
and the conclusion of a consultation (会商定责), which dispatches as a designation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    ConsultationStatus,
    Decision,
    ReturnReason,
    Status,
)
from hotline.tickets.exceptions import InvalidTransition, RuleViolation
from hotline.tickets.models import (
    Assignment,
    Extension,
    ForwardSettings,
    ReturnRequest,
    ReturnSettings,
    Ticket,
)
from hotline.tickets.services._core import Step, begin, move_assignment, releasable, service
from hotline.tickets.services.consultation import (
    CONSULTATION_OPEN,
    close_open_consultation,
    open_consultation,
)
from hotline.tickets.services.forwarding import return_to_forwarder
from hotline.tickets.services.handling import close_pending_claims
from hotline.tickets.services.termination import close_pending_terminations
from hotline.tickets.transitions import TRANSITIONS

if TYPE_CHECKING:
    from hotline.routing.models import DispatchRule


@service
def dispatch(ticket: Ticket, *, actor: User, lead: HandlingUnit, assisting: Sequence[HandlingUnit] = (),
             designate: bool = False, note: str = "") -> Ticket:
    """Send the order to one lead (主办) and any assisting (协办) units, snapshotting their deadlines.

    `designate=True` is a designation (指定派单): the lead may not return it. After as many returns the
    centre agreed with as 退单设置 says (`ReturnSettings.max_returns`, default 3), only a designation is
    allowed. A community (社区/村) leads only when 下派设置 allows orders to go down to communities; a street
    or community chosen over the department the dispatch catalogue (派单目录) names needs the reason in
    `note` (派单说明), recorded in the event (`_dispatch`).
    """
    step = begin(ticket, Action.DESIGNATE if designate else Action.DISPATCH, actor)
    if open_consultation(ticket) is not None:
        raise RuleViolation(str(CONSULTATION_OPEN))
    return _dispatch(step, lead=lead, assisting=assisting, designate=designate, note=note)


@service
def conclude_consultation(ticket: Ticket, *, actor: User, lead: HandlingUnit, assisting: Sequence[HandlingUnit] = (),
                          note: str) -> Ticket:
    """The dispatch desk decides whose duty the matter is after hearing the units (会商定责) and dispatches it.

    A lead that was one of the invited units is designated (指定派单): it cannot return the order, having had
    its say in the consultation. Any other lead (say, the unit the answers pointed to) gets a plain dispatch
    and may still return it — unless the order has used up its returns, when only a designation may send it. The desk may decide before every invited unit has answered (e.g. past the
    opinions' deadline); the event records how many had not. The public note names the units; the
    reasoning stays on the consultation.
    """
    step = begin(ticket, Action.CONCLUDE_CONSULTATION, actor)
    consultation = open_consultation(ticket)
    if consultation is None:
        raise InvalidTransition(_("该工单没有进行中的会商"))
    if not note.strip():
        raise RuleViolation(_("请写明定责意见（依据哪项职责由谁主办）"))
    consultation.status, consultation.ended_by, consultation.ended_at = ConsultationStatus.CONCLUDED, actor, step.at
    consultation.conclusion, consultation.lead = note, lead
    consultation.save(update_fields=["status", "ended_by", "ended_at", "conclusion", "lead"])
    opinions = list(consultation.opinions.values_list("unit_id", "answered_at"))
    unanswered = sum(1 for _unit, answered in opinions if answered is None)
    assisting = list(dict.fromkeys(assisting))
    consultation.assisting.set(assisting)
    names = "、".join(str(u) for u in assisting)
    text = f"会商定责：主办：{lead}" + (f"；协办：{names}" if names else "")
    invited = lead.pk in {unit for unit, _answered in opinions}
    # After the accepted returns of 退单设置 only a designation may send the order on (`_dispatch`).
    exhausted = bool(returns_used_up(ticket))
    return _dispatch(step, lead=lead, assisting=assisting, designate=invited or exhausted, note=text,
                     extra={"consultation": consultation.pk, "unanswered": unanswered})


#: Why the centre's dispatch refuses a community (社区/村) as lead while 下派设置 keeps orders above communities.
NOT_TO_COMMUNITIES = gettext_lazy("工单不派至社区（村）主办：社区是群众自治组织，不是承办工单的行政机关；"
                                  "请派街道（乡镇）或职能部门主办，社区可作协办单位")


def _dispatch(step: Step, *, lead: HandlingUnit, assisting: Sequence[HandlingUnit], designate: bool,
              note: str, extra: dict | None = None) -> Ticket:
    """Send the order to its units (every dispatch of the centre: 派单, 指定派单, 会商定责, re-dispatch).

    Legal responsibility first (国办函〔2025〕66号: a functional department's matter is not pushed down to
    the grassroots): a community leads only when 下派设置 allows orders down to communities, as 下派 does;
    a street or community chosen as lead where the catalogue's entry for the order names a department
    (or another unit that is not an area) needs a reason in `note`, and the event records the entry passed
    over (`catalogue_rule`, `catalogue_lead`): the dispatcher may know better, and says why.
    """
    ticket = step.ticket
    if ticket.is_confidential:
        raise RuleViolation(_("保密工单不派发至承办单位，由中心直接答复办理"))
    assisting = list(dict.fromkeys(assisting))
    if lead in assisting:
        raise RuleViolation(_("主办单位不能同时是协办单位"))
    for unit in [lead, *assisting]:
        if not unit.is_active or unit.kind == UnitKind.CENTRE:
            raise RuleViolation(_("「%(unit)s」不能承办工单") % {"unit": unit})
    if lead.kind == UnitKind.COMMUNITY and not ForwardSettings.current().to_communities:
        raise RuleViolation(str(NOT_TO_COMMUNITIES))
    if not designate and (accepted := returns_used_up(ticket)):
        raise RuleViolation(ngettext("该工单已退单%(count)d次，须由中心指定承办单位",
                                      "该工单已退单%(count)d次，须由中心指定承办单位", accepted)
                             % {"count": accepted})
    passed_over = catalogue_passed_over(ticket, lead)
    if passed_over is not None:
        if not note.strip():
            raise RuleViolation(_("派单目录规定此类诉求由「%(unit)s」主办；改由%(kind)s「%(lead)s」主办须写明理由（派单说明）")
                                % {"unit": passed_over.lead_unit, "kind": lead.get_kind_display(), "lead": lead})
        extra = {**(extra or {}), "catalogue_rule": passed_over.pk, "catalogue_lead": passed_over.lead_unit_id}
    policy = sla.policy_for(ticket)
    for unit, role in [(lead, AssignmentRole.LEAD), *[(u, AssignmentRole.ASSIST) for u in assisting]]:
        assignment = Assignment(ticket=ticket, unit=unit, role=role, is_designated=designate and role == "lead",
                                dispatched_at=step.at, dispatched_by=step.actor)
        sla.snapshot_assignment(assignment, policy, step.at)
        step.touch(assignment)
    sla.start_close_clock(ticket, policy, step.at)
    names = "、".join(str(u) for u in assisting)
    return step.commit(
        Status.DISPATCHED, note=note or f"主办：{lead}" + (f"；协办：{names}" if names else ""),
        data={"lead": lead.pk, "assisting": [u.pk for u in assisting], "designated": designate,
              "policy": policy.pk, **(extra or {})},
        public=True,
    )


@service
def return_order(ticket: Ticket, *, actor: User, reason_code: str, reason: str,
                 suggested_unit: HandlingUnit | None = None, unit: HandlingUnit | None = None) -> Ticket:
    """The lead unit returns the order as not its duty (退单), within the return window, with a reason."""
    step = begin(ticket, Action.RETURN, actor)
    assignment = step.assignment_for(unit, role=AssignmentRole.LEAD,
                                     statuses=[AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED])
    if assignment.is_designated:
        raise RuleViolation(_("指定派单的工单不能退单"))
    if reason_code not in ReturnReason.values or not reason.strip():
        raise RuleViolation(_("退单须选择原因并填写说明"))
    if step.at > assignment.return_due:
        raise RuleViolation(_("已超过退单时限，不能退单，请申请协调"))
    if assignment.forwarded_from_id is not None:  # received by 下派: back to the unit above, not to the centre
        return return_to_forwarder(step, assignment, reason_code=reason_code, reason=reason,
                                   suggested_unit=suggested_unit)
    ReturnRequest.objects.create(ticket=ticket, assignment=assignment, reason_code=reason_code, reason=reason,
                                 suggested_unit=suggested_unit, requested_by=actor, requested_at=step.at)
    move_assignment(assignment, AssignmentStatus.RETURNED)
    assignment.ended_at = step.at
    sla.hold_phase(assignment)  # no deadline runs while the centre reviews; 驳回退单 continues the phase
    step.touch(assignment)
    ticket.return_count += 1
    sla.stop_phase(ticket)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: not in the unit's page language
        note = f"{ReturnReason(reason_code).label}：{reason}"
    closed = close_pending_terminations(ticket, step.at, "工单已退单，终止办理申请不再审定")
    return step.commit(Status.RETURNED, note=note,
                       data={"reason_code": reason_code, "signed": assignment.signed_at is not None,
                             **({"terminations_closed": closed} if closed else {})})


def catalogue_passed_over(ticket: Ticket, lead: HandlingUnit) -> DispatchRule | None:
    """The dispatch catalogue's (派单目录) current entry for the order when `lead`, a street or community, is
    chosen over the unit it names — a department, utility or other unit that is not an area (区/街道/社区).

    None when the lead is not a street or community, or the catalogue has no entry for the order's
    category and place, or its entry names an area unit (a local matter, 属地管理) or this very lead.
    """
    if lead.kind not in (UnitKind.STREET, UnitKind.COMMUNITY) or ticket.category_id is None:
        return None
    from hotline.routing.models import AREA_KINDS  # routing builds on tickets, not the other way
    from hotline.routing.selectors import rule_for

    rule = rule_for(ticket.category, ticket.community or ticket.street or ticket.district)
    if rule is None or rule.lead_unit_id == lead.pk or rule.lead_unit.kind in AREA_KINDS:
        return None
    return rule


def returns_before_designation() -> int:
    """How many returns the centre agreed with before only a designation may send the order on (退单设置)."""
    return ReturnSettings.current().max_returns


def returns_used_up(ticket: Ticket) -> int:
    """The returns the centre agreed with, once they reach 退单设置's number (0 before): only a designation
    (指定派单) may then send the order on."""
    if not ticket.return_count:
        return 0
    limit = returns_before_designation()
    if ticket.return_count < limit:
        return 0
    accepted = _accepted_returns(ticket)
    return accepted if accepted >= limit else 0


def _accepted_returns(ticket: Ticket) -> int:
    """Returns the centre agreed with: the ones that sent the order on (a rejected return kept it).

    Not a return to the unit above that forwarded the order (下派): the centre never saw it.
    """
    return ReturnRequest.objects.filter(ticket=ticket, status=Decision.APPROVED,
                                        assignment__forwarded_from__isnull=True).count()


#: Why the order's undecided claims (不合理诉求) close when every unit is released, by the releasing step.
_CLAIMS_CLOSED_NOTE = {
    Action.ACCEPT_RETURN: "工单已退单，申请不再审定",
    Action.MERGE: "工单已并单，申请不再审定",
    Action.REASSIGN: "工单已改派，申请不再审定",
}


def _release(step: Step, note: str) -> list[int]:
    """Withdraw every unit still holding the order, ending their clocks and their pending extension requests.

    At a merge (并单) an assisting unit that had already given its reply did its part: it ends 已完成, as at a termination
    (`termination._end_handling`), not 已撤回 like a unit that never answered.
    The order's undecided claims (不合理诉求) close too (`handling.close_pending_claims`): the unit that
    filed one no longer handles the order — the returning lead whose return the centre accepted, or every
    unit of a merged order — and no later decision may take it. Returns the closed claims' ids.
    """
    ticket = step.ticket
    released = []
    for a in Assignment.objects.select_for_update().filter(releasable(), ticket=ticket):
        done = (step.action == Action.MERGE and a.role == AssignmentRole.ASSIST
                and a.status == AssignmentStatus.REPLIED)
        move_assignment(a, AssignmentStatus.COMPLETED if done else AssignmentStatus.WITHDRAWN)
        a.ended_at = step.at
        sla.stop_phase(a)
        step.touch(a)
        released.append(a.pk)
    Extension.objects.filter(assignment__in=released, status=Decision.PENDING).update(
        status=Decision.REJECTED, decided_by=step.actor, decided_at=step.at, decision_note=note)
    return close_pending_claims(ticket, step.at, _CLAIMS_CLOSED_NOTE[step.action])


def _pending_return(ticket: Ticket) -> ReturnRequest:
    found = ReturnRequest.objects.select_for_update().select_related("assignment").filter(
        ticket=ticket, status=Decision.PENDING).first()
    if found is None:
        raise InvalidTransition(_("没有待审核的退单"))
    return found


#: Why 同意退单 with 协办单位 or 「指定派单」 but no new lead is refused (the form and the API say the same).
ACCEPT_RETURN_NEEDS_LEAD = gettext_lazy("选择协办单位或「指定派单」须同时选择改派主办单位；不改派时请勿选择")


@service
def accept_return(ticket: Ticket, *, actor: User, note: str = "", lead: HandlingUnit | None = None,
                  assisting: Sequence[HandlingUnit] = (), designate: bool = False) -> Ticket:
    """The centre agrees the return was right; every unit is released. With `lead`, re-dispatch at once.

    No deadline ran while the return awaited review (docs/sla.md §6), so the order's close deadline moves
    later by the pending span, as when the centre rejects a return; the released units' deadlines end here.
    协办单位 or 「指定派单」 without a new lead are refused: they belong to the re-dispatch, and would be dropped.
    A new lead that passes over the catalogue's unit (a street or community for a department's matter) takes
    the review's `note` as its reason; without one the whole step is refused (`_dispatch`).
    """
    step = begin(ticket, Action.ACCEPT_RETURN, actor)
    if lead is None and (assisting or designate):
        raise RuleViolation(str(ACCEPT_RETURN_NEEDS_LEAD))
    request = _pending_return(ticket)
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        Decision.APPROVED, actor, step.at, note)
    request.save()
    claims = _release(step, "退单已同意，原承办单位撤回")
    sla.shift_close_due(ticket, request.requested_at, step.at)
    ticket = step.commit(Status.PENDING_DISPATCH, note=note or "同意退单",
                         data={"return": request.pk, **({"claims_closed": claims} if claims else {})})
    if lead is not None:
        # The review's words are the reason when the new lead passes over the catalogue's unit (`_dispatch`).
        reason = note if catalogue_passed_over(ticket, lead) is not None else ""
        ticket = dispatch(ticket, actor=actor, lead=lead, assisting=assisting, designate=designate, note=reason)
    return ticket


@service
def reject_return(ticket: Ticket, *, actor: User, note: str) -> Ticket:
    """The centre finds the unit responsible after all (驳回退单): the order goes back to it as it was.

    The unit could not act while the return awaited review, so that time is given back: its sign and
    reply deadlines and the close deadline move later by the pending span, as after a pause, and so does
    the yellow mark of the unit's deadline that ran when it returned the order (the light is not green
    again). The
    centre has ruled that the order is this unit's, so the assignment becomes designated (指定): it
    cannot be returned again.
    """
    step = begin(ticket, Action.REJECT_RETURN, actor)
    if not note.strip():
        raise RuleViolation(_("驳回退单须说明理由"))
    request = _pending_return(ticket)
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        Decision.REJECTED, actor, step.at, note)
    request.save()
    assignment = request.assignment
    signed = assignment.signed_at is not None
    move_assignment(assignment, AssignmentStatus.SIGNED if signed else AssignmentStatus.PENDING_SIGN)
    assignment.ended_at = None
    assignment.is_designated = True
    policy = ticket.sla_policy or sla.policy_for(ticket)
    sla.give_back_wait(ticket, assignment, policy, request.requested_at, step.at)
    # The phase the return stopped goes on, its yellow mark moved by the wait as after a pause (§7), each
    # deadline on the axis stored with it: the unit does not get a green light back by returning the order.
    due, basis = ((assignment.reply_due, assignment.reply_basis) if signed
                  else (assignment.sign_due, sla.sign_basis(assignment, policy)))
    sla.continue_phase(assignment, due=due, basis=basis, ratio=float(policy.yellow_ratio),
                       since=request.requested_at, at=step.at)
    step.touch(assignment)
    sla.start_close_clock(ticket, policy, step.at)
    return step.commit(Status.IN_PROGRESS if signed else Status.DISPATCHED, note=note,
                       data={"return": request.pk})


@service
def merge(ticket: Ticket, *, actor: User, master: Ticket, note: str = "") -> Ticket:
    """Merge a duplicate into its master order (并单): the duplicate stops, the master records it.

    The master must still be open (not 已办结, 直接答复 or otherwise finished): a merged order is answered
    through its master, so a finished master would leave it with nobody. An order that is itself the
    master of merged orders is not merged further (merge the other order into it instead), so that
    every merged order's master is an order still being handled.
    """
    # Both orders are locked in id order first, as every step that locks several orders does (taking a
    # 每月一题 theme on locks its orders so): locking the duplicate and then a lower master would wait in a
    # circle with such a step and end in a deadlock on PostgreSQL.
    list(Ticket.objects.select_for_update().filter(pk__in=[ticket.pk, master.pk]).order_by("pk")
         .values_list("pk", flat=True))
    step = begin(ticket, Action.MERGE, actor)
    master = Ticket.objects.get(pk=master.pk)  # the master's own copy may be stale; only its status matters
    if master.pk == ticket.pk:
        raise RuleViolation(_("不能并入自身"))
    if master.master_id or master.status not in MERGE_MASTER_STATUSES:
        raise RuleViolation(_("主工单%(master)s为「%(status)s」，已不再办理，不能作为主工单；请将本单作为新诉求派单办理")
                            % {"master": master.number, "status": master.get_status_display()})
    if master.channel == Channel.PROACTIVE and ticket.channel != Channel.PROACTIVE:
        raise RuleViolation(_("主工单%(master)s是中心主动发现的工单（未诉先办），办结时只做现场核查、不回访：群众的诉求不能并入；"
                              "可将工单%(master)s并入本单") % {"master": master.number})
    if Ticket.objects.filter(master=ticket).exists():
        raise RuleViolation(_("工单%(number)s已是其他工单的主工单，不能再并入其他工单；可改为将工单%(master)s并入本单")
                            % {"number": ticket.number, "master": master.number})
    claims = _release(step, "工单已并单")
    closed = close_pending_terminations(ticket, step.at, "工单已并单，终止办理申请不再审定")
    consultation = close_open_consultation(step, "工单已并单，会商撤销")
    ReturnRequest.objects.filter(ticket=ticket, status=Decision.PENDING).update(
        status=Decision.REJECTED, decided_by=actor, decided_at=step.at, decision_note="并单")
    ticket.master = master
    ticket.closed_at = step.at
    ticket.paused_at = None
    sla.stop_phase(ticket)
    merged = step.commit(Status.MERGED, note=merge_note(note, master), public=True, data={
        "master": master.pk, **({"terminations_closed": closed} if closed else {}),
        **({"claims_closed": claims} if claims else {}),
        **({"consultation_closed": consultation} if consultation else {})})
    _record_merge_on_master(master, merged, actor, note)
    return merged


#: The merged order's public note when its master is confidential (保密): the master is not named outside the centre.
CONFIDENTIAL_MERGE_NOTE = "已与相同诉求合并办理"


def merge_note(note: str, master: Ticket) -> str:
    """The merged order's public 并单 note: the note given, or 「并入主工单 <number>」.

    It goes out with the order's public steps (webhooks, partners: `public_text.outbound_note`), so a
    confidential master's number is never in it: the default says 「已与相同诉求合并办理」 and a note that
    names the master has the number taken out, as the SMS and the tracking page never name it.
    """
    if not master.is_confidential:
        return note or f"并入主工单 {master.number}"
    text = " ".join(note.replace(master.number, "").split()) if note else ""
    return text if text and note.strip() != f"并入主工单 {master.number}" else CONFIDENTIAL_MERGE_NOTE


#: Statuses an order may be in to take a duplicate (并单的主工单): still open.
MERGE_MASTER_STATUSES = TRANSITIONS[Action.MERGE_INTO].sources


def _record_merge_on_master(master: Ticket, merged: Ticket, actor: User, note: str) -> None:
    step = begin(master, Action.MERGE_INTO, actor)
    step.commit(note=note or f"工单 {merged.number} 并入本单", data={"merged": merged.pk})
