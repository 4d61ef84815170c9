"""The three-level category taxonomy (诉求分类: 一级/二级/三级)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The taxonomy has three levels (一级/二级/三级).
MAX_LEVEL = 3
#: Longest full name "一级/二级/三级" (the column `Category.full_name`).
FULL_NAME_MAX = 255


def _too_long(full_name: str) -> str:
    return str(_("完整名称（各级名称以“/”相连）最多 %(max)s 个字，现有 %(count)s 个") % {
        "max": FULL_NAME_MAX, "count": len(full_name)})


class Category(models.Model):
    """One node of the taxonomy. `full_name` is "一级/二级/三级" and unique."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    full_name = models.CharField(_("完整名称"), max_length=FULL_NAME_MAX, unique=True)
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

    def save(self, *args, **kwargs) -> None:
        """Save, refusing a parent that would close a loop or go below 三级, and a full name longer than its
        column (also outside the admin)."""
        self.check_tree()
        if len(self.full_name or "") > FULL_NAME_MAX:
            raise ValidationError({"name": _too_long(self.full_name)})
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Level and full name follow from the parent and the name; the full name must stay unique and fit
        its column, also as carried down to the sub-categories; an active category needs an active parent."""
        super().clean()
        self.check_tree()
        before = self.full_name or ""
        self.level, self.full_name = self.derived()
        if len(self.full_name) > FULL_NAME_MAX:
            raise ValidationError({"name": _too_long(self.full_name)})
        longest = self.longest_carried_full_name() if len(self.full_name) > len(before) else ""
        if len(longest) > FULL_NAME_MAX:
            raise ValidationError({"name": _("改名后下级分类的完整名称超过 %(max)s 个字：%(name)s") % {
                "max": FULL_NAME_MAX, "name": longest}})
        if Category.objects.filter(full_name=self.full_name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("已有同名分类：%(name)s") % {"name": self.full_name}})
        if self.is_active and self.parent_id is not None and not self.parent.is_active:
            raise ValidationError({"is_active": _("上级分类「%(parent)s」已停用：请先启用上级分类，或将本分类设为停用")
                                   % {"parent": self.parent.full_name}})

    def longest_carried_full_name(self) -> str:
        """The longest full name a sub-category would get from this node's (derived) full name ("" if none)."""
        if self.pk is None:
            return ""
        longest = ""
        below = Category.objects.filter(models.Q(parent=self) | models.Q(parent__parent=self)).exclude(pk=self.pk)
        for node in below.select_related("parent"):
            middle = "" if node.parent_id == self.pk else f"/{node.parent.name}"
            full_name = f"{self.full_name}{middle}/{node.name}"
            longest = max(longest, full_name, key=len)
        return longest

    def ancestors_and_self(self) -> list[Category]:
        """This node and its parents, nearest first; stops at a node already seen, so bad data cannot loop."""
        chain: list[Category] = []
        seen: set[int | None] = set()
        node: Category | None = self
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def derived(self) -> tuple[int, str]:
        """The level and full name ("一级/二级/三级") that follow from the parent and the own name."""
        if self.parent is None:
            return 1, self.name
        return self.parent.level + 1, f"{self.parent.full_name}/{self.name}"

    def _height(self) -> int:
        """How many levels this node and its sub-tree span (1 for a leaf)."""
        height, layer, seen = 0, {self.pk}, set()
        while layer and height <= MAX_LEVEL:
            height += 1
            seen |= layer
            layer = set(Category.objects.filter(parent__in=layer).exclude(pk__in=seen).values_list("pk", flat=True))
        return height

    def check_tree(self) -> None:
        """Refuse a parent that closes a loop, a name with "/", and a node (or sub-tree) below 三级."""
        errors: dict[str, object] = {}
        if "/" in (self.name or ""):
            errors["name"] = _("分类名称不能包含“/”")
        if self.parent_id is not None:
            if self.pk is not None and any(node.pk == self.pk for node in self.parent.ancestors_and_self()):
                errors["parent"] = _("上级分类不能是本分类或其下级分类")
            elif self.parent.level + (self._height() if self.pk else 1) > MAX_LEVEL:
                errors["parent"] = _("分类最多三级，放在该上级分类下会超过三级")
        if errors:
            raise ValidationError(errors)
