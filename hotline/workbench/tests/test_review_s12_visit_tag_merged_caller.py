"""The 回访 queue tags an order 无联系电话 only when nobody can be called back: a master (并单) without a number of
its own whose merged callers left numbers is called like any other (its attempt limit already counts them,
`services.review.has_phone_to_call`)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13800001111"


def _row(page: str, number: str) -> str:
    start = page.index(f">{number}</a>")
    return page[start:page.index("</tr>", start)]


def test_a_master_whose_merged_caller_left_a_number_is_not_tagged_without_a_phone(
        cast: Cast, frozen_now: datetime) -> None:
    master = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    make_ticket(Status.MERGED, cast=cast, master=master, caller_phone=PHONE)
    alone = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    client = Client()
    client.force_login(cast.inspector)
    page = client.get(reverse("queue-visits")).content.decode()
    assert "无联系电话" not in _row(page, master.number)
    assert "无联系电话" in _row(page, alone.number)
