"""Loading the seed again never undoes the centre's own revision of an article (unless asked to)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.kb import services
from hotline.kb.models import ArticleVersion
from hotline.kb.seed import load_seed

pytestmark = pytest.mark.django_db


def _seed(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"format": "hotline-kb-seed/1", "articles": [
        {"kind": "faq", "owner": "DEPT-RS", "title": "社保卡丢了怎么补办", "body": body,
         "answer": "携带身份证到社保服务窗口补办。", "valid_from": "2024-01-01", "public": True}]},
        ensure_ascii=False), encoding="utf-8")
    return path


def test_a_centre_revision_is_kept_when_the_seed_changes(city, frozen_now, staff, tmp_path: Path) -> None:  # noqa: ANN001
    assert load_seed(_seed(tmp_path, "第一版说明。")).created == 1
    article = ArticleVersion.objects.get().article
    centre_text = services.ArticleText(title="社保卡丢了怎么补办", body="中心核实后的最新说明：可线上补办。",
                                       answer="可在“A市人社”小程序线上补办，或到窗口补办。")
    services.new_version(article, text=centre_text, actor=staff["supervisor"], change_note="核实更新")
    report = load_seed(_seed(tmp_path, "种子文件的新说明。"))
    assert (report.created, report.revised, report.unchanged, report.kept) == (0, 0, 0, 1)
    assert "保留中心修订 1 条" in report.summary()
    article.refresh_from_db()
    assert article.latest_version.body == "中心核实后的最新说明：可线上补办。"
    out = StringIO()
    call_command("kb_seed", "--file", str(_seed(tmp_path, "种子文件的新说明。")), "--overwrite", stdout=out)
    assert "修订 1 条" in out.getvalue()
    article.refresh_from_db()
    assert article.latest_version.body == "种子文件的新说明。"


def test_an_article_only_the_seed_wrote_follows_the_seed(city, frozen_now, tmp_path: Path) -> None:  # noqa: ANN001
    load_seed(_seed(tmp_path, "第一版说明。"))
    report = load_seed(_seed(tmp_path, "第二版说明。"))
    assert (report.revised, report.kept) == (1, 0)
    assert ArticleVersion.objects.order_by("-number").first().body == "第二版说明。"


def test_a_reverified_seed_text_still_follows_the_seed(city, frozen_now, staff, tmp_path: Path) -> None:  # noqa: ANN001
    """复核 after a correction report republishes the seed's words unchanged (as the demo does): not an edit."""
    load_seed(_seed(tmp_path, "第一版说明。"))
    version = ArticleVersion.objects.get()
    same = services.ArticleText(title=version.title, body=version.body, answer=version.answer,
                                keywords=version.keywords)
    services.new_version(version.article, text=same, actor=staff["supervisor"], change_note="根据纠错反馈复核后重新发布")
    report = load_seed(_seed(tmp_path, "第二版说明：补办费用已取消。"))
    assert (report.revised, report.kept) == (1, 0)
    assert ArticleVersion.objects.order_by("-number").first().body == "第二版说明：补办费用已取消。"
