"""Incidents: a start or expected end far outside the years 2000–2100 is refused (a field error with what was
typed kept, and `RuleViolation` in the services), never a 500; and the titles of the incident page's orders
are read through `text_for`, a caller's full number in one recorded as a full-number view (docs/security.md)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.incidents import services
from hotline.incidents.models import Incident
from hotline.incidents.tests.conftest import incident_data
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
FORM = {"title": "停水", "script": "管网抢修，今晚恢复。", "keywords": "停水"}


def _client(role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=role))
    return client


@pytest.mark.parametrize("start", ["0001-01-01T00:00", "9999-12-31T23:00", "1999-12-31T23:59"])
def test_an_incident_with_a_far_start_is_a_form_error(frozen_now: datetime, start: str) -> None:
    client = _client(Role.DISPATCHER)
    response = client.post(reverse("incidents:new"), {**FORM, "starts_at": start})
    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"] == ["开始时间超出范围"]
    assert f'value="{start}"' in response.content.decode()  # what was typed stays
    assert not Incident.objects.exists()
    assert client.get(reverse("incidents:list")).status_code == 200


@pytest.mark.parametrize("end", ["0001-01-01T00:00", "9999-12-31T23:00"])
def test_a_far_expected_end_is_a_form_error_on_edit(frozen_now: datetime, end: str) -> None:
    manager = UserFactory(role=Role.DISPATCHER)
    incident = services.create_incident(incident_data(), actor=manager)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    response = client.post(reverse("incidents:edit", args=[incident.pk]), {
        **FORM, "starts_at": "2025-03-04T09:00", "expected_end": end, "version": incident.version})
    assert response.status_code == 400
    assert response.context["form"].errors["expected_end"] == ["预计结束时间超出范围"]
    assert f'value="{end}"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.expected_end.year == 2025


@pytest.mark.parametrize("field, says", [("starts_at", "开始时间超出范围"), ("expected_end", "预计结束时间超出范围")])
@pytest.mark.parametrize("moment", [datetime(1, 1, 1, tzinfo=SHANGHAI), datetime(9999, 12, 31, 23, tzinfo=SHANGHAI),
                                    datetime(2101, 1, 1, tzinfo=SHANGHAI)])
def test_the_services_refuse_a_far_moment(frozen_now: datetime, field: str, says: str, moment: datetime) -> None:
    manager = UserFactory(role=Role.DISPATCHER)
    changes = {field: moment}
    with pytest.raises(RuleViolation, match=says):
        services.create_incident(incident_data(**changes), actor=manager)
    incident = services.create_incident(incident_data(), actor=manager)
    with pytest.raises(RuleViolation, match=says):
        services.edit_incident(incident, incident_data(**changes), actor=manager)
    assert Incident.objects.get().version == incident.version


def test_the_edge_years_are_taken(frozen_now: datetime) -> None:
    manager = UserFactory(role=Role.DISPATCHER)
    incident = services.create_incident(incident_data(
        starts_at=datetime(2000, 1, 1, tzinfo=SHANGHAI), expected_end=datetime(2100, 12, 31, 23, 59, tzinfo=SHANGHAI)),
        actor=manager)
    assert incident.pk


def test_incident_call_list_records_full_number_in_title(frozen_now: datetime) -> None:
    manager = UserFactory(role=Role.DISPATCHER)
    cast = Cast.build()
    incident = services.publish(services.create_incident(incident_data(), actor=manager), actor=manager)
    order = make_ticket(Status.REGISTERED, cast=cast, title=f"停水了，回电{PHONE}", caller_phone="")
    services.link_order(incident, order.number, actor=manager)
    leader = UserFactory(role=Role.LEADER)
    client = Client()
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert order.number in page and PHONE in page  # shown in full to centre staff...
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=order.number,
                                       user_id=leader.pk).exists()  # ...and recorded
