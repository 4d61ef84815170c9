"""Vocabulary of platform interoperation (工单警单双向流转)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    EMERGENCY = "emergency", _("应急平台（110/119/120/122）")
    SPECIALISED = "specialised", _("专业热线（12315、12369 等）")
    PLATFORM = "platform", _("其他平台")


class Direction(models.TextChoices):
    IN = "in", _("转入")
    OUT = "out", _("转出")


class MessageKind(models.TextChoices):
    """One line of a partner's log."""

    TRANSFER_IN = "transfer_in", _("工单转入")
    DUPLICATE_IN = "duplicate_in", _("重复转入")
    TRANSFER_OUT = "transfer_out", _("工单转出")
    UPDATE_OUT = "update_out", _("进展回传")
    ACK_IN = "ack_in", _("对方签收")
    FEEDBACK_IN = "feedback_in", _("对方反馈")
    NO_ENDPOINT = "no_endpoint", _("未配置接收地址")


#: Event types of what the centre sends to a partner (X-Hotline-Event).
TRANSFER_CREATED = "transfer.created"
TRANSFER_UPDATE = "transfer.update"
