"""Vocabulary of quality inspection (坐席工单质检): what a checklist item applies to, why an order was
sampled, where an inspection stands and what its log records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """Which orders a checklist item (质检项) applies to, by the first decision the agent took."""

    ALL = "all", _("全部工单")
    DIRECT_ANSWER = "direct_answer", _("仅直接答复")
    DISPATCH = "dispatch", _("仅转派单")
    TRANSFER_REFUSAL = "transfer_refusal", _("仅转应急和不予受理")


class Decision(models.TextChoices):
    """The first decision the intake agent took on an order (as the timeline records it)."""

    NONE = "", _("尚未处理")
    DIRECT_ANSWER = "direct_answer", _("直接答复")
    DISPATCH = "dispatch", _("转派单")
    TRANSFER_REFUSAL = "transfer_refusal", _("转应急或不予受理")


class SampleReason(models.TextChoices):
    """Why an order was picked for inspection (抽检原因)."""

    RANDOM = "random", _("随机抽检")
    RETURN_UNCLEAR = "return_unclear", _("退单：诉求或地址不清")
    ANSWER_REOPENED = "answer_reopened", _("直接答复后重启")
    CORRECTED = "corrected", _("分类或地点被更正")
    #: No longer drawn (a direct answer is never return-visited: visits follow a unit's reply); kept so that
    #: samples drawn before still show their reason.
    ANSWER_UNRESOLVED = "answer_unresolved", _("直接答复未解决或不满意")


#: The targeted reasons a draw gives (定向抽检): an intake fault shown by what happened to the order later.
TARGETED = frozenset({SampleReason.RETURN_UNCLEAR, SampleReason.ANSWER_REOPENED, SampleReason.CORRECTED})


class InspectionStatus(models.TextChoices):
    """Where an inspection stands (质检状态)."""

    PENDING = "pending", _("待质检")
    INSPECTED = "inspected", _("已质检")
    APPEALED = "appealed", _("申诉中")
    UPHELD = "upheld", _("申诉维持")
    REVISED = "revised", _("申诉改判")


#: Statuses with a score the agent sees (every one but 待质检).
SCORED = frozenset(set(InspectionStatus) - {InspectionStatus.PENDING})


class EventKind(models.TextChoices):
    """What one entry of an inspection's log records."""

    SAMPLED = "sampled", _("抽取样本")
    INSPECTED = "inspected", _("质检评分")
    RESCORED = "rescored", _("修改评分")
    APPEALED = "appealed", _("提出申诉")
    UPHELD = "upheld", _("申诉维持")
    REVISED = "revised", _("申诉改判")
