"""The portal's 催办 answers with Post/Redirect/Get: a result page that reloads, switches language, says the
chase's outcome once; a link down to the 催办 card; the heading in English."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

CALLER = {"caller_name": "赵先生", "caller_phone": "13912345678"}
TODAY = "该工单本工作日已催办过"
RECORDED = "催办已记录"


def _post(client: Client, ticket: Ticket):  # noqa: ANN202
    return client.post(reverse("portal:chase"), {"number": ticket.number, "query_code": ticket.query_code})


def test_the_chase_redirects_to_a_result_page_without_the_code(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    response = _post(client, ticket)
    assert response.status_code == 302 and response["Location"] == reverse("portal:tracked")
    assert ticket.query_code not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert RECORDED in page and 'class="ok"' in page and ticket.number in page
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 1


def test_a_reload_shows_the_plain_result_and_chases_nothing(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    client.get(_post(client, ticket)["Location"])
    again = client.get(reverse("portal:tracked"))
    text = again.content.decode()
    assert again.status_code == 200 and RECORDED not in text
    assert TODAY in text and 'role="alert"' not in text  # the card, not an answer to a new chase
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 1


def test_a_refused_second_chase_is_said_once_then_the_plain_card(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    client.get(_post(client, ticket)["Location"])
    refused = client.get(_post(client, ticket)["Location"]).content.decode()
    assert refused.count(TODAY) == 1 and 'role="alert"' in refused
    assert 'role="alert"' not in client.get(reverse("portal:tracked")).content.decode()


def test_the_result_survives_the_language_switch(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    client.get(_post(client, ticket)["Location"])
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:tracked")},
                           follow=True)
    text = switched.content.decode()
    assert switched.status_code == 200 and f"Work order {ticket.number}" in text
    assert "already been chased this working day" in text and "Your chase has been recorded" not in text


def test_the_result_is_kept_a_short_time_only(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket)
    with time_machine.travel(frozen_now + timedelta(minutes=31), tick=False):
        late = client.get(reverse("portal:tracked"))
    assert late.status_code == 302 and late["Location"].startswith(reverse("portal:track"))
    assert ticket.query_code not in late["Location"]


def test_without_a_kept_order_the_tracking_form(client: Client) -> None:
    response = client.get(reverse("portal:tracked"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")


def test_a_wrong_code_answers_on_the_form_and_keeps_nothing(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    wrong = client.post(reverse("portal:chase"), {"number": ticket.number, "query_code": "000000"})
    assert wrong.status_code == 400
    assert client.get(reverse("portal:tracked")).status_code == 302


def test_a_link_leads_down_to_the_chase_card(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = client.post(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code},
                       follow=True).content.decode()
    link = page.index('<a href="#chase-card">我要催办</a>')
    assert page.index('id="h-status"') < link < page.index('id="h-request"' if 'id="h-request"' in page
                                                          else 'id="h-progress"')
    assert 'id="chase-card"' in page
    done = client.get(_post(client, ticket)["Location"]).content.decode()
    assert 'href="#chase-card"' not in done  # chased today: nothing to go down to


def test_the_heading_reads_work_order_in_english(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code}, follow=True
    ).content.decode()
    assert f"Work order {ticket.number}</h1>" in page and "Work orders" not in page
    assert "Chase this order</a>" in page
