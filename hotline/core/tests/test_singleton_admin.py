"""Settings of one row in the admin: the list opens the row, showing the values in force."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.choices import Role
from hotline.sla.models import AcceptanceSettings
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "field", "default"), [
    ("/admin/sla/acceptancesettings/", "amount", 2),
    ("/admin/tickets/visitsettings/", "max_attempts", 3),
    ("/admin/routing/dispatchsettings/", "consultation_days", 1),
])
def test_the_list_opens_the_one_row_with_the_values_in_force(admin_client: Client, path: str, field: str,
                                                              default: int) -> None:
    first = admin_client.get(path)
    assert first.status_code == 302 and first["Location"] == f"{path}1/change/"
    page = admin_client.get(first["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and f'name="{field}" value="{default}"' in body
    assert "_addanother" not in body and "deletelink" not in body
    assert admin_client.get(f"{path}add/").status_code == 403  # the row exists: no second one
    assert admin_client.get(path).status_code == 302  # a second visit opens the same row


def test_someone_without_admin_rights_is_not_sent_to_the_row() -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.DISPATCHER, is_staff=True))
    response = client.get("/admin/sla/acceptancesettings/")
    assert response.status_code == 403 and not AcceptanceSettings.objects.exists()
