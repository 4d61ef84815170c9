"""Review fixes on the portal's 催办: which orders offer it, refusals in the citizen's words, and rate limits."""

from __future__ import annotations

from datetime import datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from hotline.portal.tests.chase_support import CALLER, chase, track
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import ConflictError, RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket, stored

pytestmark = pytest.mark.django_db

TODAY = "该工单本工作日已催办过"
AWAITING = "承办单位正在等待您补充情况，请致电 12345 补充"


def test_no_chase_card_on_an_order_awaiting_its_visit(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, **CALLER)
    page = track(client, ticket)
    assert 'class="card chase"' not in page and reverse("portal:chase") not in page
    refused = chase(client, ticket)
    assert refused.status_code == 200 and "该工单当前不能催办" in refused.content.decode()
    assert stored(ticket)["version"] == ticket.version


def test_an_order_waiting_for_the_citizen_asks_them_to_call(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.AWAITING_CITIZEN, **CALLER)
    page = track(client, ticket)
    assert AWAITING in page and reverse("portal:chase") not in page
    refused = chase(client, ticket)
    text = refused.content.decode()
    assert refused.status_code == 200 and text.count(AWAITING) == 1
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_a_confidential_order_has_no_chase_card(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, is_confidential=True, **CALLER)
    page = track(client, ticket)
    assert "详情请致电 12345 查询" in page and 'class="card chase"' not in page
    assert "该工单当前不能催办" in chase(client, ticket).content.decode()
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_the_refused_second_chase_is_said_once(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    chase(client, ticket)
    again = chase(client, ticket)
    text = again.content.decode()
    assert again.status_code == 200 and text.count(TODAY) == 1 and 'role="alert"' in text


def test_a_conflict_reloads_and_asks_to_try_later(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    with mock.patch("hotline.portal.services.chase_online", side_effect=ConflictError("工单已被他人处理，请刷新后重试")):
        response = chase(client, ticket)
    text = response.content.decode()
    assert response.status_code == 200 and "请稍后再试" in text and "他人处理" not in text


def test_a_conflict_after_a_chase_today_says_so(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)

    def raced(order: Ticket) -> None:  # another tab's chase commits first
        services.chase(Ticket.objects.get(pk=order.pk), actor=None)
        raise ConflictError("工单已被他人处理，请刷新后重试")

    with mock.patch("hotline.portal.services.chase_online", side_effect=raced):
        response = chase(client, ticket)
    text = response.content.decode()
    assert response.status_code == 200 and text.count(TODAY) == 1 and "他人处理" not in text


def test_other_refusals_read_plainly(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    staff = "工单202503040000001当前状态为「办理中」，内部规则 X"
    with mock.patch("hotline.portal.services.chase_online", side_effect=RuleViolation(staff)):
        response = chase(client, ticket)
    text = response.content.decode()
    assert response.status_code == 200 and "该工单当前不能催办" in text and staff not in text


def test_a_wrong_code_counts_a_tracking_try(client: Client, frozen_now: datetime, settings: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"track": (2, 600), "chase": (50, 600)}  # type: ignore[attr-defined]
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert chase(client, ticket, code="000000").status_code == 400
    assert chase(client, ticket, code="000001").status_code == 400
    assert chase(client, ticket, code="000002").status_code == 429  # the track bucket is used up
    assert client.post(reverse("portal:track"), {"number": ticket.number, "query_code": "000003"}).status_code == 429


def test_a_get_goes_to_the_tracking_form(client: Client) -> None:
    response = client.get(reverse("portal:chase"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")


def test_the_english_card_says_chase(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = track(Client(HTTP_ACCEPT_LANGUAGE="en"), ticket)
    assert '<h2 id="h-chase">Chase</h2>' in page and "Reminder" not in page
