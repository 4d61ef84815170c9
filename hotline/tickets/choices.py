"""Vocabulary of work orders (工单): statuses, actions, channels and the reason codes of each step."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a work order stands in its lifecycle."""

    REGISTERED = "registered", _("已登记")
    PENDING_DISPATCH = "pending_dispatch", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("退单待审")
    IN_PROGRESS = "in_progress", _("办理中")
    AWAITING_CITIZEN = "awaiting_citizen", _("待群众补充")
    REPLIED = "replied", _("答复待审")
    AWAITING_VISIT = "awaiting_visit", _("待回访")
    CLOSED = "closed", _("已办结")
    ANSWERED = "answered", _("直接答复")
    TRANSFERRED = "transferred", _("已转应急")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    MERGED = "merged", _("已并单")
    TERMINATED = "terminated", _("已终止办理")


FINISHED = frozenset(
    {Status.CLOSED, Status.ANSWERED, Status.TRANSFERRED, Status.NOT_ACCEPTED, Status.MERGED, Status.TERMINATED}
)
#: Statuses in which the order is with a handling unit (its clock runs, lights are meaningful).
WITH_UNIT = frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.REPLIED})


class Action(models.TextChoices):
    """Every lifecycle step; each is one service function and one timeline event."""

    REGISTER = "register", _("受理登记")
    ANSWER_DIRECTLY = "answer_directly", _("直接答复")
    TRANSFER = "transfer", _("转应急")
    NOT_ACCEPT = "not_accept", _("不予受理")
    SEND_TO_DISPATCH = "send_to_dispatch", _("转派单")
    DISPATCH = "dispatch", _("派单")
    DESIGNATE = "designate", _("指定派单")
    CONSULT = "consult", _("发起会商")
    GIVE_OPINION = "give_opinion", _("会商意见")
    CONCLUDE_CONSULTATION = "conclude_consultation", _("会商定责")
    WITHDRAW_CONSULTATION = "withdraw_consultation", _("撤销会商")
    SIGN = "sign", _("签收")
    SIGN_ASSIST = "sign_assist", _("协办签收")
    RETURN = "return", _("退单")
    FORWARD = "forward", _("下派")
    RECALL = "recall", _("收回下派")
    ACCEPT_RETURN = "accept_return", _("同意退单")
    REJECT_RETURN = "reject_return", _("驳回退单")
    REASSIGN = "reassign", _("改派")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    DENY_EXTENSION = "deny_extension", _("驳回延期")
    REQUEST_INFO = "request_info", _("请群众补充")
    RESUME = "resume", _("恢复办理")
    REPLY = "reply", _("答复")
    ASSIST_REPLY = "assist_reply", _("协办答复")
    APPROVE_REPLY = "approve_reply", _("审核通过")
    SEND_BACK = "send_back", _("退回重办")
    RETURN_VISIT = "return_visit", _("回访")
    REOPEN = "reopen", _("重新启用")
    MERGE = "merge", _("并单")
    MERGE_INTO = "merge_into", _("被并入")
    SUPERVISE = "supervise", _("催办/督办")
    APPLY_UNREASONABLE = "apply_unreasonable", _("申请不合理诉求")
    DECIDE_UNREASONABLE = "decide_unreasonable", _("审定不合理诉求")
    APPEAL = "appeal", _("考核申诉")
    DECIDE_APPEAL = "decide_appeal", _("审定申诉")
    APPLY_TERMINATION = "apply_termination", _("申请终止办理")
    DECIDE_TERMINATION = "decide_termination", _("审定终止办理")
    ATTACH = "attach", _("上传附件")
    CHASE = "chase", _("群众催办")
    SUPPLEMENT = "supplement", _("补充诉求")
    CORRECT = "correct", _("工单更正")
    SPLIT = "split", _("拆单")


#: Steps that send the order to its units (派单): a plain dispatch, a designation, and a consultation's conclusion.
DISPATCH_ACTIONS = frozenset({Action.DISPATCH, Action.DESIGNATE, Action.CONCLUDE_CONSULTATION})


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    WECHAT = "wechat", _("微信")
    APP = "app", _("App")
    MAILBOX = "mailbox", _("市长信箱")
    SMS = "sms", _("短信")
    WEIBO = "weibo", _("微博")
    TRANSFER_IN = "transfer_in", _("110/其他平台转入")
    PROACTIVE = "proactive", _("主动发现（未诉先办）")


