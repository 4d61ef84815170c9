"""The unit tree refuses a loop (a unit below itself), and walks over bad data end instead of hanging."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.open311.services import _area
from hotline.orgs.models import HandlingUnit
from hotline.routing.selectors import rule_for
from hotline.taxonomy.models import Category
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_unit_cannot_move_below_itself_or_its_sub_units(org) -> None:  # noqa: ANN001
    for parent in (org.district, org.street_a, org.community_a):
        org.district.parent = parent
        with pytest.raises(ValidationError) as refused:
            org.district.full_clean()
        assert refused.value.message_dict["parent"] == ["上级单位不能是本单位或其下级单位"]
        with pytest.raises(ValidationError):
            org.district.save()  # outside the admin too
    org.district.refresh_from_db()
    assert org.district.parent == org.centre and org.district.path == f"{org.centre.path}{org.district.pk}/"
    org.street_a.parent = org.other_district  # an ordinary move still works
    org.street_a.full_clean()
    org.street_a.save()


def test_the_admin_refuses_a_parent_below_the_unit(client, org) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, username="root"))
    district = org.district
    url = reverse("admin:orgs_handlingunit_change", args=[district.pk])
    data = {"code": district.code, "name": district.name, "kind": district.kind, "parent": org.street_a.pk,
            "phone": "", "is_active": "on", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
            "_save": "1"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "上级单位不能是本单位或其下级单位" in response.content.decode()
    district.refresh_from_db()
    assert district.parent == org.centre


def test_walks_up_a_looping_tree_end(org) -> None:  # noqa: ANN001
    """Data already stored with a loop (district ↔ street) no longer hangs Open311 or the catalogue."""
    HandlingUnit.objects.filter(pk=org.district.pk).update(parent=org.street_a)
    street = HandlingUnit.objects.get(pk=org.street_a.pk)
    assert [u.pk for u in street.ancestors_and_self()] == [org.street_a.pk, org.district.pk]
    assert set(_area(org.community_a.code)) == {"district", "street", "community"}
    leaf = Category.objects.create(name="路灯", level=1, full_name="路灯")
    assert rule_for(leaf, street) is None
