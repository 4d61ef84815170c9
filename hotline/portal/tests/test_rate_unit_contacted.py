"""The online evaluation (网上评价): the citizen answers 「承办单位是否联系过您？」 themselves (optional)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.portal.services import invite_to_rate
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.models import ReturnVisit, TimelineEvent
from hotline.tickets.tests.factories import make_ticket
from hotline.tickets.transitions import TRANSITIONS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not TRANSITIONS[Action.RETURN_VISIT].anonymous,
                       reason="the transition table must allow RETURN_VISIT without a logged-in actor"),
]


def _rate(client: Client, token: str, **extra: str) -> object:
    return client.post(reverse("portal:rate", args=[token]),
                       {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED, **extra})


def test_the_evaluation_page_asks_the_question(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    page = client.get(reverse("portal:rate", args=[invite_to_rate(ticket)])).content.decode()
    assert "承办单位是否联系过您？" in page and 'name="unit_contacted"' in page


@pytest.mark.parametrize(("sent", "stored"), [("yes", True), ("no", False), (None, None)])
def test_the_citizens_own_answer_is_recorded(client: Client, sent: str | None, stored: bool | None) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)  # the lead's reply says 已联系群众
    extra = {"unit_contacted": sent} if sent else {}
    response = _rate(client, invite_to_rate(ticket), **extra)
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is stored
    event = TimelineEvent.objects.filter(ticket=ticket, action=Action.RETURN_VISIT).get()
    assert event.data.get("unit_contacted") is stored
    assert event.data.get("contact_disputed", False) is (sent == "no")


def test_a_nonsense_answer_is_refused(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    response = _rate(client, invite_to_rate(ticket), unit_contacted="maybe")
    assert response.status_code == 400
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()
