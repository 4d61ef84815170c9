"""Guessing an order's query code from many addresses: wrong codes are counted per order number as well as per
address, and an IPv6 client is one client for its whole /64."""

from __future__ import annotations

from itertools import count

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from hotline.portal.constants import RATE_LIMITS
from hotline.portal.tests.chase_support import CALLER, chase
from hotline.portal.tests.helpers import without_csrf
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket, stored

pytestmark = pytest.mark.django_db

#: Wrong codes one number takes in a quarter of an hour, and in six hours (the defaults).
BURST, _ = RATE_LIMITS["track-number"]
LONG, LONG_WINDOW = RATE_LIMITS["track-number-long"]
WRONG_PAIR = "工单编号或查询码不正确"
_addresses = count(1)


def fresh_client() -> Client:
    """A client from an address of its own, so that only the per-number limit can refuse it."""
    n = next(_addresses)
    return Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")


def wrong(ticket: Ticket) -> str:
    return "000000" if ticket.query_code != "000000" else "111111"


def track(number: str, code: str, client: Client | None = None) -> HttpResponse:
    return (client or fresh_client()).post(reverse("portal:track"), {"number": number, "query_code": code})


def guess(number: str, code: str, times: int) -> list[int]:
    """`times` wrong tries on one number, each from another address."""
    return [track(number, code).status_code for _ in range(times)]


def test_a_number_with_too_many_wrong_codes_is_refused_to_everyone_for_a_while(
        traveller: time_machine.Coordinates) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert set(guess(ticket.number, wrong(ticket), BURST)) == {200}
    refused = track(ticket.number, ticket.query_code)  # the right code too: a guesser learns nothing
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 900
    text = refused.content.decode()
    assert "操作过于频繁" in text and ticket.description not in text
    other = make_ticket(Status.IN_PROGRESS, caller_phone="13800000000")
    assert track(other.number, other.query_code).status_code == 303  # other orders are not touched
    traveller.shift(int(refused["Retry-After"]))
    assert track(ticket.number, ticket.query_code).status_code == 303


def test_an_unknown_number_is_refused_the_same_way(frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    unknown = "209912310000001"
    assert not Ticket.objects.filter(number=unknown).exists()
    for number, code in ((ticket.number, wrong(ticket)), (unknown, "123456")):
        assert set(guess(number, code, BURST)) == {200}
    known, other = track(ticket.number, wrong(ticket)), track(unknown, "123456")
    assert (known.status_code, known["Retry-After"], without_csrf(known.content.decode())) == (
        other.status_code, other["Retry-After"], without_csrf(other.content.decode()))


def test_a_citizen_who_mistypes_a_few_times_gets_in(client: Client, frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    for _ in range(3):
        assert WRONG_PAIR in track(ticket.number, wrong(ticket), client).content.decode()
    assert track(ticket.number, ticket.query_code, client).status_code == 303


def test_right_codes_do_not_count(frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert set(guess(ticket.number, wrong(ticket), BURST - 1)) == {200}
    assert {track(ticket.number, ticket.query_code).status_code for _ in range(5)} == {303}
    assert track(ticket.number, wrong(ticket)).status_code == 200  # the last failure the window allows
    assert track(ticket.number, wrong(ticket)).status_code == 429


def test_a_slow_guesser_meets_the_six_hour_limit(traveller: time_machine.Coordinates) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    left = LONG
    while left:  # a burst in each quarter of an hour, never over the short limit
        assert set(guess(ticket.number, wrong(ticket), min(BURST, left))) == {200}
        left -= min(BURST, left)
        traveller.shift(900)
    refused = track(ticket.number, ticket.query_code)
    assert refused.status_code == 429 and 900 < int(refused["Retry-After"]) <= LONG_WINDOW
    traveller.shift(int(refused["Retry-After"]))
    assert track(ticket.number, ticket.query_code).status_code == 303


def test_the_chase_form_counts_and_obeys_the_same_limit(frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert {chase(fresh_client(), ticket, code=wrong(ticket)).status_code for _ in range(BURST)} == {400}
    refused = chase(fresh_client(), ticket)  # the right pair, after the number's failures were used up
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert stored(ticket)["version"] == ticket.version  # no chase recorded
    assert track(ticket.number, ticket.query_code).status_code == 429  # and tracking is refused as well


def test_failures_on_the_tracking_form_close_the_chase_form_too(frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert set(guess(ticket.number, wrong(ticket), BURST)) == {200}
    assert chase(fresh_client(), ticket).status_code == 429


def test_an_invalid_form_counts_nothing_against_the_number(frozen_now: object) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    for _ in range(BURST + 5):
        assert track(ticket.number, "").status_code == 200  # the field's own error; nothing looked up
    assert track(ticket.number, ticket.query_code).status_code == 303


# --- IPv6 clients: one per /64 ----------------------------------------------------------------------


def test_one_ipv6_network_is_one_client(frozen_now: object) -> None:
    tries, _ = RATE_LIMITS["track"]
    # Numbers nobody has, each tried once: only the per-address limit can refuse.
    statuses = [track(f"2099{i:011d}", "123456", Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")).status_code
                for i in range(tries + 1)]
    assert statuses == [200] * tries + [429]
    neighbour = Client(REMOTE_ADDR="2001:db8:1:3::1")  # the next /64 is another client
    assert track("209900000000999", "123456", neighbour).status_code == 200


def test_ipv4_addresses_are_still_counted_one_by_one(frozen_now: object) -> None:
    tries, _ = RATE_LIMITS["track"]
    first = Client(REMOTE_ADDR="192.0.2.1")
    assert [track(f"2099{i:011d}", "123456", first).status_code for i in range(tries + 1)][-1] == 429
    assert track("209900000000999", "123456", Client(REMOTE_ADDR="192.0.2.2")).status_code == 200
