"""The 研判预警 link carries the number of alerts not yet 知悉, so a shift lead sees a new one from any page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, UserFactory, make_ticket
from hotline.triage.models import Alert, AlertKind, AlertStatus

pytestmark = pytest.mark.django_db


def _alerts_link(client: Client) -> str:
    body = client.get(reverse("orders")).content.decode()
    nav = body[body.index('aria-label="主导航"'):]
    found = re.search(f'<a href="{reverse("triage-alerts")}"[^>]*>(.*?)</a>', nav[:nav.index("</nav>")])
    return found.group(1) if found else ""


def _alert(master: object, status: str) -> None:
    Alert.objects.create(kind=AlertKind.values[0], status=status, title="预警", master=master,
                         created_at=NOW, updated_at=NOW)


def test_the_shift_lead_sees_how_many_alerts_wait() -> None:
    cast = Cast.build()
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=NOW)
    client = Client()
    client.force_login(cast.dispatcher)
    assert _alerts_link(client) == "研判预警"  # none open: no badge
    for status in (AlertStatus.OPEN, AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        _alert(master, status)
    assert _alerts_link(client) == '研判预警 <span class="nav-count">2<span class="sr-only">条待处理</span></span>'


def test_people_without_the_alerts_page_get_no_count_and_no_query() -> None:
    cast = Cast.build()
    _alert(make_ticket(Status.PENDING_DISPATCH, cast=cast, at=NOW), AlertStatus.OPEN)
    client = Client()
    client.force_login(UserFactory(role=Role.INTAKE))
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("orders")).content.decode()
    assert "nav-count" not in body and reverse("triage-alerts") not in body
    assert not any(Alert._meta.db_table in q["sql"] for q in queries.captured_queries)
