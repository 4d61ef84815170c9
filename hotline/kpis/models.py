"""The assessment settings (考核设置): the 基本满意 factor, the minimum volume and the composite weights;
the published editions of the monthly bulletin (已发布通报) and their audit records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
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


class AppendOnlyError(Exception):
    """A published bulletin and its audit records are added to, never changed or removed."""


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("published bulletins are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("published bulletins are append-only")


class _AppendOnly(models.Model):
    """A row written once: `save()` of an existing row and `delete()` are refused."""

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("published bulletins are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("published bulletins are append-only")


class PublishedBulletin(_AppendOnly):
    """One published edition (发布版) of a month's bulletin (月度通报): the PDF and the workbook exactly as
    announced, with their SHA-256. Edition 1 is the first; 2 and later are corrections (更正版), each with
    its reason and the edition it replaces. Never edited or deleted: a correction is a new edition."""

    month = models.DateField(_("月份"), help_text=_("该月的第一天"))
    edition = models.PositiveSmallIntegerField(_("版次"))
    replaces = models.OneToOneField("self", verbose_name=_("代替的版次"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    reason = models.TextField(_("更正原因"), blank=True, max_length=constants.BULLETIN_REASON_MAX_LENGTH)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField(_("发布时间"), help_text=_("数据截至此时"))
    pdf = models.BinaryField(_("PDF 文件"))
    xlsx = models.BinaryField(_("Excel 文件"))
    pdf_sha256 = models.CharField(_("PDF 的 SHA-256"), max_length=64)
    xlsx_sha256 = models.CharField(_("Excel 的 SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("已发布通报")
        verbose_name_plural = _("已发布通报")
        ordering = ["-month", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["month", "edition"], name="kpis_bulletin_edition_once"),
            models.CheckConstraint(condition=models.Q(edition__gte=1), name="kpis_bulletin_edition_positive"),
            models.CheckConstraint(condition=models.Q(edition=1, replaces__isnull=True)
                                   | models.Q(edition__gt=1, replaces__isnull=False),
                                   name="kpis_bulletin_correction_replaces"),
            models.CheckConstraint(condition=models.Q(edition=1) | ~models.Q(reason=""),
                                   name="kpis_bulletin_correction_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.edition}"

    @property
    def label(self) -> str:
        """The month as YYYY-MM."""
        return f"{self.month:%Y-%m}"

    @property
    def is_correction(self) -> bool:
        """Whether this edition corrects an earlier one (更正版)."""
        return self.edition > 1

    def content(self, fmt: str) -> bytes:
        """The stored file of `fmt` ("pdf" or "xlsx"), byte for byte as published."""
        return bytes(self.pdf if fmt == "pdf" else self.xlsx)

    def sha256(self, fmt: str) -> str:
        """The SHA-256 (hex) recorded for the file of `fmt` when it was published."""
        return self.pdf_sha256 if fmt == "pdf" else self.xlsx_sha256

    def filename(self, fmt: str) -> str:
        """bulletin-2026-10-v1.pdf."""
        return f"bulletin-{self.label}-v{self.edition}.{fmt}"


class BulletinEvent(_AppendOnly):
    """The audit record of a bulletin's publication (通报发布记录): who, when, from where, which edition."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("发布")

    bulletin = models.ForeignKey(PublishedBulletin, verbose_name=_("通报"), on_delete=models.PROTECT,
                                 related_name="events")
    kind = models.CharField(_("操作"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=128, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("通报发布记录")
        verbose_name_plural = _("通报发布记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.bulletin}"
