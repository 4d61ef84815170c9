"""Vocabulary of calls (来电): CTI event types, call dispositions, agent states and callbacks (回拨)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What the PBX/ACD reports (one CTI event)."""

    CALL_OFFERED = "call.offered", _("来电")
    CALL_QUEUED = "call.queued", _("进入排队")
    CALL_ANSWERED = "call.answered", _("坐席应答")
    CALL_ABANDONED = "call.abandoned", _("排队放弃")
    CALL_TRANSFERRED = "call.transferred", _("转接")
    CALL_ENDED = "call.ended", _("通话结束")
    AGENT_LOGIN = "agent.login", _("坐席签入")
    AGENT_READY = "agent.ready", _("示闲")
    AGENT_NOT_READY = "agent.not_ready", _("示忙")
    AGENT_WRAPUP = "agent.wrapup", _("话后处理")
    AGENT_LOGOUT = "agent.logout", _("坐席签出")


CALL_EVENTS = frozenset(t for t in EventType if t.startswith("call."))
AGENT_EVENTS = frozenset(t for t in EventType if t.startswith("agent."))

#: Events at the same moment are applied in this order (then by event id), whatever order they came in.
EVENT_RANK = {t: i for i, t in enumerate(EventType)}


class Disposition(models.TextChoices):
    """How a call ended up (derived from its events)."""

    IN_PROGRESS = "in_progress", _("进行中")
    IVR = "ivr", _("自助语音结束")
    ANSWERED = "answered", _("已接通")
    ABANDONED = "abandoned", _("排队放弃")
    SHORT_ABANDONED = "short_abandoned", _("短时放弃")
    MISSED = "missed", _("未接")


class AgentState(models.TextChoices):
    """An agent's state between two agent events (logged out is not stored)."""

    READY = "ready", _("示闲/通话")
    NOT_READY = "not_ready", _("示忙")
    WRAPUP = "wrapup", _("话后处理")


class CallbackStatus(models.TextChoices):
    """Where a callback (漏接回拨) stands."""

    OPEN = "open", _("待回拨")
    CLAIMED = "claimed", _("回拨中")
    REACHED = "reached", _("已联系")
    RESOLVED = "resolved", _("电话中已解决")
    WRONG_NUMBER = "wrong_number", _("号码错误")
    UNREACHABLE = "unreachable", _("多次未接通")
    SUPERSEDED = "superseded", _("来电人已再次接通")
    #: A second unfinished callback of one number, closed when merged into the first (migration 0005).
    MERGED = "merged", _("已合并")


#: A caller has at most one unfinished callback (the `calls_callback_one_unfinished` constraint).
UNFINISHED = frozenset({CallbackStatus.OPEN, CallbackStatus.CLAIMED})


class CallbackOutcome(models.TextChoices):
    """What a callback attempt gave."""

    REACHED = "reached", _("已联系")
    NO_ANSWER = "no_answer", _("无人接听")
    WRONG_NUMBER = "wrong_number", _("号码错误")
    RESOLVED = "resolved", _("电话中已解决")


class CallbackAction(models.TextChoices):
    """Every change of a callback; each writes one audit record."""

    CREATE = "create", _("生成回拨")
    CLAIM = "claim", _("领取")
    RELEASE = "release", _("放回队列")
    OUTCOME = "outcome", _("登记结果")
    SUPERSEDE = "supersede", _("来电人已再次接通")
    LINK_ORDER = "link_order", _("关联工单")
    MERGE = "merge", _("合并重复回拨")
