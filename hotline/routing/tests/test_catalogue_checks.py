"""The dispatch catalogue refuses entries that cannot dispatch (centre or inactive lead, non-area area,
lead also assisting)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaf() -> Category:
    return Category.objects.create(name="路灯", level=1, full_name="路灯")


def _refused(rule: DispatchRule) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    return refused.value.message_dict


def test_the_centre_or_an_inactive_unit_cannot_lead(org, leaf) -> None:  # noqa: ANN001
    assert _refused(DispatchRule(category=leaf, lead_unit=org.centre))["lead_unit"] == ["热线中心不能作为主办单位"]
    org.department.is_active = False
    org.department.save()
    assert _refused(DispatchRule(category=leaf, lead_unit=org.department))["lead_unit"] == ["主办单位已停用"]


def test_the_area_is_a_district_street_or_community(org, leaf) -> None:  # noqa: ANN001
    refused = _refused(DispatchRule(category=leaf, area=org.department, lead_unit=org.street_a))
    assert refused["area"] == ["区域须为区、街道/乡镇或社区/村"]
    for area in (org.district, org.street_a, org.community_a):
        DispatchRule(category=leaf, area=area, lead_unit=org.street_a).full_clean()


def test_the_admin_refuses_the_lead_as_assisting_unit(client, org, leaf) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, username="root"))
    data = {"category": leaf.pk, "area": org.street_a.pk, "lead_unit": org.street_a.pk,
            "assisting_units": [org.street_a.pk, org.centre.pk], "legal_basis": "", "is_active": "on", "_save": "1"}
    response = client.post(reverse("admin:routing_dispatchrule_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "主办单位不能同时列为协办单位" in body and "热线中心不能作为协办单位" in body
    assert not DispatchRule.objects.exists()
    data["assisting_units"] = [org.district.pk]
    assert client.post(reverse("admin:routing_dispatchrule_add"), data).status_code == 302
    assert list(DispatchRule.objects.get().assisting_units.all()) == [org.district]
