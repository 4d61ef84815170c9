"""Order lists show each title as the order page shows it: numbers masked for units, and the names of a caller
whose identity is withheld (匿名, 举报) too; centre staff read it as written."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _list(user) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client.get(reverse("orders")).content.decode()


def test_a_unit_reads_a_number_in_a_title_masked(cast: Cast) -> None:
    make_ticket(Status.DISPATCHED, cast=cast, title="噪音扰民，回电13812345678")
    assert "13812345678" not in _list(cast.lead_handler)
    assert "138****5678" in _list(cast.lead_handler)
    assert "13812345678" in _list(cast.dispatcher)


def test_a_unit_reads_a_reporters_name_in_a_title_masked(cast: Cast) -> None:
    make_ticket(Status.DISPATCHED, cast=cast, title="我叫李建国，举报无证经营", request_type=RequestType.REPORT)
    page = _list(cast.lead_handler)
    assert "李建国" not in page and "举报无证经营" in page
    assert "李建国" in _list(cast.dispatcher)


def test_the_order_page_tells_a_unit_a_reporter_is_kept_confidential(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, request_type=RequestType.REPORT)
    client = Client()
    client.force_login(cast.lead_handler)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "举报人信息保密" in page
