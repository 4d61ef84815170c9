"""The kb-seed, kb-replies and kb-reindex commands, and writing articles in the admin."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb import index
from hotline.kb.choices import ArticleStatus
from hotline.kb.models import Article
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def seed_file(tmp_path: Path, articles: list) -> Path:  # noqa: ANN001
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"format": "hotline-kb-seed/1", "articles": articles}, ensure_ascii=False), "utf-8")
    return path


GOOD = {"kind": "faq", "owner": "DEPT-GA", "title": "居住证办理", "answer": "到派出所办理。", "body": "正文",
        "public": True, "valid_from": "2024-01-01"}


def test_kb_seed_loads_good_entries_and_reports_bad_ones(city, frozen_now, tmp_path) -> None:  # noqa: ANN001
    path = seed_file(tmp_path, [
        GOOD,
        GOOD | {"title": "未知单位", "owner": "NOPE"},
        GOOD | {"title": "坏日期", "valid_from": "2024/01/01"},
        GOOD | {"title": "坏类型", "kind": "rumour"},
        GOOD | {"title": "无答复", "answer": ""},
    ])
    out, err = StringIO(), StringIO()
    call_command("kb_seed", file=str(path), stdout=out, stderr=err)
    assert "新建 1 条" in out.getvalue() and "拒绝 4 条" in out.getvalue()
    errors = err.getvalue()
    assert "第 2 条" in errors and "NOPE" in errors
    assert "第 3 条" in errors and "YYYY-MM-DD" in errors
    assert "第 4 条" in errors and "第 5 条" in errors
    assert Article.objects.get().status == ArticleStatus.PUBLISHED

    changed = seed_file(tmp_path, [GOOD | {"answer": "可网上预约后到派出所办理。"}])
    call_command("kb_seed", file=str(changed), stdout=out, stderr=err)
    article = Article.objects.get()
    assert article.published_version.number == 2 and "网上预约" in article.published_version.answer


def test_kb_seed_refuses_a_file_that_is_not_a_seed(db, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", "utf-8")
    with pytest.raises(CommandError, match="不是知识库种子文件"):
        call_command("kb_seed", file=str(bad))
    with pytest.raises(CommandError, match="无法读取"):
        call_command("kb_seed", file=str(tmp_path / "missing.json"))


def test_kb_reindex_and_kb_replies(city, frozen_now, tmp_path) -> None:  # noqa: ANN001
    call_command("kb_seed", file=str(seed_file(tmp_path, [GOOD])), stdout=StringIO())
    index.clear_articles()
    out = StringIO()
    call_command("kb_reindex", stdout=out)
    assert "已索引知识 1 条" in out.getvalue()
    assert len(index.indexed_article_ids()) == 1
    replies = tmp_path / "r.csv"
    replies.write_text("留言编号,留言主题,留言详情,答复意见\n1,路灯不亮,路灯坏了," + "已安排维修人员到现场更换灯具，路灯已恢复照明，感谢您的反映。" * 2 + "\n",
                       "utf-8")
    call_command("kb_replies", file=str(replies), stdout=out)
    assert "新增 1 条" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("kb_replies", file=str(tmp_path / "missing.csv"))


def test_admin_creates_and_revises_through_the_services(city, frozen_now) -> None:  # noqa: ANN001
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    form = {"kind": "faq", "owner_unit": city["DEPT-GA"].pk, "is_public": "on", "valid_from": "2024-01-01",
            "valid_until": "", "title": "居住证办理", "answer": "到派出所办理。", "body": "正文", "keywords": "",
            "change_note": "", "publish": "on",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    response = client.post(reverse("admin:kb_article_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.status == ArticleStatus.PUBLISHED and article.published_version.title == "居住证办理"
    assert article.pk in index.indexed_article_ids()

    form |= {"title": "居住证办理（新）", "change_note": "补充网上预约", "based_on": "1"}  # the version opened
    response = client.post(reverse("admin:kb_article_change", args=[article.pk]), form)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_version.number == 2 and article.published_version.change_note == "补充网上预约"
    assert set(article.events.values_list("actor", flat=True)) == {admin.pk}
    from hotline.kb import services

    services.retire_article(article, actor=admin)
    response = client.post(reverse("admin:kb_article_change", args=[article.pk]),
                           form | {"title": "再改", "based_on": "2"})
    assert response.status_code == 200 and "已停用的知识不能修订" in response.content.decode()
    assert Article.objects.get(pk=article.pk).versions.count() == 2
