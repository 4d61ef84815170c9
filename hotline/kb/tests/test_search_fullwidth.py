"""Full-width letters and digits (review rv2): ＥＴＣ typed on a Chinese input method finds the ETC article,
and an article written with ＥＴＣ is found by ETC, on the agents' search and the citizens' FAQ."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.intelligence import segment
from hotline.kb import selectors, services
from hotline.kb.tests.conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(org, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "ETC办理指南", answer="到合作银行网点办理ETC。")
    make_article(org.department, "5G基站辐射咨询", answer="5G基站辐射符合国家标准。")
    make_article(org.department, "社保卡办理", answer="到社保网点办理。")


def first_title(query: str, **filters: object) -> str | None:
    hits = selectors.search(query, **filters)
    return hits[0].version.title if hits else None


@pytest.mark.parametrize("query, title", [("ＥＴＣ", "ETC办理指南"), ("ｅｔｃ", "ETC办理指南"), ("ETC", "ETC办理指南"),
                                          ("５Ｇ", "5G基站辐射咨询"), ("５Ｇ基站", "5G基站辐射咨询")])
def test_a_full_width_query_finds_the_article(articles, query: str, title: str) -> None:  # noqa: ANN001
    assert first_title(query) == title
    assert first_title(query, public_only=True) == title


def test_the_faq_page_with_a_full_width_query(articles, client: Client) -> None:  # noqa: ANN001
    body = client.get(reverse("kb:faq"), {"q": "ＥＴＣ"}).content.decode()
    assert "ETC办理指南" in body and "社保卡办理" not in body


def test_an_article_written_full_width_is_found_half_width(org, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "ＥＴＣ卡注销", answer="携带ＥＴＣ卡到网点注销。")
    assert [hit.version.title for hit in selectors.search("ETC")] == ["ＥＴＣ卡注销"]


def test_a_reindex_folds_articles_indexed_before_the_upgrade(org, frozen_now, monkeypatch) -> None:  # noqa: ANN001
    """An index built before width folding holds ｅｔｃ; `hotline kb-reindex` (once after the upgrade) refolds it."""
    def unfolded(text: str | None) -> str:  # what index_text stored before
        return " ".join(t.strip().lower() for t in segment.tokenizer().cut_for_search(text or "") if t.strip())

    with monkeypatch.context() as patch:
        patch.setattr(segment, "index_text", unfolded)
        make_article(org.department, "ＥＴＣ卡注销", answer="携带ＥＴＣ卡到网点注销。")
    assert selectors.search("ETC") == []  # the stale index
    assert services.reindex_articles() == 1
    assert [hit.version.title for hit in selectors.search("ETC")] == ["ＥＴＣ卡注销"]
