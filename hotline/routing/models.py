"""The dispatch catalogue (派单目录): which unit holds the legal responsibility for a matter in an area."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow
from hotline.orgs.choices import UnitKind
from hotline.tickets.models import ForwardSettings

#: Unit kinds that stand for an area of the city (区 / 街道 / 社区).
AREA_KINDS = (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY)


class DispatchRule(models.Model):
    """One entry of the catalogue: category (and below) × area → lead unit (主办) and assisting units (协办).

    Built from each unit's legal duties (三定, 权责清单, 街乡镇履职清单). An empty area means city-wide.
    """

    category = models.ForeignKey("taxonomy.Category", verbose_name=_("诉求分类"), on_delete=models.PROTECT,
                                 related_name="dispatch_rules")
    area = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("区域"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", help_text=_("空 = 全市"))
    lead_unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("主办单位"), on_delete=models.PROTECT,
                                  related_name="lead_rules")
    assisting_units = models.ManyToManyField("orgs.HandlingUnit", verbose_name=_("协办单位"), blank=True,
                                             related_name="assisting_rules")
    legal_basis = models.CharField(_("职责依据"), max_length=255, blank=True,
                                   help_text=_("如：三定方案、权责清单条目"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["category__full_name", "area__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="uniq_dispatch_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area or '全市'} → {self.lead_unit}"

    def clean(self) -> None:
        """Refuse entries that cannot dispatch: a second city-wide entry (the unique constraint cannot see two
        empty areas as equal), the centre as lead, an inactive unit as lead of an entry that is or stays 启用
        (an entry whose lead was switched off can still be switched off itself), an area that is not a
        district, street or community, a community as lead of an entry that is or stays 启用 while 下派设置
        forbids orders down to communities (`ForwardSettings.to_communities`: `dispatch` would refuse it)."""
        errors: dict[str, object] = {}
        if self.area_id is None and self.category_id is not None:
            twins = DispatchRule.objects.filter(category_id=self.category_id, area__isnull=True).exclude(pk=self.pk)
            if twins.exists():
                errors["area"] = _("该分类已有全市范围的派单目录条目，请编辑原条目")
        if self.area_id is not None and self.area.kind not in AREA_KINDS:
            errors["area"] = _("区域须为区、街道/乡镇或社区/村")
        if self.lead_unit_id is not None:
            if self.lead_unit.kind == UnitKind.CENTRE:
                errors["lead_unit"] = _("热线中心不能作为主办单位")
            elif self.is_active and not self.lead_unit.is_active:
                errors["lead_unit"] = _("主办单位已停用")
            elif (self.is_active and self.lead_unit.kind == UnitKind.COMMUNITY
                  and not ForwardSettings.current().to_communities):
                errors["lead_unit"] = _("下派设置不允许社区（村）主办，请改选街道或职能部门，或先在下派设置中允许")
        # An area unit (区 / 街道 / 社区) leads only in its own area: the entry's area lies within it or it within
        # the entry's area (a street of district B cannot lead district A's entry). Departments lead anywhere.
        if ("lead_unit" not in errors and "area" not in errors and self.area_id is not None
                and self.lead_unit_id is not None and self.lead_unit.kind in AREA_KINDS
                and not (self.lead_unit.is_within(self.area) or self.area.is_within(self.lead_unit))):
            errors["lead_unit"] = _("主办单位不在该条目的区域内")
        if errors:
            raise ValidationError(errors)


class DispatchSettings(OneRow):
    """The centre's dispatch-recommendation settings (one row): auto-dispatch and its threshold."""

    auto_dispatch = models.BooleanField(
        _("自动派单"), default=False,
        help_text=_("推荐置信度达到阈值时自动派单；保密件和紧急件始终由人工派单"))
    threshold = models.FloatField(_("自动派单置信度阈值"), default=0.85,
                                  help_text=_("0–1，建议不低于 0.8"))
    history_days = models.PositiveSmallIntegerField(_("参考历史天数"), default=180)
    consultation_days = models.PositiveSmallIntegerField(
        _("会商意见时限（工作日）"), default=1,
        help_text=_("受邀单位在此时限内提交会商意见；逾期未答复的单位在工单页标红"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("派单推荐设置")
        verbose_name_plural = _("派单推荐设置")

    def __str__(self) -> str:
        return str(_("派单推荐设置"))

    def clean(self) -> None:
        """A threshold outside 0–1 would auto-dispatch everything (or nothing) without saying so."""
        errors = {}
        if not 0 <= self.threshold <= 1:
            errors["threshold"] = _("阈值须在 0 到 1 之间")
        if self.history_days < 1:
            errors["history_days"] = _("参考历史天数至少为 1 天")
        if not 1 <= self.consultation_days <= 30:
            errors["consultation_days"] = _("会商意见时限须在 1 到 30 个工作日之间")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> DispatchSettings:
        """The one settings row (created with the defaults on first use); read once per follow-up task."""
        from hotline.core import memo

        return memo.once("routing.settings", lambda: cls.objects.get_or_create(pk=1)[0])


class DispatchRecommendation(models.Model):
    """An auditable dispatch suggestion (派单推荐) for one order: model version, scores, rule used, top 3."""

    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE,
                               related_name="dispatch_recommendations")
    created_at = models.DateTimeField(_("推荐时间"))
    trigger = models.CharField(_("触发"), max_length=20, blank=True)
    model_version = models.CharField(_("模型版本"), max_length=80, blank=True)
    formula_version = models.CharField(_("推荐公式版本"), max_length=20)
    category = models.ForeignKey("taxonomy.Category", verbose_name=_("诉求分类"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(DispatchRule, verbose_name=_("所用派单目录条目"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    rule_label = models.CharField(_("派单目录条目"), max_length=255, blank=True)
    top_unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("首选单位"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(_("置信度"), default=0)
    top3 = models.JSONField(_("前三推荐"), default=list)
    scores = models.JSONField(_("评分明细"), default=dict)
    auto_dispatched = models.BooleanField(_("已自动派单"), default=False)

    class Meta:
        verbose_name = _("派单推荐")
        verbose_name_plural = _("派单推荐")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="dispatch_rec_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.top_unit or '—'} ({self.confidence:.2f})"

    @property
    def top3_ids(self) -> list[int]:
        return [row["unit_id"] for row in self.top3]
