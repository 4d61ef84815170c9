"""A filter the list cannot use is said so above the results (never silently dropped, never a 500)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _get(cast: Cast, name: str, params: dict, **headers: str):  # noqa: ANN202
    client = Client()
    client.force_login(cast.supervisor)  # a role that may open the dispatch queue and the supervision board
    return client.get(reverse(name), params, **headers)


@pytest.mark.parametrize(("params", "label"), [
    ({"status": "bogus"}, "状态"),
    ({"registered_from": "2026-13-01"}, "受理日期自"),
    ({"registered_to": "0001-01-01"}, "受理日期至"),
    ({"category": "abc"}, "诉求分类"),
    ({"sort": "title; DROP TABLE"}, "排序"),
])
def test_an_invalid_filter_is_reported_on_the_list(cast: Cast, params: dict, label: str) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    response = _get(cast, "orders", params)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error-summary" role="alert"' in body and "以下筛选条件无效" in body
    assert f"{label}</a>：" in body
    assert ticket.number in body  # the other filters still apply; nothing is hidden without a word


def test_a_folded_invalid_filter_opens_the_more_filters_panel(cast: Cast) -> None:
    body = _get(cast, "orders", {"registered_from": "2026-13-01"}).content.decode()
    assert '<details class="more-filters" open>' in body


def test_the_message_is_shown_on_every_queue_and_in_the_htmx_results(cast: Cast) -> None:
    for name in ("queue-dispatch", "queue-review", "supervision"):
        response = _get(cast, name, {"channel": "bogus"})
        assert response.status_code == 200 and "以下筛选条件无效" in response.content.decode(), name
    partial = _get(cast, "orders", {"light": "purple"}, HTTP_HX_REQUEST="true").content.decode()
    assert "以下筛选条件无效" in partial and "<html" not in partial


def test_valid_filters_show_no_error(cast: Cast) -> None:
    body = _get(cast, "orders", {"status": Status.REGISTERED, "registered_from": "2026-01-01"}).content.decode()
    assert "以下筛选条件无效" not in body
