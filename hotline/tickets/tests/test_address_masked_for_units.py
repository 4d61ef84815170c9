"""The 事发地址 on the order page is free text a caller may dictate a number into (东湖路12号，联系13912345678): it is
read as the description is (`core.privacy.text_for`): masked for a handling unit, as written for the centre with
the full number recorded as a view, and as written for the one response of a unit's 查看完整号码 (联系群众)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ADDRESS = f"东湖路12号（联系{PHONE}）"
ADDRESS_MASKED = "东湖路12号（联系139****5678）"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _address_shown(body: str) -> str:
    """The 事发地址 field of the order page."""
    return re.search(r"事发地址</dt><dd>([^<]*)</dd>", body).group(1)


def _page(user: User, ticket: Ticket) -> str:
    response = _client(user).get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_unit_reads_the_address_with_the_number_masked(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, address=ADDRESS)
    page = _page(cast.lead_handler, ticket)
    assert _address_shown(page) == ADDRESS_MASKED
    assert PHONE not in page
    assert not AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).exists()


def test_another_number_in_the_address_is_masked_too(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, address="东湖路12号 物业 13700001111")
    assert _address_shown(_page(cast.lead_handler, ticket)) == "东湖路12号 物业 137****1111"


def test_the_centre_reads_the_address_as_written_and_the_number_shown_is_recorded(cast: Cast) -> None:
    """No number of the caller's own: the address is the only full number on the page, and it is recorded."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="", address=ADDRESS)
    assert _address_shown(_page(cast.dispatcher, ticket)) == ADDRESS
    assert list(AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).values_list("subject", "user_id")) == [
        (ticket.number, cast.dispatcher.pk)]


def test_a_unit_that_reveals_the_caller_reads_the_address_as_written_once(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, address=ADDRESS)
    response = _client(cast.lead_handler).post(reverse("order-reveal-caller", args=[ticket.number]))
    assert response.status_code == 200
    assert _address_shown(response.content.decode()) == ADDRESS
    assert _address_shown(_page(cast.lead_handler, ticket)) == ADDRESS_MASKED  # the next look: masked again


def test_an_empty_address_shows_a_dash(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, address="")
    assert _address_shown(_page(cast.lead_handler, ticket)) == "—"


def test_the_api_reads_the_address_as_the_order_page_does(cast: Cast) -> None:
    from hotline.api.serialize import detail_queryset, order_detail

    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, address=ADDRESS)
    ticket = detail_queryset(Ticket.objects.filter(pk=ticket.pk)).get()
    assert order_detail(ticket, cast.lead_handler)["address"] == ADDRESS_MASKED
    assert order_detail(ticket, cast.dispatcher)["address"] == ADDRESS
    assert order_detail(ticket, cast.dispatcher, full_phone=False)["address"] == ADDRESS_MASKED
