"""The match budget and the filters (review rv2): term counts cover every indexed article, so the rarest
query words may be held only by articles a search excludes (an internal guide, an expired rule, another
kind or owner); the search then tries the next rarest words instead of finding nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.kb import index, selectors, services
from hotline.kb.choices import ArticleStatus, Kind
from hotline.kb.models import Article, ArticleVersion
from hotline.kb.tests.conftest import make_article

pytestmark = pytest.mark.django_db

#: Articles in force about 住房公积金 in the realistic case: more than MATCH_BUDGET (2,000).
MANY = 2100


def bulk_public(unit, count: int) -> None:  # noqa: ANN001
    """`count` public FAQ articles in force about 住房公积金, inserted in bulk (the index is rebuilt after)."""
    now = timezone.now()
    articles = Article.objects.bulk_create([
        Article(code=f"BULK-{i:05d}", kind=Kind.FAQ, owner_unit=unit, status=ArticleStatus.PUBLISHED, is_public=True,
                valid_from=date(2024, 1, 1), created_at=now, updated_at=now) for i in range(count)])
    versions = ArticleVersion.objects.bulk_create([
        ArticleVersion(article=a, number=1, title=f"住房公积金问答{i}", body="住房公积金的办理说明。",
                       answer="请到公积金中心办理。", created_at=now, published_at=now)
        for i, a in enumerate(articles)])
    for article, version in zip(articles, versions, strict=True):
        article.published_version = version
    Article.objects.bulk_update(articles, ["published_version"])
    services.reindex_articles()


def titles(hits: list[selectors.Hit]) -> list[str]:
    return [hit.version.title for hit in hits]


# --- At the real budget (2,000 matching articles) ---------------------------------------------------


@pytest.fixture
def large_base(org, frozen_now) -> None:  # noqa: ANN001
    """2,100 public articles in force on 住房公积金, and an internal guide and an expired rule that hold rarer words."""
    make_article(org.department, "住房公积金异地转移内部口径", public=False)
    make_article(org.department, "住房公积金异地转移旧规定", valid_from=date(2020, 1, 1), valid_until=date(2021, 1, 1))
    bulk_public(org.department, MANY)
    assert index.term_frequencies(["住房公积金"])["住房公积金"] > index.MATCH_BUDGET


def test_the_faq_finds_public_articles_when_a_rarer_word_is_only_in_excluded_ones(large_base) -> None:  # noqa: ANN001
    hits = selectors.search("住房公积金 异地转移", public_only=True, limit=10)
    assert len(hits) == 10
    assert all(hit.article.is_public and hit.version.title.startswith("住房公积金问答") for hit in hits)


def test_the_faq_page_lists_them(large_base, client: Client) -> None:  # noqa: ANN001
    body = client.get(reverse("kb:faq"), {"q": "住房公积金异地转移"}).content.decode()
    assert "住房公积金问答" in body
    assert "内部口径" not in body and "旧规定" not in body


def test_agent_suggestions_are_not_emptied_by_an_expired_article(org, staff, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移旧规定", valid_from=date(2020, 1, 1), valid_until=date(2021, 1, 1))
    bulk_public(org.department, MANY)
    agent = Client()
    agent.force_login(staff["intake"])
    results = agent.get(reverse("kb:suggest"), {"q": "住房公积金异地转移怎么办"}).json()["results"]
    assert len(results) == 5
    assert all(r["title"].startswith("住房公积金问答") for r in results)


# --- The same rules on a small base (a small budget) ------------------------------------------------


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget of 3 matching articles, so a dozen articles behave as 100,000 do at 2,000."""
    monkeypatch.setattr(index, "MATCH_BUDGET", 3)


@pytest.fixture
def common(org, frozen_now, small_budget) -> None:  # noqa: ANN001
    """12 public FAQ articles in force about 住房公积金 (more than a page of the FAQ)."""
    for i in range(12):
        make_article(org.department, f"住房公积金问答{i}", answer="请到公积金中心办理。")


