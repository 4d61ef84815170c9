"""`QuickSelect` writes exactly the markup Django's `Select` writes."""

from __future__ import annotations

import re

import pytest
from django import forms

from hotline.core.widgets import QuickSelect


def markup(html: str) -> str:
    """The HTML without the whitespace between tags (Django's templates leave newlines; browsers ignore them)."""
    return re.sub(r">\s+<", "><", str(html)).strip()


CHOICES = [("", "全部"), ("a&b", "甲 <乙>"), (3, "三"), ("分组", [("x", "X \"quoted\""), ("y", "Y"), (3, "又一个三")]),
           (None, "空")]


@pytest.mark.parametrize("value", [None, "", "a&b", 3, "3", "y", "missing", ["3", "y"]])
@pytest.mark.parametrize("attrs", [None, {"class": "form-select", "data-x": "1 < 2", "required": True,
                                          "disabled": False}])
def test_quick_select_renders_what_django_renders(value: object, attrs: dict | None) -> None:
    django_html = forms.Select(attrs=attrs, choices=CHOICES).render("unit", value, attrs={"id": "id_unit"})
    quick_html = QuickSelect(attrs=attrs, choices=CHOICES).render("unit", value, attrs={"id": "id_unit"})
    assert quick_html == markup(django_html)


@pytest.mark.parametrize("value", [None, ["3", "y"], ["a&b"]])
def test_a_multiple_select_renders_what_django_renders(value: object) -> None:
    class QuickMultiple(QuickSelect):
        allow_multiple_selected = True

    django_html = forms.SelectMultiple(choices=CHOICES).render("units", value)
    assert QuickMultiple(choices=CHOICES).render("units", value) == markup(django_html)


@pytest.mark.django_db
def test_model_choices_and_bound_fields_render_the_same() -> None:
    from hotline.orgs.models import HandlingUnit

    HandlingUnit.objects.create(code="Q1", name="甲&区", kind="district")
    unit = HandlingUnit.objects.create(code="Q2", name="乙街道", kind="street")

    class Filters(forms.Form):
        slow = forms.ModelChoiceField(queryset=HandlingUnit.objects.order_by("code"), required=False)
        quick = forms.ModelChoiceField(queryset=HandlingUnit.objects.order_by("code"), required=False,
                                       widget=QuickSelect)

    form = Filters({"slow": unit.pk, "quick": unit.pk})
    assert str(form["quick"]).replace("quick", "slow") == markup(form["slow"])
    assert f'<option value="{unit.pk}" selected>乙街道</option>' in str(form["quick"])
