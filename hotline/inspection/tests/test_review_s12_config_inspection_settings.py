"""质检设置: an appeal window the working calendar cannot compute (over 365 working days made every agent's
「我的质检」 page and the inspection page fail) is refused, in the form and in the database, and a stored
value out of range no longer breaks a page. Adapted from the reviewer's /tmp/rv6/test_inspection_settings.py."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from hotline.core.workcalendar import add_limit
from hotline.inspection import selectors
from hotline.inspection.models import MAX_APPEAL_DAYS, Criterion, Inspection, InspectionSettings
from hotline.inspection.services import Entry, inspect
from hotline.inspection.tests.conftest import criteria, sampled  # noqa: F401 - fixtures
from hotline.sla.choices import LimitUnit

pytestmark = pytest.mark.django_db


def test_an_appeal_window_beyond_the_maximum_is_refused_in_the_admin(admin_client) -> None:  # noqa: ANN001
    InspectionSettings.current()
    url = reverse("admin:inspection_inspectionsettings_change", args=[1])
    response = admin_client.post(url, {"sample_rate": "5", "minimum_per_agent": "3", "appeal_days": "400"})
    assert response.status_code == 200, "400 working days saved although add_limit refuses more than 365"
    assert "申诉期限最多为 30 个工作日" in response.content.decode()
    assert InspectionSettings.current().appeal_days != 400
    response = admin_client.post(url, {"sample_rate": "5", "minimum_per_agent": "3", "appeal_days": "30"})
    assert response.status_code == 302 and InspectionSettings.current().appeal_days == 30


def test_the_model_and_the_database_refuse_it() -> None:
    row = InspectionSettings.current()
    row.appeal_days = MAX_APPEAL_DAYS + 1
    with pytest.raises(ValidationError, match="申诉期限最多为 30 个工作日"):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()  # past the checks: the database's check constraint


def test_the_agents_own_inspections_page_survives_an_out_of_range_setting(
        sampled: Inspection, criteria: dict[str, Criterion], frozen_now: datetime,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A row out of range (written before the limit, or past it) counts as the maximum: no page fails."""
    inspect(sampled, [Entry(criteria["TITLE"], 5, "标题未概括地点")], "注意标题", sampled.cast.inspector)
    sampled.refresh_from_db()
    row = InspectionSettings(pk=1, appeal_days=400)
    monkeypatch.setattr(InspectionSettings, "current", classmethod(lambda cls: row))
    assert selectors.appeal_deadline(sampled) == add_limit(sampled.inspected_at, MAX_APPEAL_DAYS,
                                                           LimitUnit.WORKING_DAYS)
    client = Client(raise_request_exception=False)
    client.force_login(sampled.agent)
    assert client.get(reverse("inspection-mine")).status_code == 200
    assert client.get(reverse("inspection-detail", args=[sampled.pk])).status_code == 200


def test_the_migration_brings_a_stored_window_into_range() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hotline.inspection.migrations.0005_appeal_days_in_range")
    InspectionSettings.current()
    InspectionSettings.objects.update(appeal_days=7)
    migration.into_range(apps, None)
    assert InspectionSettings.current().appeal_days == 7  # in range: left as it is
