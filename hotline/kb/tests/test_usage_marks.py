"""A direct answer's mark (〔知识库 KB-0012 第3版〕) is recorded only for an article in force and a published version."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import services
from hotline.kb.models import KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType

pytestmark = pytest.mark.django_db


def intake(client: Client, answer: str):  # noqa: ANN201
    return client.post(reverse("intake"), {
        "phone": "13800138000", "caller_name": "李女士", "caller_sex": "f", "channel": "phone",
        "request_type": RequestType.CONSULT, "urgency": "normal", "title": "", "description": "居住证怎么办理",
        "address": "", "q": "", "decision": "answer", "answer": answer})


@pytest.fixture
def agent(staff) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(staff["intake"])
    return client


def test_a_mark_of_an_article_in_force_is_recorded(org, agent, frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    article = make_article(org.department, "居住证办理指南", answer="到派出所办理。")
    with django_capture_on_commit_callbacks(execute=True):
        intake(agent, services.answer_text(article))
    assert KbUsage.objects.get(article=article).version.number == 1


def test_a_retired_articles_mark_is_not_recorded_and_warned(org, agent, frozen_now, caplog,  # noqa: ANN001
                                                            django_capture_on_commit_callbacks) -> None:
    article = make_article(org.department, "居住证办理指南", answer="到派出所办理。")
    text = services.answer_text(article)
    services.retire_article(article, actor=None, reason="政策废止")
    with caplog.at_level(logging.WARNING, logger="hotline.kb.services"), \
            django_capture_on_commit_callbacks(execute=True):
        intake(agent, text)
    assert not KbUsage.objects.filter(article=article).exists()
    assert any(article.code in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_an_expired_articles_mark_is_not_recorded(org, agent, frozen_now,  # noqa: ANN001
                                                  django_capture_on_commit_callbacks) -> None:
    article = make_article(org.department, "旧规定", answer="旧口径。", valid_from=date(2020, 1, 1),
                           valid_until=date(2020, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        intake(agent, f"旧口径。\n〔知识库 {article.code} 第1版〕")
    assert not KbUsage.objects.filter(article=article).exists()


def test_a_mark_naming_an_unpublished_draft_is_not_recorded(org, agent, frozen_now,  # noqa: ANN001
                                                            django_capture_on_commit_callbacks) -> None:
    article = make_article(org.department, "公积金提取", answer="现行口径。")
    services.new_version(article, actor=None, text=services.ArticleText("公积金提取", "正文", "草稿口径"),
                         publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        intake(agent, f"草稿口径\n〔知识库 {article.code} 第2版〕")
    assert not KbUsage.objects.filter(article=article).exists()


def test_a_mark_of_an_earlier_published_version_is_recorded_as_that_version(  # noqa: D103
        org, agent, frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    article = make_article(org.department, "公积金提取", answer="旧口径。")
    text = services.answer_text(article)  # filled in before the revision was published
    services.new_version(article, actor=None, text=services.ArticleText("公积金提取", "正文", "新口径。"))
    with django_capture_on_commit_callbacks(execute=True):
        intake(agent, text)
    assert KbUsage.objects.get(article=article).version.number == 1
