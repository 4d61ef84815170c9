"""What citizens read: plain labels for statuses and steps, free of the centre's internal vocabulary."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Action, Status, VisitMethod

#: Request types a citizen may choose on the submit form (praise has its own page).
SUBMIT_TYPES = [(t.value, t.label) for t in RequestType if t != RequestType.PRAISE]

#: The status as the citizen sees it; internal steps (returns, reviews) read as plain progress.
PUBLIC_STATUS: dict[str, Promise] = {
    Status.REGISTERED: _("已受理"),
    Status.PENDING_DISPATCH: _("已受理，正在派单"),
    Status.DISPATCHED: _("已转交承办单位"),
    Status.RETURNED: _("正在重新派单"),
    Status.IN_PROGRESS: _("办理中"),
    Status.AWAITING_CITIZEN: _("待您补充信息"),
    Status.REPLIED: _("已办理，答复审核中"),
    Status.AWAITING_VISIT: _("已答复，待回访"),
    Status.CLOSED: _("已办结"),
    Status.ANSWERED: _("已答复办结"),
    Status.TRANSFERRED: _("已转应急部门处理"),
    Status.NOT_ACCEPTED: _("不予受理"),
    Status.MERGED: _("已与相同诉求合并办理"),
    Status.TERMINATED: _("已终止办理"),
}

#: Steps the public timeline names, with the citizen's label. A public event of any other action is
#: still listed, under its ordinary label.
PUBLIC_ACTION: dict[str, Promise] = {
    Action.REGISTER: _("诉求已受理"),
    Action.SEND_TO_DISPATCH: _("转派单"),
    Action.DISPATCH: _("转交承办单位"),
    Action.DESIGNATE: _("转交承办单位"),
    Action.CONSULT: _("相关单位会商，确定承办单位"),
    Action.CONCLUDE_CONSULTATION: _("转交承办单位"),
    Action.FORWARD: _("转交承办单位"),
    Action.RECALL: _("承办单位调整"),
    Action.SIGN: _("承办单位已接收"),
    Action.REQUEST_INFO: _("请您补充信息"),
    Action.RESUME: _("恢复办理"),
    Action.APPROVE_REPLY: _("办理结果已答复"),
    Action.SEND_BACK: _("重新办理"),
    Action.RETURN_VISIT: _("回访"),
    Action.REOPEN: _("重新办理"),
    Action.ANSWER_DIRECTLY: _("直接答复"),
    Action.TRANSFER: _("转应急部门"),
    Action.NOT_ACCEPT: _("不予受理"),
    Action.MERGE: _("合并办理"),
    Action.APPROVE_EXTENSION: _("办理期限延长"),
    Action.DECIDE_TERMINATION: _("终止办理"),
    Action.CHASE: _("群众来电催办"),
    Action.SUPPLEMENT: _("补充诉求"),
    Action.SPLIT: _("其他诉求另行登记"),
}

#: The master's status as a merged order's page shows it: the master's caller was asked to add information, not
#: the citizen reading this page (who cannot see the question).
MERGED_MASTER_STATUS: dict[str, Promise] = {
    Status.AWAITING_CITIZEN: _("办理中（承办单位正在核实情况）"),
}


def public_status(status: str, *, awaiting_acceptance: bool = False, for_merged: bool = False) -> str:
    """The citizen's label of a status; an online request the centre has not accepted yet (网上受理,
    `Ticket.awaiting_acceptance`) reads 已提交，待受理. `for_merged`: the master's status told on the page of an
    order merged into it (`MERGED_MASTER_STATUS`: 待群众补充 is the master's caller's, not this citizen's)."""
    if awaiting_acceptance and status == Status.REGISTERED:
        return str(_("已提交，待受理"))
    if for_merged and status in MERGED_MASTER_STATUS:
        return str(MERGED_MASTER_STATUS[status])
    label = PUBLIC_STATUS.get(status)
    return str(label) if label is not None else str(Status(status).label)


def public_action(action: str, data: dict[str, Any] | None = None, *, online: bool = False) -> str:
    """The citizen's label of a step; given the step's data, a proactive order's check reads 现场核查; an
    online request's registration (`online`) reads 诉求已提交: the centre accepts it with its first decision;
    a chase reads 群众来电催办, or 群众网上催办 when made on the portal."""
    if action == Action.REGISTER and online:
        return str(_("诉求已提交"))
    if action == Action.CHASE and (data or {}).get("channel") == "portal":
        return str(_("群众网上催办"))
    if action == Action.RETURN_VISIT and (data or {}).get("verified"):
        return str(VisitMethod.VERIFY.label)
    if action == Action.RETURN_VISIT and (data or {}).get("unreachable"):
        return str(_("多次回访未能联系上，工单办结"))
    label = PUBLIC_ACTION.get(action)
    return str(label) if label is not None else str(Action(action).label)
