"""The order page's 回访 step asks the citizen 「承办单位是否联系过您？」; the visit record and the timeline show
the answer, and a "no" against a reply that claimed 已联系群众 is flagged to the centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.forms import VisitForm

pytestmark = pytest.mark.django_db

STEP = Action.RETURN_VISIT
FLAG = "群众表示未被联系，与答复所称不符"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _act(user: User, ticket: Ticket, data: dict, **kwargs: Any):  # noqa: ANN202
    body = {f"{STEP}-{k}": v for k, v in data.items()}
    body["version"] = str(ticket.version)
    return _client(user).post(reverse("order-act", args=[ticket.number, STEP]), body, **kwargs)


def _page(user: User, ticket: Ticket) -> str:
    return _client(user).get(reverse("order-detail", args=[ticket.number])).content.decode()


def _visits_section(page: str) -> str:
    return page[page.index('id="h-visits"'):page.index('id="h-attachments"')]


def _timeline(page: str) -> str:
    return page[page.index('id="h-timeline"'):]


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _call(answer: str) -> dict:
    return {"method": VisitMethod.PHONE, "contacted": "1", "resolved": "1", "satisfaction": Satisfaction.SATISFIED,
            "unit_contacted": answer}


def test_the_step_asks_the_citizen_optionally(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    response = _client(cast.inspector).get(reverse("order-detail", args=[ticket.number]))
    [form] = [f for spec, f in response.context["steps"] if spec.action == STEP]
    assert isinstance(form, VisitForm)
    field = form.fields["unit_contacted"]
    assert field.label == "承办单位是否联系过您？" and not field.required
    assert 'name="return_visit-unit_contacted"' in response.content.decode()


def test_a_yes_is_recorded_and_shown(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    assert _act(cast.inspector, ticket, _call("1")).status_code == 302
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is True
    page = _page(cast.inspector, ticket)
    assert "群众称单位联系过：是" in _visits_section(page) and FLAG not in page
    assert "群众称单位联系过：是" in _timeline(page)


def test_a_no_against_the_replys_claim_is_flagged_on_the_page(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)  # the lead's reply says 已联系群众
    assert _act(cast.inspector, ticket, _call("0")).status_code == 302
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is False
    page = _page(cast.inspector, ticket)
    section = _visits_section(page)
    assert "群众称单位联系过：否" in section and FLAG in section
    timeline = _timeline(page)
    assert "群众称单位联系过：否" in timeline and FLAG in timeline
    assert FLAG in _page(cast.lead_handler, ticket)  # the unit sees what the citizen said too


def test_no_answer_is_recorded_as_not_asked(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    assert _act(cast.inspector, ticket, _call("")).status_code == 302
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is None
    page = _page(cast.inspector, ticket)
    assert "群众称单位联系过：" not in _timeline(page) and FLAG not in page


def test_an_older_visit_without_the_answer_shows_nothing_more(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED, note="群众表示满意")
    section = _visits_section(_page(cast.inspector, ticket))
    row = section[section.index("<tbody>"):section.index("</tbody>")]
    cells = [c.split(">", 1)[1].split("</td")[0] for c in row.split("<td")[1:]]
    assert cells[-1] == "群众表示满意" and "群众称单位联系过" not in section
