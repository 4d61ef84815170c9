"""The centre's settings of the order lifecycle, one row each, edited in the admin: 回访设置, 下派设置, 退单设置."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow
from hotline.tickets.constants import MAX_RETURNS_BEFORE_DESIGNATION


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
    """下派设置: how far down the unit tree an order may go — a lead unit's hand-down (two-level dispatch)
    and, the same way, the centre's own dispatch of a community as lead (主办)."""

    to_communities = models.BooleanField(
        _("允许派单、下派至社区（村）主办"), default=False,
        help_text=_("社区（村）是群众自治组织，不是行政机关：默认中心派单不以社区为主办单位（可作协办），"
                    "下派只到街道（乡镇）、区属部门等有职权的下级单位，不把工单推给社区"
                    "（国办函〔2025〕66号：职能部门事项不得下沉基层）"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("下派设置")
        verbose_name_plural = _("下派设置")

    def __str__(self) -> str:
        return str(_("下派设置"))


class ReturnSettings(OneRow):
    """退单设置: after how many returns (退单) the centre agreed with only a designation (指定派单) may send
    the order on. Sources differ (Tianjin's draft: 3 failed dispatches), so the centre sets it."""

    max_returns = models.PositiveSmallIntegerField(
        _("退单几次后须指定派单"), default=MAX_RETURNS_BEFORE_DESIGNATION,
        help_text=_("中心同意的退单达到此次数后，只能指定派单（主办单位不得再退单）；1 到 10 次，"
                    "默认 3 次（天津市征求意见稿：三次派单不成功由中心指定承办单位）"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("退单设置")
        verbose_name_plural = _("退单设置")
        constraints = [models.CheckConstraint(condition=models.Q(max_returns__gte=1, max_returns__lte=10),
                                              name="return_settings_max_returns_1_10")]

    def __str__(self) -> str:
        return str(_("退单设置"))

    def clean(self) -> None:
        if not 1 <= self.max_returns <= 10:
            raise ValidationError({"max_returns": _("退单几次后须指定派单须在 1 到 10 之间")})

    @classmethod
    def current(cls) -> ReturnSettings:
        """The one settings row (created with the defaults on first use); read once per follow-up task."""
        from hotline.core import memo

        return memo.once("tickets.return_settings", lambda: cls.objects.get_or_create(pk=1)[0])
