"""首次回访 / 最终回访 on the order page: the first and final valid return visit, shown when they differ."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kpis.templatetags.kpi_visits import first_and_final_visits
from hotline.kpis.visits import first_and_final, valid_visit
from hotline.tickets.choices import Channel, Satisfaction, Status
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_rehandled, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _rehandled(cast: Cast) -> Ticket:
    """Unreached, then 未解决/不满意 (重办), replied again, then resolved and 基本满意."""
    return make_rehandled(cast, final=Satisfaction.BASICALLY, unreached_first=True, caller_phone="13900000001")


def _page(cast: Cast, ticket: Ticket) -> str:
    client = Client()
    client.force_login(cast.dispatcher)
    response = client.get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_first_and_final_skip_invalid_visits(cast: Cast) -> None:
    ticket = _rehandled(cast)
    visits = list(ticket.visits.all())
    assert len(visits) == 3
    first, final = first_and_final(visits)
    assert (first.resolved, first.satisfaction) == (False, Satisfaction.UNSATISFIED)
    assert (final.resolved, final.satisfaction) == (True, Satisfaction.BASICALLY)
    assert set(ReturnVisit.objects.filter(valid_visit(), ticket=ticket)) == {first, final}


def test_the_tag_reads_the_loaded_visits(cast: Cast, django_assert_num_queries: Any) -> None:
    visits = list(_rehandled(cast).visits.all())
    with django_assert_num_queries(0):
        shown = first_and_final_visits(visits)
    assert shown["differ"] and shown["first"] != shown["final"]


def test_the_page_shows_both_when_they_differ(cast: Cast) -> None:
    page = _page(cast, _rehandled(cast))
    assert "首次回访" in page and "最终回访" in page
    first, final = page.index("首次回访"), page.index("最终回访")
    assert "未解决" in page[first:final] and "不满意" in page[first:final]
    assert "基本满意" in page[final:]


def test_the_page_shows_neither_for_one_visit_or_a_check(cast: Cast) -> None:
    assert "最终回访" not in _page(cast, make_ticket(Status.CLOSED, cast=cast))
    assert "最终回访" not in _page(cast, make_ticket(Status.CLOSED, cast=cast, channel=Channel.PROACTIVE))
