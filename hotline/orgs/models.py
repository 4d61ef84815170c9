"""Handling units (承办单位) as a tree: centre → departments/utilities/districts → streets → communities."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.orgs.choices import UnitKind


class HandlingUnitQuerySet(models.QuerySet["HandlingUnit"]):
    def subtree_of(self, units: models.QuerySet[HandlingUnit] | list[HandlingUnit]) -> HandlingUnitQuerySet:
        """The given units and every unit below them."""
        q = models.Q()
        for unit in units:
            q |= models.Q(path__startswith=unit.path)
        return self.filter(q) if q else self.none()


class HandlingUnit(models.Model):
    """A unit that receives orders (承办单位). `path` ("/1/7/31/") makes sub-tree queries one index scan."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    #: Raised by one at every save of the unit (in the database: `version + 1`), so that another process sees any
    #: change — a rename or a move too — in the sum over the units (the gazetteer's freshness look,
    #: `hotline.orgs.places`). A bulk `update()` of units must raise it as well.
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = HandlingUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save (raising `version` in the database), then keep the materialised path of this unit in step with
        its parent."""
        self._check_parent()
        if not self._state.adding:
            self.version = models.F("version") + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
        if not isinstance(self.__dict__.get("version", 0), int):
            del self.__dict__["version"]  # the new value is read from the database when asked for
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            old, depth = self.path, path.count("/") - 2
            HandlingUnit.objects.filter(pk=self.pk).update(path=path, depth=depth)
            self.path, self.depth = path, depth
            if old:  # moved: carry the whole sub-tree along
                for child in HandlingUnit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child_path = path + child.path[len(old):]
                    HandlingUnit.objects.filter(pk=child.pk).update(path=child_path,
                                                                    depth=child_path.count("/") - 2)

    def clean(self) -> None:
        """A unit cannot sit below itself: the parent may not be the unit or one of its sub-units."""
        super().clean()
        self._check_parent()

    def _check_parent(self) -> None:
        """Refuse a parent that would close a loop in the tree (the paths would grow without end)."""
        if self.pk is None or self.parent_id is None:
            return
        if self.parent_id == self.pk or HandlingUnit.objects.filter(
                pk=self.parent_id, path__contains=f"/{self.pk}/").exists():
            raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位")})

    def ancestors_and_self(self) -> list[HandlingUnit]:
        """This unit and its parents, nearest first; stops at a unit already seen, so bad data cannot loop."""
        chain: list[HandlingUnit] = []
        seen: set[int | None] = set()
        node: HandlingUnit | None = self
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def is_within(self, other: HandlingUnit) -> bool:
        """True when this unit is `other` or below it."""
        return self.path.startswith(other.path)
