"""The agents' suggestions (JSON), the search pages, and the citizens' FAQ search."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb import services
from hotline.kb.tests.conftest import make_article
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def articles(org, frozen_now):  # noqa: ANN001, ANN201
    return {
        "public": make_article(org.department, "居住证办理指南", answer="携带身份证到派出所办理。"),
        "internal": make_article(org.department, "居住证内部口径", public=False, answer="内部答复口径"),
        "expired": make_article(org.department, "居住证旧规定", valid_from=date(2020, 1, 1),
                                valid_until=date(2021, 1, 1)),
        "draft": make_article(org.department, "居住证草稿", publish=False),
    }


def test_suggest_returns_articles_in_force_for_centre_staff(articles, staff, django_assert_max_num_queries) -> None:  # noqa: ANN001
    client = client_for(staff["intake"])
    with django_assert_max_num_queries(5):  # session, user, term frequencies, index, articles
        response = client.get(reverse("kb:suggest"), {"q": "我想办居住证"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["title"] for r in results} == {"居住证办理指南", "居住证内部口径"}
    first = next(r for r in results if r["title"] == "居住证办理指南")
    assert first["answer"] == "携带身份证到派出所办理。"
    assert first["answer_text"].endswith(f"〔知识库 {articles['public'].code} 第1版〕")
    assert first["kind_label"] and first["owner"] and first["url"]


def test_suggest_query_count_does_not_grow_with_results(org, staff, frozen_now, django_assert_max_num_queries) -> None:  # noqa: ANN001
    for i in range(8):
        make_article(org.department, f"公积金问答{i}")
    client = client_for(staff["dispatcher"])
    with django_assert_max_num_queries(5):  # session, user, term frequencies, index, articles
        response = client.get(reverse("kb:suggest"), {"q": "公积金问答"})
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_suggest_is_refused_to_unit_staff(articles, role) -> None:  # noqa: ANN001
    response = client_for(UserFactory(role=role)).get(reverse("kb:suggest"), {"q": "居住证"})
    assert response.status_code == 403


def test_suggest_is_refused_to_anonymous_and_inactive_users(articles) -> None:  # noqa: ANN001
    assert client_for(None).get(reverse("kb:suggest"), {"q": "居住证"}).status_code == 403
    inactive = UserFactory(role=Role.INTAKE, is_active=False)
    assert client_for(inactive).get(reverse("kb:suggest"), {"q": "居住证"}).status_code in (302, 403)


def test_suggest_ignores_too_short_queries(articles, staff) -> None:  # noqa: ANN001
    response = client_for(staff["intake"]).get(reverse("kb:suggest"), {"q": "居"})
    assert response.json()["results"] == []


def test_agents_search_page_and_article_page(articles, staff) -> None:  # noqa: ANN001
    client = client_for(staff["intake"])
    page = client.get(reverse("kb:list"), {"q": "居住证"}).content.decode()
    assert "居住证办理指南" in page and "居住证内部口径" in page and "居住证旧规定" not in page
    detail = client.get(reverse("kb:article", args=[articles["public"].code])).content.decode()
    assert "携带身份证到派出所办理。" in detail and "修订记录" in detail
    assert client.get(reverse("kb:list")).status_code == 200


def test_agents_pages_are_refused_to_unit_staff(articles) -> None:  # noqa: ANN001
    client = client_for(UserFactory(role=Role.UNIT_HANDLER))
    assert client.get(reverse("kb:list")).status_code == 403
    assert client.get(reverse("kb:article", args=[articles["public"].code])).status_code == 403


def test_public_faq_shows_only_public_published_articles_in_force(articles) -> None:  # noqa: ANN001
    response = client_for(None).get(reverse("kb:faq"), {"q": "居住证"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "居住证办理指南" in page
    for hidden in ("居住证内部口径", "居住证旧规定", "居住证草稿"):
        assert hidden not in page
    assert 'name="viewport"' in page  # the portal's mobile layout


def test_public_faq_article_page_hides_internal_expired_and_retired(articles) -> None:  # noqa: ANN001
    client = client_for(None)
    assert client.get(reverse("kb:faq-article", args=[articles["public"].code])).status_code == 200
    for key in ("internal", "expired", "draft"):
        assert client.get(reverse("kb:faq-article", args=[articles[key].code])).status_code == 404
    services.retire_article(articles["public"], actor=None)
    assert client.get(reverse("kb:faq-article", args=[articles["public"].code])).status_code == 404


def test_public_faq_page_without_a_question(articles) -> None:  # noqa: ANN001
    response = client_for(None).get(reverse("kb:faq"))
    assert response.status_code == 200 and "常见问题" in response.content.decode()


def test_public_faq_reads_an_odd_page_number_as_the_first(articles) -> None:  # noqa: ANN001
    for page in ("²", "x", "-1"):  # "²" is a digit int() cannot read
        assert client_for(None).get(reverse("kb:faq"), {"q": "居住证", "page": page}).status_code == 200


def test_public_faq_is_rate_limited(articles) -> None:  # noqa: ANN001
    from django.core.cache import cache

    cache.clear()
    client = client_for(None)
    with override_settings(HOTLINE_PUBLIC_RATE_LIMITS_ENABLED=True):
        statuses = [client.get(reverse("kb:faq"), {"q": "居住证"}).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    cache.clear()


def test_script_in_an_article_is_shown_as_text(org, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "居住证<script>alert(1)</script>")
    page = client_for(None).get(reverse("kb:faq"), {"q": "居住证"}).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_intake_page_carries_the_suggestion_box(staff) -> None:  # noqa: ANN001
    page = client_for(staff["intake"]).get(reverse("intake")).content.decode()
    assert 'id="kb-suggest"' in page and reverse("kb:suggest") in page and "kb/intake_suggest.js" in page


def test_the_portal_home_links_to_the_faq(db) -> None:  # noqa: ANN001
    assert reverse("kb:faq") in client_for(None).get(reverse("portal:home")).content.decode()
