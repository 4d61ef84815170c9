"""The supervision board's list: red-light orders only (said above the list), or, with the 群众催办 filter, the
chased open orders whatever their light."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from hotline.sla.choices import Light
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

BOARD = "/work/supervision/"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(cast: Cast, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(cast.supervisor)
    return client


def _orders(cast: Cast) -> tuple[Ticket, Ticket, Ticket]:
    """A chased green order, a chased yellow one and an unchased red one."""
    green, yellow, red = (make_ticket(Status.IN_PROGRESS, cast=cast) for _ in range(3))
    for ticket, light in ((green, Light.GREEN), (yellow, Light.YELLOW), (red, Light.RED)):
        Ticket.objects.filter(pk=ticket.pk).update(light=light)
    for ticket in (green, yellow):
        services.chase(Ticket.objects.get(pk=ticket.pk), actor=cast.intake, note="群众来电催办")
    return green, yellow, red


def test_without_the_filter_the_list_says_it_shows_red_orders_only(cast: Cast) -> None:
    green, yellow, red = _orders(cast)
    board = _client(cast).get(BOARD)
    assert [t.number for t in board.context["orders"]] == [red.number]
    assert "下方只列出红灯工单" in board.content.decode()
    assert "red-light orders only" in _client(cast, "en").get(BOARD).content.decode()


def test_with_the_chase_filter_chased_orders_of_any_light_are_listed(cast: Cast) -> None:
    green, yellow, red = _orders(cast)
    board = _client(cast).get(BOARD, {"chased": "1", "sort": "-chase_count"})
    assert {t.number for t in board.context["orders"]} == {green.number, yellow.number}
    text = board.content.decode()
    assert "不论亮灯" in text and "下方只列出红灯工单" not in text
    htmx = _client(cast).get(BOARD, {"chased": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "列出群众催办过的在办工单" in htmx  # the line is in the part the filters swap


def test_a_bad_chase_value_falls_back_to_the_red_list(cast: Cast) -> None:
    _green, _yellow, red = _orders(cast)
    board = _client(cast).get(BOARD, {"chased": "x"})
    assert board.status_code == 200 and [t.number for t in board.context["orders"]] == [red.number]
