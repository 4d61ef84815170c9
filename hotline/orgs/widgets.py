"""Widgets for choosing handling units (承办单位) from the organisation tree, shared by every form that does."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit

#: Where the units that belong to no district come in the list; every district's own group sits at 2.
_KIND_RANK = {UnitKind.DEPARTMENT: 0, UnitKind.UTILITY: 1, UnitKind.ENTERPRISE: 3, UnitKind.STREET: 4,
              UnitKind.COMMUNITY: 5}


def _unit_group(unit: HandlingUnit, chain: list[HandlingUnit]) -> tuple[tuple[int, str], str]:
    """The group a dispatcher looks in: the unit's district (区), else its kind (市直部门, 公共服务企业 …)."""
    district = next((u for u in chain if u.kind == UnitKind.DISTRICT), None)
    if district is not None:
        return (2, district.path), district.name
    return (_KIND_RANK.get(unit.kind, 6), unit.kind), str(UnitKind(unit.kind).label)


class UnitSelect(forms.Select):
    """A handling-unit (承办单位) select grouped with `<optgroup>`, with a type-to-filter box above it.

    Groups: 市直部门, 公共服务企业, then one per district (its government, departments, streets and
    communities, in tree order), then units outside any district by kind. Each option carries its parents'
    names (`data-filter`), so typing a street's name also finds its communities. The box is shown by
    `hotline/unit_filter.js`; without scripts the grouped select works alone.
    """

    template_name = "workbench/widgets/unit_select.html"

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> list:
        """The options in the groups above; the empty choice (—请选择—) stays first, outside any group."""
        choices = list(self.choices)  # one query, as Django's own optgroups
        units = {v.instance.pk: v.instance for v, _label in choices if hasattr(v, "instance")}
        plain: list[tuple[Any, Any, str]] = []
        grouped: dict[tuple[int, str], tuple[str, list[tuple[Any, Any, str]]]] = {}
        for option_value, label in choices:
            unit = getattr(option_value, "instance", None)
            if unit is None:
                plain.append(("" if option_value is None else option_value, label, ""))
                continue
            chain = [units[int(pk)] for pk in unit.path.strip("/").split("/") if pk and int(pk) in units]
            key, title = _unit_group(unit, chain)
            parents = " ".join(u.name for u in chain if u.pk != unit.pk)
            grouped.setdefault(key, (title, []))[1].append((option_value, label, parents))
        ordered = [(None, [row]) for row in plain] + [grouped[key] for key in sorted(grouped)]
        groups, has_selected = [], False
        for index, (group_name, rows) in enumerate(ordered):
            subgroup = []
            for subindex, (option_value, label, parents) in enumerate(rows):
                selected = (not has_selected or self.allow_multiple_selected) and str(option_value) in value
                has_selected |= selected
                option = self.create_option(name, option_value, label, selected, index,
                                            subindex=subindex if group_name else None, attrs=attrs)
                if parents:
                    option["attrs"]["data-filter"] = parents
                subgroup.append(option)
            groups.append((group_name, subgroup, index))
        return groups

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        """Render with the project's templates (the default form renderer looks only in the apps' folders)."""
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class UnitSelectMultiple(UnitSelect, forms.SelectMultiple):
    """The same, for choosing several units (协办单位)."""
