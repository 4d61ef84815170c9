"""改派 (reassignment): the centre takes an order back from the units holding it and sends it elsewhere.

For a dispatcher's mistake, a designated (指定) order at the wrong unit, or a unit dissolved in a
reorganisation: until now only the unit's own return (退单) could move an order away from it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core.entered import entered_text
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import ACTIVE_ASSIGNMENT, Action, AssignmentRole, Decision, Status
from hotline.tickets.exceptions import InvalidTransition, RuleViolation
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.services._core import begin, releasable, service
from hotline.tickets.services.dispatching import _release, catalogue_passed_over, dispatch
from hotline.tickets.services.termination import pending_terminations

#: The longest 改派理由.
REASON_MAX_LENGTH = 2000

#: Statuses where 改派 is refused because another step decides first: which one, in the refusal.
WAIT_FOR = {
    Status.RETURNED: gettext_lazy("退单待审核，请「同意退单」并选择新的主办单位（即改派），或「驳回退单」"),
    Status.AWAITING_CITIZEN: gettext_lazy("工单正等待群众补充（计时暂停），请先「恢复办理」再改派"),
    Status.REPLIED: gettext_lazy("承办单位已答复，请先审核答复：「退回重办」后方可改派"),
}

#: Why a reassignment is refused while the lead's termination request (终止办理) waits.
TERMINATION_PENDING = gettext_lazy("该工单有待审定的终止办理申请，请先「审定终止办理」再改派")


@service
def reassign(ticket: Ticket, *, actor: User, reason: str, lead: HandlingUnit,
             assisting: Sequence[HandlingUnit] = (), designate: bool = False) -> Ticket:
    """The centre withdraws every unit holding the order and dispatches it to another lead (改派), with a reason.

    Two timeline events: 改派 (to 待派单; the reason, the old and the new units) and then the dispatch
    (派单, or 指定派单 with `designate`), as `accept_return` re-dispatches. Every unit still holding the order
    (lead, assisting, a unit below that received it by 下派) is withdrawn (已撤回): its clocks end, its pending
    extension requests and the order's undecided unreasonable claims close. No unit is charged a return (no
    `ReturnRequest`, `return_count` unchanged). The order's close deadline does not move: the citizen kept
    waiting (unlike `accept_return`, where no deadline ran while the return awaited review). The withdrawn
    units' lateness flags already set stay. Refused for the same lead as now, and while a termination request
    awaits its decision; the dispatch's own rules apply (active units, three returns → only 指定派单).
    """
    try:
        step = begin(ticket, Action.REASSIGN, actor)
    except InvalidTransition:
        hint = WAIT_FOR.get(ticket.status)  # `begin` refreshed the instance under the lock before refusing
        if hint is None:
            raise
        raise InvalidTransition(_("工单%(number)s当前状态为「%(status)s」，不能改派：%(hint)s") % {
            "number": ticket.number or ticket.pk, "status": ticket.get_status_display(), "hint": hint}) from None
    reason = entered_text(reason, what=_("改派理由"), limit=REASON_MAX_LENGTH, required=True)
    holders = list(Assignment.objects.filter(ticket=ticket, status__in=ACTIVE_ASSIGNMENT).select_related("unit")
                   .order_by("role", "dispatched_at", "id"))
    old_lead = next((a.unit for a in holders if a.role == AssignmentRole.LEAD), None)
    if old_lead is not None and old_lead.pk == lead.pk:
        raise RuleViolation(_("「%(unit)s」已是该工单的主办单位，改派须选择其他主办单位") % {"unit": lead})
    if pending_terminations(ticket).exists():
        raise RuleViolation(str(TERMINATION_PENDING))
    extensions = list(Extension.objects.filter(assignment__in=Assignment.objects.filter(releasable(), ticket=ticket),
                                               status=Decision.PENDING).values_list("pk", flat=True))
    # A deadline passed since the last sweep (which turns lights red once a minute) is judged here, as the
    # sweep would have: the withdrawn unit's lateness is history, not wiped by the centre taking the order back.
    working = Assignment.objects.filter(ticket=ticket, status__in=ACTIVE_ASSIGNMENT)
    working.filter(signed_at__isnull=True, sign_due__lte=step.at).update(sign_overdue=True)
    working.filter(signed_at__isnull=False, replied_at__isnull=True, reply_due__lte=step.at).update(reply_overdue=True)
    claims = _release(step, "工单已改派，原承办单位撤回")
    assisting = list(dict.fromkeys(assisting))
    old_assisting = [a.unit for a in holders if a.role == AssignmentRole.ASSIST]
    note = f"改派：{reason}（原主办：{old_lead or '—'}" + (
        f"；原协办：{'、'.join(str(u) for u in old_assisting)}" if old_assisting else "") + f"；改派至：{lead}" + (
        f"；协办：{'、'.join(str(u) for u in assisting)}" if assisting else "") + "）"
    ticket = step.commit(Status.PENDING_DISPATCH, note=note, data={
        "reason": reason, "from_lead": old_lead.pk if old_lead else None,
        "from_assisting": [u.pk for u in old_assisting], "to_lead": lead.pk, "to_assisting": [u.pk for u in assisting],
        "designated": designate, "withdrawn": [a.pk for a in holders],
        **({"extensions_closed": extensions} if extensions else {}), **({"claims_closed": claims} if claims else {})})
    # The reason is the dispatch's 派单说明 where the catalogue names another lead (a street over a department).
    passed_over = catalogue_passed_over(ticket, lead) is not None
    return dispatch(ticket, actor=actor, lead=lead, assisting=assisting, designate=designate,
                    note=reason if passed_over else "")
