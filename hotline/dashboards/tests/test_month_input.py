"""`?month=` of the dashboards: a month out of range says so (not "format must be YYYY-MM")."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.dashboards.views import BadMonth, parse_month
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["0000-01", "1999-12", "2101-01", "9999-12"])
def test_a_month_out_of_range_names_the_range(value: str) -> None:
    with pytest.raises(BadMonth, match="月份超出范围（年份须在 2000 至 2100 之间）"):
        parse_month(value)


@pytest.mark.parametrize("value", ["2025-13", "2025-00", "2025", "março", "2025-1-1"])
def test_a_malformed_month_names_the_format(value: str) -> None:
    with pytest.raises(BadMonth, match="YYYY-MM"):
        parse_month(value)


def test_the_page_and_the_json_say_the_range(frozen_now: Any) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    page = client.get(reverse("dashboard"), {"month": "0000-01"})
    assert page.status_code == 400 and "月份超出范围" in page.content.decode()
    data = client.get(reverse("dashboard-data"), {"month": "0000-01"})
    assert data.status_code == 400 and "月份超出范围" in data.json()["error"]
    english = client.get(reverse("dashboard"), {"month": "0000-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "the year must be between 2000 and 2100" in english.content.decode()
