"""A refused step re-renders the order page at the step's POST-only address (/orders/<n>/act/<step>/): the
language switch there goes back to the order page (`switch_next`), never to that address (a 405)."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _switch_next(body: str) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', body).group(1))


#: 答复 refused three ways: a stale page (409), a page without a version (409), a reply without its reason (400).
REFUSALS = [
    ("stale", {"version": "1", "reply-content": "已处理", "reply-contacted": "1", "reply-resolved": "1"}, 409),
    ("no version", {"reply-content": "已处理", "reply-contacted": "1", "reply-resolved": "1"}, 409),
    ("invalid", {"reply-content": "已到现场", "reply-contacted": "1", "reply-resolved": "0",
                 "reply-unresolved_reason": " "}, 400),
]


@pytest.mark.parametrize(("case", "body", "status"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_switching_language_on_a_refused_step_comes_back_to_the_order(frozen_now: datetime, case: str, body: dict,
                                                                      status: int) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    if case == "invalid":
        body = {**body, "version": str(ticket.version)}
    client = Client()
    client.force_login(cast.lead_handler)
    order = reverse("order-detail", args=[ticket.number])
    # Posted from a queue (its Referer): the switch still goes to the page shown, the order page.
    refused = client.post(reverse("order-act", args=[ticket.number, Action.REPLY]), body,
                          headers={"Referer": f"http://testserver{reverse('queue-inbox')}"})
    assert refused.status_code == status
    assert _switch_next(refused.content.decode()) == order
    switched = client.post(reverse("set_language"), {"language": "en", "next": order})
    assert switched.status_code == 302 and switched["Location"] == order
    landing = client.get(order)
    assert landing.status_code == 200 and ticket.number in landing.content.decode()
    assert landing.wsgi_request.LANGUAGE_CODE == "en"
