"""A catalogue entry (派单目录) whose lead unit was switched off can still be switched off itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(org) -> DispatchRule:  # noqa: ANN001
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    leaf = Category.objects.create(name="物业服务", level=2, parent=top, full_name="城乡建设/物业服务")
    return DispatchRule.objects.create(category=leaf, area=org.street_a, lead_unit=org.street_a,
                                       legal_basis="街乡镇履职清单")


def _post(client, rule: DispatchRule, *, active: bool):  # noqa: ANN001, ANN202
    return client.post(reverse("admin:routing_dispatchrule_change", args=[rule.pk]), {
        "category": rule.category_id, "area": rule.area_id, "lead_unit": rule.lead_unit_id,
        "legal_basis": rule.legal_basis, "is_active": "on" if active else "", "_save": "1"})


def test_an_entry_whose_lead_was_switched_off_can_be_switched_off(admin_client, org, rule) -> None:  # noqa: ANN001
    org.street_a.is_active = False
    org.street_a.save()
    response = _post(admin_client, rule, active=False)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is False


def test_an_entry_that_stays_on_still_needs_an_active_lead(admin_client, org, rule) -> None:  # noqa: ANN001
    org.street_a.is_active = False
    org.street_a.save()
    response = _post(admin_client, rule, active=True)
    assert response.status_code == 200
    assert "主办单位已停用" in response.content.decode()
    rule.is_active = True
    with pytest.raises(ValidationError):
        rule.full_clean()
