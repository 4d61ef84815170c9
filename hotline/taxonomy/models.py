"""The three-level category taxonomy (诉求分类: 一级/二级/三级)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """One node of the taxonomy. `full_name` is "一级/二级/三级" and unique."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    full_name = models.CharField(_("完整名称"), max_length=255, unique=True)
    is_utility = models.BooleanField(
        _("水电气热"), default=False, help_text=_("供水、供电、燃气、供热类诉求使用更短的时限")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def ancestors_and_self(self) -> list[Category]:
        """This node and its parents, nearest first."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
