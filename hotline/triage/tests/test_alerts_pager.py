"""The alert list's pager: page 2 keeps the status and kind filters."""

from __future__ import annotations

import html

import pytest
from django.core.paginator import Paginator
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import views
from hotline.triage.models import Alert, AlertKind, AlertStatus

pytestmark = pytest.mark.django_db


def test_page_two_keeps_the_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "Paginator", lambda rows, _size: Paginator(rows, 1))
    cast = Cast.build()
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=NOW)
    kind = AlertKind.values[0]
    for n in range(2):
        Alert.objects.create(kind=kind, status=AlertStatus.ACKNOWLEDGED, title=f"预警{n}", master=master,
                             created_at=NOW, updated_at=NOW)
    status = AlertStatus.ACKNOWLEDGED
    client = Client()
    client.force_login(cast.dispatcher)
    body = html.unescape(client.get(reverse("triage-alerts"), {"status": status, "kind": kind}).content.decode())
    assert f'href="?status={status}&kind={kind}&page=2" rel="next"' in body and "第 1 / 2 页" in body
    second = html.unescape(client.get(reverse("triage-alerts"), {"status": status, "kind": kind, "page": 2})
                           .content.decode())
    assert f'href="?status={status}&kind={kind}&page=1" rel="prev"' in second
