"""Ranking sanity on the demo knowledge base: a typical question finds the right article first."""

from __future__ import annotations

import pytest

from hotline.kb import selectors
from hotline.kb.seed import load_seed

pytestmark = pytest.mark.django_db


#: Typical callers' questions and the article an agent would read out.
QUESTIONS = [
    ("社保卡丢了怎么补办", "社保卡丢失了怎么补办"),
    ("我家孩子刚出生怎么上户口", "新生儿入户（出生登记）"),
    ("公积金提取需要什么材料", "住房公积金提取（购房、租房）怎么办理"),
    ("离职了公积金怎么办", "离职后公积金怎么处理"),
    ("家里闻到燃气味怎么办", "燃气报修和燃气泄漏怎么处理"),
    ("停电了什么时候来电", "停电查询和故障报修"),
    ("楼上装修噪音太大", "噪音扰民怎么投诉"),
    ("想开个小店办营业执照", "个体工商户和公司营业执照办理"),
    ("二手房过户怎么办", "不动产登记（二手房过户）办理流程"),
    ("暖气不热找谁", "暖气不热怎么反映"),
    ("老人60岁了办老年卡", "老年卡（老年人优待证）办理"),
    ("去外地住院要先办异地就医备案吗", "异地就医备案怎么办理"),
    ("申请廉租房需要什么条件", "公共租赁住房（廉租房）申请条件"),
    ("老板拖欠工资不给", "公司拖欠工资怎么办"),
    ("居住证怎么办", "居住证办理"),
]


def test_the_right_article_comes_first(seeded) -> None:  # noqa: ANN001
    """One test over every question (the seed loads once): each must rank its article first."""
    wrong = {}
    for question, expected in QUESTIONS:
        hits = selectors.search(question, limit=3)
        first = hits[0].version.title if hits else None
        if first != expected:
            wrong[question] = first
    assert wrong == {}


def test_expired_and_future_seed_articles_are_not_found(seeded) -> None:  # noqa: ANN001
    # the clock is 2025-03-04: the 2023 subsidy has expired, the 2026 one is not in force yet
    found = [hit.version.title for hit in selectors.search("高校毕业生租房补贴", limit=10)]
    assert not any("2023" in t or "2026" in t for t in found)


def test_internal_articles_are_hidden_from_the_public(seeded) -> None:  # noqa: ANN001
    assert selectors.search("联系不上承办单位 内部口径")[0].article.is_public is False
    assert all(hit.article.is_public for hit in selectors.search("联系不上承办单位 内部口径", public_only=True))


def test_a_question_with_nothing_to_search_finds_nothing(seeded) -> None:  # noqa: ANN001
    assert selectors.search("") == []
    assert selectors.search("？？！！") == []
    assert selectors.search("请问怎么") == []


def test_loading_the_seed_again_changes_nothing(seeded) -> None:  # noqa: ANN001
    again = load_seed()
    assert (again.created, again.revised, again.unchanged) == (0, 0, seeded.created)


def test_each_search_is_three_queries(seeded, django_assert_num_queries) -> None:  # noqa: ANN001
    with django_assert_num_queries(3):  # term frequencies, the index, the articles
        assert len(selectors.search("办理", limit=5)) == 5
