"""Vocabulary of notifications: channels, delivery states, the milestone templates and the alerts to units."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")  # claimed by one sender (conditional UPDATE); the gateway call is under way
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Template(models.TextChoices):
    """The milestones a caller is told about; each is one text template under notifications/sms/."""

    ACCEPTED = "accepted", _("受理通知")
    DISPATCHED = "dispatched", _("转办通知")
    REPLIED = "replied", _("答复通知")
    VISIT = "visit", _("评价邀请")
    CLOSED = "closed", _("办结通知")
    MERGED = "merged", _("并单通知")
    EXTENDED = "extended", _("延期通知")
    TERMINATED = "terminated", _("终止办理通知")
    #: 拆单: the other demands of the caller's order were registered as new orders (their numbers and query codes).
    SPLIT = "split", _("拆单通知")
    # Alerts to a handling unit's duty phone (承办单位提醒), see `UnitAlertKind`.
    UNIT_DISPATCHED = "unit_dispatched", _("单位提醒：新派单")
    UNIT_DUE_SOON = "unit_due_soon", _("单位提醒：即将超期")
    UNIT_OVERDUE = "unit_overdue", _("单位提醒：已超期")
    UNIT_CHASED = "unit_chased", _("单位提醒：群众催办")
    UNIT_REHANDLE = "unit_rehandle", _("单位提醒：退回重办")
    UNIT_SUPERVISED = "unit_supervised", _("单位提醒：督办")


class Recipient(models.TextChoices):
    """Who a message is for: the caller of the order, or a handling unit's duty phone."""

    CITIZEN = "citizen", _("群众")
    UNIT = "unit", _("承办单位")


class UnitAlertKind(models.TextChoices):
    """What a handling unit is alerted about (承办单位提醒); the value is also the message's template."""

    DISPATCHED = Template.UNIT_DISPATCHED.value, _("新派单")
    DUE_SOON = Template.UNIT_DUE_SOON.value, _("即将超期")
    OVERDUE = Template.UNIT_OVERDUE.value, _("已超期")
    CHASED = Template.UNIT_CHASED.value, _("群众催办")
    #: The order is back with a unit to handle again: its reply sent back (退回重办), a return visit's 重办, or
    #: returned by the unit it was handed down to (下级退回).
    REHANDLE = Template.UNIT_REHANDLE.value, _("退回重办")
    #: The order is formally supervised (督办) by the centre, the district or the city government.
    SUPERVISED = Template.UNIT_SUPERVISED.value, _("督办")


class AlertScope(models.TextChoices):
    """Which orders an alert kind is sent for (the centre's choice per kind)."""

    OFF = "off", _("不发送")
    PRESSING = "pressing", _("仅紧急、较急和水电气热工单")
    ALL = "all", _("全部工单")
