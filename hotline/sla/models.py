"""SLA policies (时限规则) and administrator overrides of the working calendar."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.sla.choices import LimitUnit
from hotline.taxonomy.choices import Urgency


class SlaPolicy(models.Model):
    """Deadlines for signing (签收), replying (答复) and closing (办结), chosen by urgency and category.

    Every active policy whose conditions all hold applies (urgency, category or an ancestor, utility,
    difficult); among them the highest `priority` wins, then the most specific (deeper category, more
    conditions).
    """

    name = models.CharField(_("名称"), max_length=100)
    urgency = models.CharField(_("紧急程度"), max_length=16, blank=True, choices=Urgency.choices,
                               help_text=_("空 = 任意"))
    category = models.ForeignKey(
        "taxonomy.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("适用于该分类及其下级分类；空 = 任意"),
    )
    utility_only = models.BooleanField(_("仅水电气热"), default=False,
                                       help_text=_("只适用于水电气热类分类(分类标记为水电气热)"))
    difficult_only = models.BooleanField(_("仅疑难件"), default=False)
    priority = models.IntegerField(_("优先级"), default=0, help_text=_("多条规则都适用时，优先级高者生效"))
    sign_amount = models.PositiveIntegerField(_("签收时限"))
    sign_unit = models.CharField(_("签收时限单位"), max_length=16, choices=LimitUnit.choices)
    reply_amount = models.PositiveIntegerField(_("答复时限"))
    reply_unit = models.CharField(_("答复时限单位"), max_length=16, choices=LimitUnit.choices)
    close_amount = models.PositiveIntegerField(_("办结时限"))
    close_unit = models.CharField(_("办结时限单位"), max_length=16, choices=LimitUnit.choices)
    return_amount = models.PositiveIntegerField(_("退单时限"), default=1)
    return_unit = models.CharField(
        _("退单时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    yellow_ratio = models.DecimalField(
        _("黄灯比例"), max_digits=4, decimal_places=3, default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.999"))],
        help_text=_("已用时间达到允许时间的该比例时亮黄灯"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """An administrator's word on one date, beating the official calendar (for years it does not know)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working_day else '休'}"
