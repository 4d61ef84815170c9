"""The centre's settings of the order lifecycle, one row each, edited in the admin: 回访设置, 下派设置."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow


class VisitSettings(OneRow):
    """How often the centre tries to reach a citizen before it closes the order as unreachable (多次未联系上)."""

    max_attempts = models.PositiveSmallIntegerField(
        _("回访最多联系次数"), default=3,
        help_text=_("一轮回访中第几次未联系上群众时办结工单（不计入有效回访）；无联系电话的工单第一次即办结"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("回访设置")
        verbose_name_plural = _("回访设置")
        constraints = [models.CheckConstraint(condition=models.Q(max_attempts__gte=1, max_attempts__lte=10),
                                              name="visit_settings_attempts_1_10")]

    def __str__(self) -> str:
        return str(_("回访设置"))

    def clean(self) -> None:
        if not 1 <= self.max_attempts <= 10:
            raise ValidationError({"max_attempts": _("回访最多联系次数须在 1 到 10 之间")})


class ForwardSettings(OneRow):
    """下派设置: how far down the unit tree a lead unit may hand an order (two-level dispatch)."""

    to_communities = models.BooleanField(
        _("允许下派至社区（村）"), default=False,
        help_text=_("社区（村）是群众自治组织，不是行政机关：默认只下派至街道（乡镇）、区属部门等有职权的下级单位，"
                    "不把工单推给社区（国办函〔2025〕66号：职能部门事项不得下沉基层）"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("下派设置")
        verbose_name_plural = _("下派设置")

    def __str__(self) -> str:
        return str(_("下派设置"))
