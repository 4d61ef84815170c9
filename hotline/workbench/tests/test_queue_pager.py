"""A queue's pager: page 2 keeps the filters, the tab and the sort."""

from __future__ import annotations

import html
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.queues import views

pytestmark = pytest.mark.django_db


def test_page_two_keeps_the_filters(frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    cast = Cast.build()
    for _ in range(2):
        make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.WECHAT)
    client = Client()
    client.force_login(cast.dispatcher)
    params = {"channel": Channel.WECHAT, "sort": "registered_at"}
    body = html.unescape(client.get(reverse("queue-dispatch"), params).content.decode())
    assert f'href="?channel={Channel.WECHAT}&sort=registered_at&page=2" rel="next"' in body
    assert "第 1 / 2 页" in body
    second = client.get(reverse("queue-dispatch"), params | {"page": 2}, HTTP_HX_REQUEST="true")
    assert f'href="?channel={Channel.WECHAT}&sort=registered_at&page=1" rel="prev"' in html.unescape(
        second.content.decode())
