"""Vocabulary of outbound webhooks (事件推送): event types, delivery states, subscription kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.tickets.choices import Action, Status

#: Subscribe to every event type.
ALL_EVENTS = "order.*"


class EventType(models.TextChoices):
    """One per lifecycle step (the `Action` it comes from is in the payload)."""

    CREATED = "order.created", _("受理登记")
    ANSWERED = "order.answered", _("直接答复")
    TRANSFERRED = "order.transferred", _("转应急")
    NOT_ACCEPTED = "order.not_accepted", _("不予受理")
    SENT_TO_DISPATCH = "order.sent_to_dispatch", _("转派单")
    DISPATCHED = "order.dispatched", _("派单")
    SIGNED = "order.signed", _("签收")
    ASSIST_SIGNED = "order.assist_signed", _("协办签收")
    RETURNED = "order.returned", _("退单")
    RETURN_ACCEPTED = "order.return_accepted", _("同意退单")
    RETURN_REJECTED = "order.return_rejected", _("驳回退单")
    REASSIGNED = "order.reassigned", _("改派")
    EXTENSION_REQUESTED = "order.extension_requested", _("申请延期")
    EXTENSION_APPROVED = "order.extension_approved", _("批准延期")
    EXTENSION_DENIED = "order.extension_denied", _("驳回延期")
    INFO_REQUESTED = "order.info_requested", _("请群众补充")
    RESUMED = "order.resumed", _("恢复办理")
    REPLIED = "order.replied", _("答复")
    ASSIST_REPLIED = "order.assist_replied", _("协办答复")
    REPLY_APPROVED = "order.reply_approved", _("审核通过")
    SENT_BACK = "order.sent_back", _("退回重办")
    VISITED = "order.visited", _("回访")
    CLOSED = "order.closed", _("办结")
    REOPENED = "order.reopened", _("重新启用")
    MERGED = "order.merged", _("并单")
    MERGED_INTO = "order.merged_into", _("被并入")
    SUPERVISED = "order.supervised", _("催办/督办")
    UNREASONABLE_APPLIED = "order.unreasonable_applied", _("申请不合理诉求")
    UNREASONABLE_DECIDED = "order.unreasonable_decided", _("审定不合理诉求")
    APPEALED = "order.appealed", _("考核申诉")
    APPEAL_DECIDED = "order.appeal_decided", _("审定申诉")
    ATTACHMENT_ADDED = "order.attachment_added", _("上传附件")
    TERMINATION_APPLIED = "order.termination_applied", _("申请终止办理")
    TERMINATION_DECIDED = "order.termination_decided", _("审定终止办理")
    TERMINATED = "order.terminated", _("已终止办理")
    CONSULTATION_STARTED = "order.consultation_started", _("发起会商")
    OPINION_GIVEN = "order.consultation_opinion", _("会商意见")
    CONSULTATION_WITHDRAWN = "order.consultation_withdrawn", _("撤销会商")
    CHASED = "order.chased", _("群众催办")
    SUPPLEMENTED = "order.supplemented", _("补充诉求")
    CORRECTED = "order.corrected", _("工单更正")
    FORWARDED = "order.forwarded", _("下派")
    RECALLED = "order.recalled", _("收回下派")
    RETURNED_UP = "order.returned_up", _("下级退回")
    SPLIT = "order.split", _("拆单")


_BY_ACTION = {
    Action.REGISTER: EventType.CREATED, Action.ANSWER_DIRECTLY: EventType.ANSWERED,
    Action.TRANSFER: EventType.TRANSFERRED, Action.NOT_ACCEPT: EventType.NOT_ACCEPTED,
    Action.SEND_TO_DISPATCH: EventType.SENT_TO_DISPATCH, Action.DISPATCH: EventType.DISPATCHED,
    Action.DESIGNATE: EventType.DISPATCHED, Action.CONSULT: EventType.CONSULTATION_STARTED,
    Action.GIVE_OPINION: EventType.OPINION_GIVEN, Action.WITHDRAW_CONSULTATION: EventType.CONSULTATION_WITHDRAWN, Action.CONCLUDE_CONSULTATION: EventType.DISPATCHED,
    Action.SIGN: EventType.SIGNED, Action.SIGN_ASSIST: EventType.ASSIST_SIGNED,
    Action.RETURN: EventType.RETURNED, Action.ACCEPT_RETURN: EventType.RETURN_ACCEPTED,
    Action.REJECT_RETURN: EventType.RETURN_REJECTED, Action.REQUEST_EXTENSION: EventType.EXTENSION_REQUESTED,
    Action.APPROVE_EXTENSION: EventType.EXTENSION_APPROVED, Action.DENY_EXTENSION: EventType.EXTENSION_DENIED,
    Action.REQUEST_INFO: EventType.INFO_REQUESTED, Action.RESUME: EventType.RESUMED, Action.REPLY: EventType.REPLIED,
    Action.ASSIST_REPLY: EventType.ASSIST_REPLIED, Action.APPROVE_REPLY: EventType.REPLY_APPROVED,
    Action.SEND_BACK: EventType.SENT_BACK, Action.RETURN_VISIT: EventType.VISITED, Action.REOPEN: EventType.REOPENED,
    Action.MERGE: EventType.MERGED, Action.MERGE_INTO: EventType.MERGED_INTO, Action.SUPERVISE: EventType.SUPERVISED,
    Action.APPLY_UNREASONABLE: EventType.UNREASONABLE_APPLIED,
    Action.DECIDE_UNREASONABLE: EventType.UNREASONABLE_DECIDED, Action.APPEAL: EventType.APPEALED,
    Action.DECIDE_APPEAL: EventType.APPEAL_DECIDED, Action.ATTACH: EventType.ATTACHMENT_ADDED,
    Action.APPLY_TERMINATION: EventType.TERMINATION_APPLIED, Action.DECIDE_TERMINATION: EventType.TERMINATION_DECIDED,
    Action.CHASE: EventType.CHASED, Action.SUPPLEMENT: EventType.SUPPLEMENTED, Action.CORRECT: EventType.CORRECTED,
    Action.FORWARD: EventType.FORWARDED, Action.RECALL: EventType.RECALLED, Action.REASSIGN: EventType.REASSIGNED,
    Action.SPLIT: EventType.SPLIT,
}


def event_type_for(action: str, to_status: str) -> str:
    """The event a step raises: a return visit that closes the order is `order.closed`, an approved
    termination `order.terminated`, a return to the unit above that handed the order down `order.returned_up`."""
    if action == Action.RETURN_VISIT and to_status == Status.CLOSED:
        return EventType.CLOSED
    if action == Action.DECIDE_TERMINATION and to_status == Status.TERMINATED:
        return EventType.TERMINATED
    if action == Action.RETURN and to_status == Status.IN_PROGRESS:  # back to the unit above (下派), no review
        return EventType.RETURNED_UP
    return _BY_ACTION[action]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败")


class SubscriptionKind(models.TextChoices):
    """A webhook gets the events it subscribed to; a partner endpoint only what interop sends it."""

    WEBHOOK = "webhook", _("事件订阅")
    PARTNER = "partner", _("对接平台")
