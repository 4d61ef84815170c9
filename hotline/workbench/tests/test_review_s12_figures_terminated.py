"""A terminated order (终止办理) belongs to the unit that led it (docs/kpis.md, Terminated orders): the order list
filtered by 主办单位, its export's 主办单位 column and the KPI page agree on that unit (`names_the_lead`)."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import UserFactory, make_ticket
from hotline.workbench.queues.filtersets import OrderFilterSet
from hotline.workbench.queues.selectors import attach_lead, for_list

pytestmark = pytest.mark.django_db


def _export(client: Client, **params: Any) -> list[dict[str, str]]:
    response = client.get("/orders/export.csv", params)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_terminated_order_stays_the_units_in_the_order_export_as_on_the_kpi_page(
        frozen_now: datetime, staff: Any) -> None:
    ticket = make_ticket(Status.TERMINATED)
    unit = ticket.cast.lead
    today = timezone.localdate(frozen_now)
    ctx = engine.context(periods.month(today.year, today.month), as_of=frozen_now)
    assert engine.figure("volume", ctx, Cut(unit=unit, subtree=False)).denominator == 1  # KPI: the unit's order

    client = Client()
    client.force_login(staff["supervisor"])
    rows = _export(client, lead_unit=unit.pk)
    assert [r["工单编号"] for r in rows] == [ticket.number]
    assert rows[0]["主办单位"] == unit.name


def test_terminated_order_export_names_its_unit(frozen_now: datetime, staff: Any) -> None:
    ticket = make_ticket(Status.TERMINATED)
    client = Client()
    client.force_login(staff["supervisor"])
    rows = _export(client)
    assert [r["工单编号"] for r in rows] == [ticket.number]
    assert rows[0]["主办单位"] == ticket.cast.lead.name


def test_the_order_list_filters_and_shows_a_terminated_order_under_its_unit(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.TERMINATED)
    unit = ticket.cast.lead
    fs = OrderFilterSet({"lead_unit": str(unit.pk)}, user=UserFactory(role=Role.SUPERVISOR))
    assert fs.is_valid(), fs.errors
    assert list(fs.filter_queryset(Ticket.objects.all()).values_list("pk", flat=True)) == [ticket.pk]
    shown = list(for_list(Ticket.objects.filter(pk=ticket.pk)))
    attach_lead(shown)
    assert shown[0].lead is not None and shown[0].lead.unit == unit  # the list's 主办单位 column
