"""催办 from the tracking page: once per order per working day, by nobody signed in, a merged order's on its master."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.portal.tests.chase_support import CALLER, chase, track
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket

pytestmark = pytest.mark.django_db



def test_the_page_offers_the_button_and_a_chase_is_recorded(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = track(client, ticket)
    assert reverse("portal:chase") in page and f'value="{ticket.query_code}"' in page

    response = chase(client, ticket)

    assert response.status_code == 200
    text = response.content.decode()
    assert "催办已记录" in text and "群众网上催办" in text
    assert "本工作日已催办过" in text  # no second button today
    ticket.refresh_from_db()
    event = ticket.timeline.order_by("seq").last()
    assert (ticket.chase_count, event.action, event.actor, event.data["channel"]) == (1, Action.CHASE, None, "portal")


def test_a_second_chase_the_same_working_day_is_refused_with_a_message(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.DISPATCHED, **CALLER)
    chase(client, ticket)
    again = chase(client, ticket)
    assert again.status_code == 200 and "本工作日已催办过" in again.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 1
    with time_machine.travel(datetime(2025, 3, 5, 9, 0, tzinfo=SHANGHAI), tick=False):  # the next working day
        assert chase(client, ticket).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 2


def test_a_wrong_code_chases_nothing(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    response = chase(client, ticket, code="000000")
    assert response.status_code == 400 and "工单编号或查询码不正确" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 0


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REGISTERED])
def test_no_button_where_no_chase_is_taken(client: Client, frozen_now: datetime, status: str) -> None:
    ticket = make_ticket(status, **CALLER)
    assert reverse("portal:chase") not in track(client, ticket)
    response = chase(client, ticket)
    assert response.status_code == 200 and "不能催办" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_a_proactive_order_has_no_button(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, channel=Channel.PROACTIVE)
    assert reverse("portal:chase") not in track(client, ticket)


def test_a_merged_orders_chase_goes_to_its_master(client: Client, frozen_now: datetime, cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, **CALLER)
    services.merge(merged, actor=cast.dispatcher, master=master)
    merged.refresh_from_db()
    assert reverse("portal:chase") in track(client, merged)
    assert chase(client, merged).status_code == 200
    master.refresh_from_db()
    assert (master.chase_count, Ticket.objects.get(pk=merged.pk).chase_count) == (1, 0)
    assert merged.number in master.timeline.order_by("seq").last().note


def test_chasing_is_rate_limited(client: Client, frozen_now: datetime, settings: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"chase": (1, 600)}  # type: ignore[attr-defined]
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    chase(client, ticket)
    limited = chase(client, ticket)
    assert limited.status_code == 429 and limited["Retry-After"]


def test_the_english_page(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "you can chase online once per working day" in track(client, ticket)
    text = chase(client, ticket).content.decode()
    assert "Your chase has been recorded" in text and "Citizen chased online" in text
