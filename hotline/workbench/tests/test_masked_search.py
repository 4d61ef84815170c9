"""A reader shown callers' numbers masked (a unit) cannot confirm a number or an anonymous caller's name by
searching the order list: the page, its htmx partial and the CSV export share one FilterSet (docs/security.md)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.queues.filtersets import NUMBER_SEARCH_REFUSED, OrderFilterSet, holds_number

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
CARD = "43010219900101123X"
TEXT = f"楼下噪音扰民，联系电话{PHONE}。身份证号{CARD}，备用138.1234.5678"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _get(user: User, name: str, **params: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse(name), params)


def _exported(user: User, **params: Any) -> set[str]:
    raw = b"".join(_get(user, "orders-export-csv", **params).streaming_content)
    return {row[0] for row in list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1:]}


@pytest.mark.parametrize("q", [f"电话{PHONE}", f"{PHONE}。", "138.1234.5678", "１３８１２３４５６７８号",
                               "138，1234，5678", CARD, "身份证43010219900101123x", "话13812345"])
def test_a_search_holding_a_number_confirms_nothing_to_a_unit(cast: Cast, q: str) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=TEXT)
    assert ticket.number not in _exported(cast.lead_handler, q=q)
    page = _get(cast.lead_handler, "orders", q=q).content.decode()
    assert ticket.number not in page
    assert str(NUMBER_SEARCH_REFUSED) in page  # said, not silently empty


def test_centre_staff_still_find_a_number_typed_among_words(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=TEXT)
    assert ticket.number in _exported(cast.dispatcher, q=f"电话{PHONE}")
    assert str(NUMBER_SEARCH_REFUSED) not in _get(cast.dispatcher, "orders", q=f"电话{PHONE}").content.decode()


def test_a_unit_still_searches_words_and_order_numbers(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, title="3号楼路灯不亮", description=TEXT)
    assert ticket.number in _exported(cast.lead_handler, q="3号楼")
    assert ticket.number in _exported(cast.lead_handler, q="噪音")
    assert ticket.number in _exported(cast.lead_handler, q=ticket.number)
    page = _get(cast.lead_handler, "orders", q=ticket.number).content.decode()
    assert ticket.number in page and str(NUMBER_SEARCH_REFUSED) not in page


def test_an_anonymous_callers_name_is_no_search_term_for_a_unit(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, is_anonymous=True, caller_name="王建华",
                         description="我叫王建华，举报楼下餐馆油烟扰民")
    named = make_ticket(Status.DISPATCHED, cast=cast, caller_name="李明", description="我叫李明，楼下餐馆油烟扰民")
    for q in ("王建华", "油烟", "我叫王"):
        assert ticket.number not in _exported(cast.lead_handler, q=q), q
    assert named.number in _exported(cast.lead_handler, q="油烟")  # a named caller's words are searched
    assert ticket.number in _exported(cast.lead_handler, q=ticket.number)  # found by its number
    assert ticket.number in _exported(cast.dispatcher, q="王建华")  # centre staff read the name
    assert "匿名、举报工单仅按编号" in _get(cast.lead_handler, "orders").content.decode()  # the box says so


def test_a_reports_words_are_no_search_term_for_a_unit(cast: Cast) -> None:
    """A 举报's reporter is withheld like an anonymous caller (`Ticket.identity_withheld`)."""
    report = make_ticket(Status.DISPATCHED, cast=cast, request_type=RequestType.REPORT, caller_name="王建华",
                         description="我叫王建华，举报楼下餐馆油烟扰民")
    assert report.number not in _exported(cast.lead_handler, q="王建华")
    assert report.number in _exported(cast.lead_handler, q=report.number)
    assert report.number in _exported(cast.dispatcher, q="王建华")


def test_holds_number_after_folding_and_separators() -> None:
    for text in (f"电话{PHONE}", "138 1234 5678", "138-1234-5678。", "(0731)8899-0001", "０７３１－８８９９０００１",
                 CARD, "12345"):
        assert holds_number(text), text
    for text in ("3号楼", "2024年3月", "幸福路88号101室", "路灯", ""):
        assert not holds_number(text), text


def test_the_filterset_refuses_the_search_with_a_message(cast: Cast) -> None:
    fs = OrderFilterSet({"q": f"电话{PHONE}"}, user=cast.lead_handler)
    assert not fs.is_valid() and fs.errors["q"] == [str(NUMBER_SEARCH_REFUSED)]
    assert OrderFilterSet({"q": f"电话{PHONE}"}, user=cast.dispatcher).is_valid()
    assert not OrderFilterSet({"q": f"电话{PHONE}"}, user=cast.dispatcher, full_numbers=False).is_valid()


@pytest.mark.parametrize("q", ["电话1381", "话138123", "8123", "2345"])
def test_a_few_digits_among_words_cannot_reach_into_a_masked_number(cast: Cast, q: str) -> None:
    """Four digits or fewer are not a number, but they could still match the hidden middle of one typed in the
    text (138****5678): the text is matched as the unit reads it."""
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=f"楼下噪音扰民，联系电话{PHONE}，3号楼")
    assert ticket.number not in _exported(cast.lead_handler, q=q)


@pytest.mark.parametrize("q", ["3号楼", "5678", "电话138"])
def test_digits_the_unit_reads_are_still_found(cast: Cast, q: str) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=f"楼下噪音扰民，联系电话{PHONE}，3号楼")
    assert ticket.number in _exported(cast.lead_handler, q=q)
    assert ticket.number in _exported(cast.dispatcher, q=q)
