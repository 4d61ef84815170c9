"""Settings of one row in the admin: the list opens the row, showing the values in force; opening it writes
nothing, the first save creates the row, every later save edits it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotline.accounts.choices import Role
from hotline.inspection.models import InspectionSettings
from hotline.kpis.models import AssessmentSettings
from hotline.notifications.models import UnitAlertSettings
from hotline.routing.models import DispatchSettings
from hotline.sla.models import AcceptanceSettings
from hotline.tickets.models import ForwardSettings, ReturnSettings, VisitSettings
from hotline.tickets.tests.factories import UserFactory
from hotline.triage.models import TriageSettings

pytestmark = pytest.mark.django_db

#: Every one-row settings page of the admin (`core.admin.SingletonAdmin`), a field, its default, another value.
SETTINGS_PAGES = [
    ("/admin/sla/acceptancesettings/", AcceptanceSettings, "amount", 2, 4),
    ("/admin/tickets/visitsettings/", VisitSettings, "max_attempts", 3, 5),
    ("/admin/tickets/forwardsettings/", ForwardSettings, "to_communities", False, True),
    ("/admin/tickets/returnsettings/", ReturnSettings, "max_returns", 3, 5),
    ("/admin/routing/dispatchsettings/", DispatchSettings, "consultation_days", 1, 2),
    ("/admin/inspection/inspectionsettings/", InspectionSettings, "appeal_days", 3, 7),
    ("/admin/notifications/unitalertsettings/", UnitAlertSettings, "chased", "all", "off"),
]


def _writes(queries: CaptureQueriesContext, model: type[Model]) -> list[str]:
    """The statements among `queries` that wrote to the model's table."""
    table = model._meta.db_table
    return [q["sql"] for q in queries.captured_queries
            if table in q["sql"] and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the page's form would post unchanged (a checkbox left unticked is not posted)."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {"_save": "1"}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


def _post(client: Client, url: str, field: str, value: Any) -> None:
    data = _form_data(client, url)
    if value is True:
        data[field] = "on"
    elif value is False:
        data.pop(field, None)
    else:
        data[field] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.mark.parametrize(("path", "model", "field", "default", "other"), SETTINGS_PAGES)
def test_opening_the_settings_page_writes_nothing_and_shows_the_defaults(
        admin_client: Client, path: str, model: type[Model], field: str, default: Any, other: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        first = admin_client.get(path)
        assert first.status_code == 302 and first["Location"] == f"{path}1/change/"
        page = admin_client.get(first["Location"])
        added = admin_client.get(f"{path}add/")
    assert page.status_code == 200 and added.status_code == 200
    assert not model.objects.exists() and _writes(queries, model) == []
    form = page.context["adminform"].form
    assert form[field].value() == default and form.instance.pk is None
    body = page.content.decode()
    assert "_addanother" not in body and "deletelink" not in body
    assert getattr(model.current(), field) == default  # the services still read the defaults


@pytest.mark.parametrize(("path", "model", "field", "default", "other"), SETTINGS_PAGES)
def test_the_first_save_creates_the_one_row_and_a_second_edits_it(
        admin_client: Client, path: str, model: type[Model], field: str, default: Any, other: Any) -> None:
    url = f"{path}1/change/"
    _post(admin_client, url, field, other)
    assert list(model.objects.values_list("pk", field)) == [(1, other)]
    _post(admin_client, url, field, default)
    assert list(model.objects.values_list("pk", field)) == [(1, default)]
    page = admin_client.get(url)
    assert page.context["adminform"].form.instance.pk == 1  # the row itself now, not the defaults
    assert admin_client.get(f"{path}add/").status_code == 200  # the add page is the row's page once it exists
    assert admin_client.get(path)["Location"] == url


@pytest.mark.parametrize(("path", "model", "field", "default", "other"), SETTINGS_PAGES)
def test_a_form_of_the_defaults_saved_after_the_row_appeared_edits_that_row(
        admin_client: Client, path: str, model: type[Model], field: str, default: Any, other: Any) -> None:
    data = _form_data(admin_client, f"{path}1/change/")  # opened while no row exists
    model.current()  # meanwhile an order step reads the settings (some create the row with the defaults)
    model.objects.get_or_create(pk=1)
    data[field] = other if other is not True else "on"
    assert admin_client.post(f"{path}add/", data).status_code == 302
    assert list(model.objects.values_list("pk", field)) == [(1, other)]


@pytest.mark.parametrize(("path", "model"), [("/admin/kpis/assessmentsettings/", AssessmentSettings),
                                             ("/admin/triage/triagesettings/", TriageSettings)])
def test_the_settings_kept_as_plain_lists_write_nothing_when_opened(admin_client: Client, path: str,
                                                                    model: type[Model]) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(path).status_code == 200
        assert admin_client.get(f"{path}add/").status_code == 200
    assert not model.objects.exists() and _writes(queries, model) == []


def test_someone_without_admin_rights_is_not_sent_to_the_row() -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.DISPATCHER, is_staff=True))
    response = client.get("/admin/sla/acceptancesettings/")
    assert response.status_code == 403 and not AcceptanceSettings.objects.exists()
    assert client.get("/admin/sla/acceptancesettings/1/change/").status_code == 403
    assert client.post("/admin/sla/acceptancesettings/1/change/", {"amount": "4", "unit": "hours"}).status_code == 403
    assert not AcceptanceSettings.objects.exists()


def test_someone_who_may_only_view_the_settings_cannot_save_them() -> None:
    from django.contrib.auth.models import Permission

    viewer = UserFactory(role=Role.DISPATCHER, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_acceptancesettings"))
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/sla/acceptancesettings/")["Location"] == "/admin/sla/acceptancesettings/1/change/"
    assert client.post("/admin/sla/acceptancesettings/1/change/", {"amount": "4", "unit": "hours"}).status_code == 403
    assert not AcceptanceSettings.objects.exists()
