"""Vocabulary of notifications: channels, delivery states and the milestone templates."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
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
