"""The user admin: memberships must fit the role (no unit role in the hotline centre, no centre role in a unit)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.tests.factories import HandlingUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, user: User, role: str, unit: HandlingUnit) -> Any:  # noqa: ANN001
    data = {"username": user.username, "role": role, "display_name": user.display_name, "is_active": "on",
            "date_joined_0": "2025-03-01", "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000", "memberships-0-unit": str(unit.pk), "memberships-0-user": str(user.pk),
            "_save": "1"}
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)


def test_a_unit_role_cannot_be_made_a_member_of_the_centre(admin_client) -> None:
    centre = HandlingUnitFactory(kind=UnitKind.CENTRE)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=centre)
    handler = UserFactory(role=Role.UNIT_HANDLER)
    response = _post(admin_client, handler, Role.UNIT_HANDLER, centre)
    assert response.status_code == 200 and "不能属于热线中心" in response.content.decode()
    assert not Membership.objects.filter(user=handler).exists()
    assert _post(admin_client, handler, Role.UNIT_HANDLER, street).status_code == 302
    assert list(handler.units.all()) == [street]


def test_a_centre_role_cannot_be_made_a_member_of_a_handling_unit(admin_client) -> None:
    centre = HandlingUnitFactory(kind=UnitKind.CENTRE)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, parent=centre)
    dispatcher = UserFactory(role=Role.DISPATCHER)
    response = _post(admin_client, dispatcher, Role.DISPATCHER, department)
    assert response.status_code == 200 and "中心角色的用户只能属于热线中心" in response.content.decode()
    assert not Membership.objects.filter(user=dispatcher).exists()
    assert _post(admin_client, dispatcher, Role.DISPATCHER, centre).status_code == 302


def test_the_admin_names_the_product_and_every_app_in_chinese(admin_client) -> None:
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("hotline."):
            assert config.verbose_name != config.label.title(), config.name
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(config.verbose_name)), config.name
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "12345 热线管理后台" in page and "Django" not in page.split("<body")[1].split("</header>")[0]
    assert "诉求分类" in page and ">Taxonomy<" not in page
    english = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "12345 Hotline administration" in english and "Time limits" in english