#: Channels whose requests wait for the centre to accept them (网上诉求), against `sla.AcceptanceSettings`.
ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.WECHAT, Channel.APP, Channel.MAILBOX, Channel.SMS, Channel.WEIBO})


class Sex(models.TextChoices):
    UNKNOWN = "", _("未知")
    MALE = "m", _("男")
    FEMALE = "f", _("女")


class EmergencyService(models.TextChoices):
    POLICE = "110", _("110 公安")
    FIRE = "119", _("119 消防")
    AMBULANCE = "120", _("120 急救")
    TRAFFIC = "122", _("122 交警")


class NotAcceptedReason(models.TextChoices):
    """告知/不予受理 reasons (条例: legal channels, repeats, secrets, outside duties, unlawful)."""

    LEGAL_CHANNEL = "legal_channel", _("应通过诉讼、仲裁、信访等法定途径解决")
    REPEAT = "repeat", _("重复诉求且无新情况")
    SECRET = "secret", _("涉及国家秘密、商业秘密或个人隐私")
    OUTSIDE_DUTY = "outside_duty", _("不属于政府职责范围")
    UNLAWFUL = "unlawful", _("违反法律法规或公序良俗")
    OTHER = "other", _("其他")


class TerminationReason(models.TextChoices):
    """Why a unit asks to stop handling an order (终止办理); the centre decides after a written review."""

    WITHDRAWN = "withdrawn", _("诉求人撤回")
    LEGAL_CHANNEL = "legal_channel", _("已进入诉讼/仲裁/信访等法定途径")
    UNREACHABLE = "unreachable", _("无法联系且无法核实")
    DUPLICATE = "duplicate", _("已由其他工单办理")
    OTHER = "other", _("其他")


#: Termination reasons about the citizen who asked: never for a proactive order (主动发现, nobody asked).
CITIZEN_TERMINATION_REASONS = frozenset({TerminationReason.WITHDRAWN, TerminationReason.UNREACHABLE})


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING_SIGN = "pending_sign", _("待签收")
    SIGNED = "signed", _("办理中")
    RETURNED = "returned", _("已退单")
    REPLIED = "replied", _("已答复")
    WITHDRAWN = "withdrawn", _("已撤回")
    COMPLETED = "completed", _("已完成")
    FORWARDED = "forwarded", _("已下派")


ACTIVE_ASSIGNMENT = frozenset({AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED})
#: Assignments whose unit no longer answers for the order: returned (退单), withdrawn, or handed down (下派).
LEFT_ASSIGNMENT = frozenset({AssignmentStatus.RETURNED, AssignmentStatus.WITHDRAWN, AssignmentStatus.FORWARDED})


class ReturnReason(models.TextChoices):
    NOT_OUR_DUTY = "not_our_duty", _("不属于本单位职责")
    NOT_OUR_AREA = "not_our_area", _("不属于本辖区")
    UNCLEAR = "unclear", _("诉求或地址不清")
    DUPLICATE = "duplicate", _("重复工单")
    OTHER = "other", _("其他")


class ConsultationStatus(models.TextChoices):
    """Where a consultation (会商) on an order's responsibility stands."""

    OPEN = "open", _("会商中")
    CONCLUDED = "concluded", _("已定责")
    CLOSED = "closed", _("已撤销")


class Stance(models.TextChoices):
    """A consulted unit's view of its own responsibility for the matter (会商意见)."""

    LEAD = "lead", _("属本单位职责，可主办")
    ASSIST = "assist", _("可协办")
    NOT_OURS = "not_ours", _("不属本单位职责")


class Decision(models.TextChoices):
    PENDING = "pending", _("待审")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("驳回")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    NO_OPINION = "no_opinion", _("未表态")


class VisitMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    ONLINE = "online", _("网上评价")
    VERIFY = "verify", _("现场核查")


class FollowUpChannel(models.TextChoices):
    """How a citizen's repeat contact on an open order reached the centre (群众催办, 补充诉求)."""

    PHONE = "phone", _("来电")  # recorded by the centre's staff on the line
    PORTAL = "portal", _("网上")


class SupervisionKind(models.TextChoices):
    REMIND = "remind", _("催办")
    SUPERVISE = "supervise", _("督办")


class SupervisionLevel(models.IntegerChoices):
    CENTRE = 1, _("热线中心")
    DISTRICT = 2, _("区政府")
    CITY = 3, _("市政府")
