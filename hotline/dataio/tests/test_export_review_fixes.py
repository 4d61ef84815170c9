"""Review fixes of the exports: the JSON download records a number written only in a text, the open-data CSV
names the emergency service of a transferred order, and the page refuses a period that ends before it starts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.dataio.export import open311_queryset, open311_row
from hotline.open311 import selectors
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _get(user: User, **params: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse("data-export"), params)


def test_json_download_records_a_number_written_only_in_a_text(staff: Any, frozen_now: datetime) -> None:
    texted = make_ticket(Status.DISPATCHED, caller_phone="", description="请回电13812345678，谢谢")
    silent = make_ticket(Status.DISPATCHED, caller_phone="", description="路灯不亮")
    body = b"".join(_get(staff["admin"], format="json").streaming_content).decode()
    assert "13812345678" in body
    recorded = set(AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).values_list("subject", flat=True))
    assert texted.number in recorded and silent.number not in recorded


def test_open311_csv_names_the_emergency_service_of_a_transferred_order(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.TRANSFERRED)
    live = selectors.request_rows(selectors.public_orders().filter(pk=ticket.pk))[0]
    row = open311_row(open311_queryset().get(pk=ticket.pk))
    assert live["agency_responsible"] and row["agency_responsible"] == live["agency_responsible"]


def test_open311_csv_keeps_the_lead_unit_otherwise(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    row = open311_row(open311_queryset().get(pk=ticket.pk))
    assert row["agency_responsible"] == ticket.assignments.get(role="lead").unit.name


@pytest.mark.parametrize("bounds", [{"since": "2025-03-05", "until": "2025-03-01"},
                                    {"since": "2025-03-05T10:00", "until": "2025-03-05T09:00"}])
def test_the_page_refuses_a_period_ending_before_it_starts(staff: Any, frozen_now: datetime, bounds: dict) -> None:
    make_ticket(Status.CLOSED)
    response = _get(staff["supervisor"], format="open311-csv", **bounds)
    assert response.status_code == 400
    page = response.content.decode()
    assert "「至」须晚于「受理时间自」" in page and '<form method="get"' in page
    assert _get(staff["supervisor"], format="open311-csv", since="2025-03-05", until="2025-03-05").status_code == 200
