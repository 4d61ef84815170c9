"""Quality inspection of intake (坐席工单质检): the checklist, the settings, each sampled order's inspection,
its deductions and its append-only log.

Inspections change only through `hotline.inspection.services` (and samples through
`hotline.inspection.sampling`), which write the log entry in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow
from hotline.inspection.choices import Decision, EventKind, InspectionStatus, SampleReason, Scope
from hotline.inspection.constants import (
    DEFAULT_APPEAL_DAYS,
    DEFAULT_MINIMUM,
    DEFAULT_SAMPLE_RATE,
    FULL_SCORE,
    NOTE_MAX_LENGTH,
)


class Criterion(models.Model):
    """One item of the checklist (质检项 of the 质检评分表), edited in the admin; switched off, never deleted.

    A deduction on it takes up to `max_points` off the order's 100; a deduction on a fatal item
    (严重差错, e.g. a confidential caller's identity written into the description) makes the score 0.
    """

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("质检项"), max_length=60)
    guidance = models.TextField(_("评分说明"), blank=True)
    max_points = models.PositiveSmallIntegerField(
        _("最高扣分"), validators=[MinValueValidator(1), MaxValueValidator(FULL_SCORE)])
    applies_to = models.CharField(_("适用工单"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    is_fatal = models.BooleanField(_("严重差错"), default=False, help_text=_("有扣分即整单 0 分"))
    is_active = models.BooleanField(_("启用"), default=True, help_text=_("停用后不再用于新的评分，已有评分保留"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("质检项")
        verbose_name_plural = _("质检评分表")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


#: The longest appeal window (申诉期限) in working days: the settings refuse more, and the database too.
MAX_APPEAL_DAYS = 30


class InspectionSettings(OneRow):
    """How many orders are sampled (抽检比例, 每人最少件数) and how long an agent may appeal (申诉期限)."""

    sample_rate = models.DecimalField(
        _("抽检比例（%）"), max_digits=5, decimal_places=2, default=DEFAULT_SAMPLE_RATE,
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=_("每名坐席每月受理工单的抽检比例"))
    minimum_per_agent = models.PositiveSmallIntegerField(
        _("每人每月最少抽检件数"), default=DEFAULT_MINIMUM, help_text=_("受理不足此数的，全部抽检"))
    appeal_days = models.PositiveSmallIntegerField(
        _("申诉期限（工作日）"), default=DEFAULT_APPEAL_DAYS, validators=[MinValueValidator(1)],
        help_text=_("从质检完成起算，按工作日历（含调休）"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("质检设置")
        verbose_name_plural = _("质检设置")
        constraints = [models.CheckConstraint(
            condition=models.Q(appeal_days__gte=1, appeal_days__lte=MAX_APPEAL_DAYS),
            name="inspection_appeal_days_in_range", violation_error_message=_("申诉期限须为 1 至 30 个工作日"))]

    def __str__(self) -> str:
        return str(_("质检设置"))

    def clean(self) -> None:
        """An appeal window of at most `MAX_APPEAL_DAYS` working days (every appeal deadline is computed
        from it on the agents' and inspectors' pages)."""
        if self.appeal_days is not None and self.appeal_days > MAX_APPEAL_DAYS:
            raise ValidationError({"appeal_days": _("申诉期限最多为 %(max)s 个工作日") % {"max": MAX_APPEAL_DAYS}})


class Inspection(models.Model):
    """One sampled order and its inspection (工单质检): who recorded it, why it was picked, the score.

    `decision` is the agent's first decision (直接答复 / 转派单 / 转应急或不予受理), noted at the draw and again
    when scored: the checklist items that apply, and the report's deduction rates, follow it.
    `version` counts the log entries and is the token that turns a second, conflicting save into a conflict.
    """

    ticket = models.OneToOneField("tickets.Ticket", verbose_name=_("工单"), on_delete=models.PROTECT,
                                  related_name="intake_inspection")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理员"), on_delete=models.PROTECT,
                              related_name="+")
    month = models.DateField(_("月份"), help_text=_("工单受理月份的第一天"))
    reason = models.CharField(_("抽检原因"), max_length=20, choices=SampleReason.choices)
    decision = models.CharField(_("受理员的处理"), max_length=20, choices=Decision.choices, blank=True, default="",
                                help_text=_("登记后的第一个处理（抽样时记下，评分时更新）；决定适用的质检项"))
    status = models.CharField(_("状态"), max_length=12, choices=InspectionStatus.choices,
                              default=InspectionStatus.PENDING)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    is_fatal = models.BooleanField(_("严重差错"), default=False)
    sampled_at = models.DateTimeField(_("抽样时间"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("质检员"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("质检时间"), null=True, blank=True)
    comment = models.TextField(_("质检意见"), blank=True)
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申诉处理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("申诉处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("申诉处理意见"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("工单质检")
        verbose_name_plural = _("工单质检")
        ordering = ["-month", "status", "id"]
        indexes = [models.Index(fields=["month", "agent"], name="inspection_month_agent")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_status_display()}"


class Deduction(models.Model):
    """Points taken off an inspection on one checklist item (扣分), with the inspector's note."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="deductions")
    criterion = models.ForeignKey(Criterion, verbose_name=_("质检项"), on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("扣分"))
    note = models.CharField(_("扣分说明"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("扣分")
        verbose_name_plural = _("扣分")
        ordering = ["criterion__sort_order", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "criterion"], name="inspection_deduction_once")]

    def __str__(self) -> str:
        return f"{self.criterion_id} -{self.points}"


class InspectionEvent(models.Model):
    """One entry of an inspection's log (质检记录): who did what, when, the status and score before and after,
    and the deductions then in force (`data`). Append-only."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", help_text=_("空：命令行抽样"))
    kind = models.CharField(_("动作"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=InspectionStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=InspectionStatus.choices)
    score_before = models.PositiveSmallIntegerField(_("原得分"), null=True, blank=True)
    score_after = models.PositiveSmallIntegerField(_("新得分"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        ordering = ["inspection_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["inspection", "seq"], name="inspection_event_seq")]

    def __str__(self) -> str:
        return f"{self.inspection_id}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Write a new row only: an entry once logged is never edited."""
        if self.pk is not None and not self._state.adding:
            raise ValueError("an inspection event is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refused: the log is kept."""
        raise ValueError("an inspection event is never deleted")
