"""The dispatch catalogue (派单目录): which unit holds the legal responsibility for a matter in an area."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
