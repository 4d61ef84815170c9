"""Writing, publishing, revising and retiring articles keeps the full-text index in step, with an audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from hotline.kb import index, selectors, services
from hotline.kb.choices import ArticleStatus, KbAction
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def titles(query: str, **kw) -> list[str]:  # noqa: ANN003
    return [hit.version.title for hit in selectors.search(query, **kw)]


def test_a_draft_is_not_searchable_until_published(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "居住证签注怎么办理", publish=False)
    assert article.status == ArticleStatus.DRAFT
    assert article.pk not in index.indexed_article_ids()
    assert titles("居住证签注") == []

    services.publish_article(article, actor=None)

    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_version.number == 1
    assert article.pk in index.indexed_article_ids()
    assert titles("居住证签注") == ["居住证签注怎么办理"]
    assert list(article.events.values_list("action", flat=True)) == [KbAction.CREATE, KbAction.PUBLISH]


def test_publishing_twice_changes_nothing(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "居住证签注怎么办理")
    services.publish_article(article, actor=None)
    assert article.events.count() == 2


def test_a_new_version_replaces_the_indexed_text(org, frozen_now, staff) -> None:  # noqa: ANN001
    article = make_article(org.department, "燃气报修电话", answer="请拨打 96777。")
    version = services.new_version(
        article, actor=staff["admin"], change_note="改为停水查询",
        text=services.ArticleText(title="停水查询方式", body="计划停水在公众号公告。", answer="请拨打 96606。"))

    assert version.number == 2
    article.refresh_from_db()
    assert article.published_version == version
    assert titles("燃气报修") == []
    assert titles("停水查询") == ["停水查询方式"]
    assert article.versions.count() == 2  # the old text stays on record
    event = article.events.get(action=KbAction.NEW_VERSION)
    assert (event.version_number, event.actor, event.note) == (2, staff["admin"], "改为停水查询")


def test_an_unpublished_new_version_leaves_the_published_text_searchable(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "燃气报修电话")
    services.new_version(article, actor=None, publish=False,
                         text=services.ArticleText(title="停水查询方式", body="正文", answer="答复"))
    assert titles("燃气报修") == ["燃气报修电话"]
    assert titles("停水查询") == []


def test_retiring_takes_the_article_out_of_the_index(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "老年卡办理")
    services.retire_article(article, actor=None, reason="政策调整")

    article.refresh_from_db()
    assert article.status == ArticleStatus.RETIRED
    assert article.pk not in index.indexed_article_ids()
    assert titles("老年卡") == []
    with pytest.raises(KbError, match="已停用"):
        services.publish_article(article, actor=None)
    with pytest.raises(KbError, match="已停用"):
        services.new_version(article, actor=None, text=services.ArticleText("a", "b", "c"))


def test_a_rolled_back_change_leaves_the_index_as_it_was(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "老年卡办理")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.retire_article(article, actor=None)
        raise RuntimeError("the outer step failed")
    assert article.pk in index.indexed_article_ids()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


@pytest.mark.parametrize(("text", "message"), [
    (services.ArticleText("", "正文", "答复"), "标题"),
    (services.ArticleText("标题", " ", "答复"), "正文"),
    (services.ArticleText("标题", "正文", ""), "答复口径"),
])
def test_empty_text_is_refused_and_nothing_is_written(org, frozen_now, text, message) -> None:  # noqa: ANN001
    with pytest.raises(KbError, match=message):
        services.create_article(kind="faq", owner_unit=org.department, text=text, valid_from=date(2024, 1, 1),
                                actor=None)
    assert not Article.objects.exists()


def test_validity_end_before_start_is_refused(org, frozen_now) -> None:  # noqa: ANN001
    with pytest.raises(KbError, match="失效日期"):
        make_article(org.department, "标题", valid_from=date(2025, 1, 1), valid_until=date(2024, 1, 1))


def test_only_articles_in_force_today_are_found(org, frozen_now) -> None:  # noqa: ANN001
    # frozen_now is 2025-03-04 (Shanghai)
    make_article(org.department, "租房补贴二〇二三", valid_from=date(2023, 1, 1), valid_until=date(2023, 12, 31))
    make_article(org.department, "租房补贴二〇二五", valid_from=date(2025, 1, 1), valid_until=date(2025, 3, 4))
    make_article(org.department, "租房补贴二〇二六", valid_from=date(2026, 1, 1))
    make_article(org.department, "租房补贴长期", valid_from=date(2020, 1, 1))
    assert sorted(titles("租房补贴")) == ["租房补贴二〇二五", "租房补贴长期"]


def test_changing_the_dates_in_a_new_version_moves_the_article_in_or_out_of_force(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "租房补贴", valid_from=date(2024, 1, 1))
    services.new_version(article, actor=None, valid_until=date(2024, 12, 31),
                         text=services.ArticleText("租房补贴", "已到期", "该政策已到期"))
    assert titles("租房补贴") == []


def test_filters_by_kind_owner_and_public(org, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "路灯报修指南", kind="procedure")
    make_article(org.district, "路灯报修常见问题", kind="faq")
    make_article(org.district, "路灯报修内部口径", kind="faq", public=False)
    assert sorted(titles("路灯报修", kinds=["faq"])) == ["路灯报修内部口径", "路灯报修常见问题"]
    assert titles("路灯报修", owner_unit_ids=[org.department.pk]) == ["路灯报修指南"]
    assert sorted(titles("路灯报修", public_only=True)) == ["路灯报修常见问题", "路灯报修指南"]


def test_codes_are_sequential(org, frozen_now) -> None:  # noqa: ANN001
    first = make_article(org.department, "一")
    second = make_article(org.department, "二")
    assert (first.code, second.code) == (f"KB-{first.pk:04d}", f"KB-{second.pk:04d}")


def test_reindex_rebuilds_from_published_articles(org, frozen_now) -> None:  # noqa: ANN001
    kept = make_article(org.department, "营业执照办理")
    retired = make_article(org.department, "老年卡办理")
    services.retire_article(retired, actor=None)
    make_article(org.department, "草稿一篇", publish=False)
    index.clear_articles()
    assert services.reindex_articles() == 1
    assert index.indexed_article_ids() == {kept.pk}


def frequencies(*terms: str) -> dict[str, int]:
    return {t: n for t, n in index.term_frequencies(list(terms)).items() if t != index.ALL_DOCUMENTS}


def test_term_frequencies_follow_every_change(org, frozen_now) -> None:  # noqa: ANN001
    first = make_article(org.department, "停水查询", body="计划停水公告")
    second = make_article(org.department, "停水原因", body="管网抢修停水")
    assert frequencies("停水", "管网") == {"停水": 2, "管网": 1}
    assert index.term_frequencies(["停水"])[index.ALL_DOCUMENTS] == 2
    services.new_version(second, actor=None, text=services.ArticleText("停电原因", "线路检修", "请拨打 95598"))
    assert frequencies("停水", "管网", "停电") == {"停水": 1, "停电": 1}
    services.retire_article(first, actor=None)
    assert frequencies("停水") == {}
    assert index.term_frequencies(["停水"])[index.ALL_DOCUMENTS] == 1
    services.reindex_articles()
    assert frequencies("停电", "停水") == {"停电": 1}
    assert index.term_frequencies(["停水"])[index.ALL_DOCUMENTS] == 1


def test_choose_terms_keeps_the_rarest_within_the_budget(settings) -> None:  # noqa: ANN001
    frequencies = {"公积金提取": 40, "公积金": 1500, "提取": 900, "办理": 15000}
    assert index.choose_terms(["公积金提取", "公积金", "提取", "办理", "无此词"], frequencies) == ["公积金提取", "提取"]
    assert index.choose_terms(["办理"], frequencies) == ["办理"]  # one term even over the budget
    assert index.choose_terms(["无此词"], frequencies) == []


def test_an_unpublished_draft_with_new_dates_leaves_the_published_version_in_force(org, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "居住证签注怎么办理", public=True, valid_from=date(2024, 1, 1))
    next_year = date(frozen_now.year + 1, 1, 1)
    draft = services.new_version(article, actor=None, publish=False, valid_from=next_year, is_public=False,
                                 text=services.ArticleText("居住证签注（新标准）", "明年起的新标准。", "新口径。"))

    article.refresh_from_db()
    assert (article.valid_from, article.valid_until, article.is_public) == (date(2024, 1, 1), None, True)
    assert article.published_version.number == 1
    assert titles("居住证签注") == ["居住证签注怎么办理"]
    assert titles("居住证签注", public_only=True) == ["居住证签注怎么办理"]
    services.answerable_article(article)
    ticket = make_ticket(Status.REGISTERED, request_type=RequestType.CONSULT, description="请问居住证签注怎么办理")
    services.answer_with_article(ticket, article, actor=ticket.cast.intake)
    assert KbUsage.objects.get(ticket=ticket).version.number == 1

    services.publish_article(article, actor=None)  # the draft's dates and flag arrive with it

    article.refresh_from_db()
    assert article.published_version == draft
    assert (article.valid_from, article.valid_until, article.is_public) == (next_year, None, False)
    assert titles("居住证签注") == []  # not in force before next year
    with pytest.raises(KbError, match="不在有效期内"):
        services.answerable_article(article)
