"""A KB admin save the service refuses (a newer version saved between the form's check and its save) is not
logged in the admin history as a change, nor reported as saved: the form comes back, as typed, with the reason."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from hotline.kb import admin as kb_admin
from hotline.kb import services
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, ArticleEvent
from hotline.kb.tests.conftest import make_article
from hotline.kb.tests.test_admin_guard import form_of, maintainer
from hotline.ops.models import AdminChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。")


def test_a_refused_admin_save_leaves_no_change_record_and_no_success_message(article, monkeypatch) -> None:  # noqa: ANN001
    url = reverse("admin:kb_article_change", args=[article.pk])
    original_clean = kb_admin.ArticleForm.clean

    def clean_then_someone_else_saves(self):  # noqa: ANN001, ANN202
        data = original_clean(self)
        # another maintainer commits version 2 between this form's check and its save (two browsers at once)
        services.new_version(Article.objects.get(pk=article.pk), actor=None, change_note="政策变化",
                             text=services.ArticleText(title="居住证办理指南", body="正文。", answer="网上预约。"))
        return data

    monkeypatch.setattr(kb_admin.ArticleForm, "clean", clean_then_someone_else_saves)
    response = maintainer("alice").post(url, form_of(article, answer="alice 的口径。"), follow=True)
    page = response.content.decode()

    article.refresh_from_db()
    assert article.latest_version.number == 2  # alice's revision was refused (only the other version exists)
    assert not ArticleEvent.objects.filter(article=article, version_number=3).exists()
    assert not LogEntry.objects.filter(object_id=str(article.pk), action_flag=CHANGE,
                                       user__username="alice").exists()
    assert "成功" not in page and "successfully" not in page


def test_the_refusal_shows_the_form_again_with_the_reason_and_writes_nothing(article, monkeypatch) -> None:  # noqa: ANN001
    url = reverse("admin:kb_article_change", args=[article.pk])
    reason = services.stale_message(article.code, 2, 1)

    def refused(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KbError(reason)

    monkeypatch.setattr(services, "new_version", refused)
    response = maintainer("alice").post(url, form_of(article, answer="alice 的新口径。"))

    assert response.status_code == 200  # the form again, not a redirect to the list
    page = response.content.decode()
    assert reason in page and "errornote" in page
    assert "alice 的新口径。" in page  # what she typed is kept
    assert "成功" not in page
    assert not LogEntry.objects.filter(object_id=str(article.pk), user__username="alice").exists()
    assert not AdminChange.objects.filter(model="kb.article", username="alice").exists()
    article.refresh_from_db()
    assert article.latest_version.number == 1


def test_a_refused_new_article_is_not_logged_as_added(org, frozen_now, monkeypatch) -> None:  # noqa: ANN001
    def refused(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KbError("答复口径不能为空")

    monkeypatch.setattr(services, "create_article", refused)
    form = {"kind": "faq", "owner_unit": str(org.department.pk), "is_public": "on", "valid_from": "2025-01-01",
            "valid_until": "", "title": "新条目", "answer": "口径", "body": "正文", "keywords": "",
            "change_note": "", "publish": "on", "based_on": "",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    response = maintainer("alice").post(reverse("admin:kb_article_add"), form)
    assert response.status_code == 200
    assert "答复口径不能为空" in response.content.decode()
    assert not Article.objects.filter(versions__title="新条目").exists()
    assert not LogEntry.objects.filter(user__username="alice").exists()
