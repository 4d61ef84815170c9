"""A theme's month (所属月份) far outside the years 2000–2100 (0001-01, 9999-12): refused by the adopt form (a
field error, 400) and by `services.adopt`; a theme already stored with one has an empty, not-measurable
effect and its page opens (its effect counted the months around it and failed: a 500 for ever)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import services
from hotline.governance.effect import effect
from hotline.governance.models import Theme
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.tests.factories import Cast, UserFactory

pytestmark = pytest.mark.django_db
FAR = [date(1, 1, 1), date(9999, 12, 1)]


def _client(role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=role))
    return client


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1999-12", "2101-01"])
def test_adopting_a_theme_with_a_far_month_is_a_field_error(frozen_now: datetime, month: str) -> None:
    cast = Cast.build()
    client = _client(Role.LEADER)
    response = client.post(reverse("governance-new"), {
        "title": "噪音扰民治理", "problem": "夜间施工噪音", "month": month, "lead": cast.lead.pk,
        "due_date": "2025-06-30", "keywords": "噪音"})
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == ["所属月份超出范围（年份须在 2000 至 2100 之间）"]
    assert f'value="{month}"' in response.content.decode()  # what was typed stays
    assert not Theme.objects.exists()


@pytest.mark.parametrize("month", ["2000-01", "2100-12"])
def test_the_edge_months_are_taken(frozen_now: datetime, month: str) -> None:
    cast = Cast.build()
    client = _client(Role.LEADER)
    response = client.post(reverse("governance-new"), {
        "title": "噪音扰民治理", "problem": "夜间施工噪音", "month": month, "lead": cast.lead.pk,
        "due_date": "2025-06-30", "keywords": "噪音"})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("month", FAR)
def test_the_service_refuses_a_far_month(frozen_now: datetime, month: date) -> None:
    cast = Cast.build()
    with pytest.raises(RuleViolation, match="所属月份超出范围"):
        services.adopt(actor=UserFactory(role=Role.LEADER), title="噪音扰民治理", problem="夜间施工噪音",
                       month=month, lead=cast.lead, due_date=date(2025, 6, 30), keywords="噪音")
    assert not Theme.objects.exists()


@pytest.mark.parametrize("month", FAR)
def test_a_theme_stored_with_a_far_month_still_opens(frozen_now: datetime, month: date) -> None:
    cast = Cast.build()
    theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="噪音扰民治理", problem="夜间施工噪音",
                           month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30), keywords="噪音")
    Theme.objects.filter(pk=theme.pk).update(month=month)  # stored before the month was limited
    theme.refresh_from_db()
    found = effect(theme)
    assert not found.measurable and found.months == [] and found.month_out_of_range
    assert found.before is None and found.after is None and found.change is None and not found.baseline_short
    client = _client(Role.LEADER)
    page = client.get(reverse("governance-detail", args=[theme.pk]))
    assert page.status_code == 200
    assert "无法衡量：所属月份超出范围" in page.content.decode()
    assert client.get(reverse("governance")).status_code == 200
