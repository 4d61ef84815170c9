"""The citizens' FAQ pager: page 2 keeps the question and the kind."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import views
from hotline.kb.choices import Kind
from hotline.kb.tests.conftest import make_article

pytestmark = pytest.mark.django_db


def test_page_two_keeps_the_question_and_kind(org, frozen_now, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(views, "FAQ_PAGE_SIZE", 1)
    make_article(org.department, "居住证办理指南")
    make_article(org.department, "居住证续签指南")
    kept = f"q={quote('居住证')}&kind={Kind.FAQ}"
    body = html.unescape(Client().get(reverse("kb:faq"), {"q": "居住证", "kind": Kind.FAQ}).content.decode())
    assert f'href="?{kept}&page=2" rel="next"' in body and "第 1 页" in body and "上一页" not in body
    second = html.unescape(Client().get(reverse("kb:faq"), {"q": "居住证", "kind": Kind.FAQ, "page": 2})
                           .content.decode())
    assert f'href="?{kept}&page=1" rel="prev"' in second and "第 2 页" in second