def test_a_rare_word_only_in_an_internal_guide(org, common) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移内部口径", public=False)
    public = selectors.search("住房公积金 异地转移", public_only=True, limit=20)
    assert len(public) == 12 and all(hit.article.is_public for hit in public)
    # agents, who may read internal guides, still get the article holding the rare words
    assert titles(selectors.search("住房公积金 异地转移", limit=20)) == ["住房公积金异地转移内部口径"]


@pytest.mark.parametrize("valid_from, valid_until", [(date(2020, 1, 1), date(2021, 1, 1)), (date(2030, 1, 1), None)])
def test_a_rare_word_only_in_an_article_out_of_force(org, common, valid_from, valid_until) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移规定", valid_from=valid_from, valid_until=valid_until)
    assert len(selectors.search("住房公积金 异地转移", limit=20)) == 12


def test_a_rare_word_only_in_another_kind(org, common) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移政策", kind=Kind.POLICY)
    hits = selectors.search("住房公积金 异地转移", kinds=[Kind.FAQ], limit=20)
    assert len(hits) == 12 and {hit.article.kind for hit in hits} == {Kind.FAQ}


def test_a_rare_word_only_in_another_owners_article(org, common) -> None:  # noqa: ANN001
    make_article(org.district, "住房公积金异地转移说明")
    hits = selectors.search("住房公积金 异地转移", owner_unit_ids=[org.department.pk], limit=20)
    assert len(hits) == 12 and {hit.article.owner_unit_id for hit in hits} == {org.department.pk}


def test_the_rarest_words_still_win_when_a_visible_article_holds_them(org, common) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移办理")
    assert titles(selectors.search("住房公积金 异地转移", public_only=True)) == ["住房公积金异地转移办理"]


def test_a_page_past_the_end_is_empty_rather_than_other_words_results(org, common) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移办理")
    # page 1 holds the one article with the rare words; page 2 must not switch to the 12 about 住房公积金
    assert selectors.search("住房公积金 异地转移", public_only=True, limit=10, offset=10) == []


def test_the_pages_of_a_retried_search_follow_on(org, common) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移内部口径", public=False)
    first = titles(selectors.search("住房公积金 异地转移", public_only=True, limit=10))
    second = titles(selectors.search("住房公积金 异地转移", public_only=True, limit=10, offset=10))
    assert len(first) == 10 and len(second) == 2
    assert sorted(first + second) == sorted(f"住房公积金问答{i}" for i in range(12))
    assert selectors.search("住房公积金 异地转移", public_only=True, limit=10, offset=20) == []


def test_the_faq_pager_on_a_retried_search(org, common, client: Client) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移内部口径", public=False)
    first = client.get(reverse("kb:faq"), {"q": "住房公积金异地转移"})
    second = client.get(reverse("kb:faq"), {"q": "住房公积金异地转移", "page": 2})
    assert first.context["has_next"] and len(first.context["hits"]) == 10
    assert not second.context["has_next"] and len(second.context["hits"]) == 2


def test_a_retry_costs_one_more_index_query(org, common, django_assert_num_queries) -> None:  # noqa: ANN001
    make_article(org.department, "住房公积金异地转移内部口径", public=False)
    with django_assert_num_queries(4):  # term frequencies, the index (nothing public), the index again, the articles
        assert selectors.search("住房公积金 异地转移", public_only=True)


def test_the_attempts_are_bounded(org, frozen_now, monkeypatch, django_assert_num_queries) -> None:  # noqa: ANN001
    monkeypatch.setattr(index, "MATCH_BUDGET", 1)  # one word per attempt
    make_article(org.department, "异地转移内部口径", public=False)  # four rare words, none public
    with django_assert_num_queries(1 + index.MATCH_ATTEMPTS):  # term frequencies, then the index at most that often
        assert selectors.search("异地转移内部口径", public_only=True) == []
