"""The assessment settings (考核设置): the 基本满意 factor, the minimum volume and the composite weights."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hotline.kpis import constants
from hotline.kpis.choices import Indicator


class AssessmentSettings(models.Model):
    """One row (pk=1) a centre edits in the admin; `current()` creates it with the defaults."""

    basic_factor = models.DecimalField(
        _("基本满意折算系数"), max_digits=3, decimal_places=2, default=constants.BASIC_SATISFIED_FACTOR,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("满意率 =（满意 + 系数 × 基本满意）÷ 有效回访"))
    min_volume = models.PositiveIntegerField(
        _("参与排名的最低工单量"), default=constants.MIN_VOLUME,
        help_text=_("当月主办工单少于此数的单位列出但不排名"))
    repeat_window_days = models.PositiveSmallIntegerField(
        _("重复来电判定天数"), default=constants.REPEAT_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("同一号码、同一分类在此天数内再次来电计为重复来电"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> AssessmentSettings:
        """The centre's settings, created with the default weights the first time they are asked for."""
        found = cls.objects.filter(pk=1).first()
        if found is not None:
            return found
        with transaction.atomic():
            found, created = cls.objects.get_or_create(pk=1)
            if created:
                IndicatorWeight.objects.bulk_create(
                    IndicatorWeight(settings=found, indicator=code, weight=weight)
                    for code, weight in constants.DEFAULT_WEIGHTS.items())
        return found

    def weights(self) -> dict[str, Decimal]:
        """Indicator → weight, only the positive ones."""
        return {w.indicator: w.weight for w in self.weight_rows.all() if w.weight > 0}


class IndicatorWeight(models.Model):
    """The weight of one indicator in the composite score (综合得分权重)."""

    settings = models.ForeignKey(AssessmentSettings, on_delete=models.CASCADE, related_name="weight_rows")
    indicator = models.CharField(_("指标"), max_length=20,
                                 choices=[(c, Indicator(c).label) for c in constants.WEIGHTABLE])
    weight = models.DecimalField(_("权重"), max_digits=4, decimal_places=3,
                                 validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])

    class Meta:
        verbose_name = _("指标权重")
        verbose_name_plural = _("指标权重")
        ordering = ["-weight", "indicator"]
        constraints = [models.UniqueConstraint(fields=["settings", "indicator"], name="kpis_unique_weight")]

    def __str__(self) -> str:
        return f"{Indicator(self.indicator).label} {self.weight}"
