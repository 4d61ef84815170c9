"""The order page's 坐席质检 panel links to the order's inspection for those who may read it."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import User
from hotline.inspection.choices import InspectionStatus, SampleReason
from hotline.inspection.models import Inspection
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

LINK = "class=\"inspection-link\""


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _inspected(cast: Cast, status: str = InspectionStatus.INSPECTED) -> tuple[Ticket, Inspection]:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    inspection = Inspection.objects.create(ticket=ticket, agent=cast.intake, month=date(2025, 3, 1),
                                           reason=SampleReason.RANDOM, sampled_at=ticket.registered_at,
                                           status=status, score=90 if status != InspectionStatus.PENDING else None)
    return ticket, inspection


def _page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number])).content.decode()


@pytest.mark.parametrize("who", ["inspector", "supervisor", "intake"])
def test_readers_and_the_agent_get_the_link(cast: Cast, who: str) -> None:
    ticket, inspection = _inspected(cast)
    page = _page(getattr(cast, who), ticket)
    assert f'{LINK} href="{reverse("inspection-detail", args=[inspection.pk])}">查看质检记录</a>' in page


def test_no_link_for_others_or_without_an_inspection(cast: Cast) -> None:
    ticket, _inspection = _inspected(cast)
    assert LINK not in _page(cast.dispatcher, ticket)
    assert LINK not in _page(cast.inspector, make_ticket(Status.IN_PROGRESS, cast=cast))


def test_the_agent_sees_no_link_to_a_sample_not_yet_scored(cast: Cast) -> None:
    ticket, _inspection = _inspected(cast, InspectionStatus.PENDING)
    assert LINK not in _page(cast.intake, ticket)
    assert LINK in _page(cast.inspector, ticket)


def test_the_link_costs_one_query(cast: Cast) -> None:
    ticket, _inspection = _inspected(cast)
    client = Client()
    client.force_login(cast.inspector)
    url = reverse("order-detail", args=[ticket.number])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert sum('"inspection_inspection"' in q["sql"] for q in queries.captured_queries) == 1
