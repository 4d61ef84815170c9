"""Numbers typed into the knowledge-base pages: anything malformed or absurdly long is absent, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb.params import whole_number
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket, stored

pytestmark = pytest.mark.django_db

CONSULT = {"request_type": RequestType.CONSULT, "description": "请问居住证怎么办理，需要什么材料"}
BAD = ["abc", "1\x00", "1.5", "-", "-1", "１", "9" * 25, "9" * 5000, " "]


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。")


def login(user) -> Client:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("raw", BAD)
def test_whole_number_takes_nothing_malformed(raw: str) -> None:
    assert whole_number(raw) is None


def test_whole_number_takes_small_ascii_numbers() -> None:
    assert whole_number(" 12 ") == 12
    assert whole_number("0") == 0


@pytest.mark.parametrize("value", BAD)
def test_answer_with_a_malformed_article_id_asks_to_choose_one(article, value, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    response = login(ticket.cast.intake).post(reverse("kb:answer", args=[ticket.number]),
                                              {"article": value, "version": ticket.version}, follow=True)
    assert response.status_code == 200
    assert "请选择一条知识" in [str(m) for m in response.context["messages"]]
    assert stored(ticket) == before


@pytest.mark.parametrize("value", ["9" * 5000, "9" * 25, "1.5", "abc"])
def test_answer_with_a_malformed_version_changes_nothing(article, value, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    response = login(ticket.cast.intake).post(reverse("kb:answer", args=[ticket.number]),
                                              {"article": article.pk, "version": value})
    assert response.status_code == 302
    assert stored(ticket) == before


@pytest.mark.parametrize("owner", ["9" * 25, "9" * 5000, "abc", "1\x00"])
def test_search_page_with_a_malformed_owner_searches_every_owner(article, staff, owner) -> None:  # noqa: ANN001
    response = login(staff["intake"]).get(reverse("kb:list"), {"q": "居住证", "owner": owner})
    assert response.status_code == 200
    assert article.code in response.content.decode()


@pytest.mark.parametrize("page", ["9" * 5000, "9" * 25, "abc", "-3"])
def test_public_faq_with_a_malformed_page_shows_the_first(article, page) -> None:  # noqa: ANN001
    response = Client(raise_request_exception=False).get(reverse("kb:faq"), {"q": "居住证", "page": page})
    assert response.status_code == 200
    assert article.code in response.content.decode()
