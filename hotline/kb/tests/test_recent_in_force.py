"""The agents' 知识库 page without a query lists only articles in force today, as its heading says."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb.tests.conftest import make_article

pytestmark = pytest.mark.django_db


def test_recent_lists_only_articles_in_force(org, staff, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "已失效的旧规定甲", valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))
    make_article(org.department, "明年才生效的新规定乙", valid_from=date(2030, 1, 1))
    make_article(org.department, "现行规定丙", valid_from=date(2024, 1, 1))
    client = Client()
    client.force_login(staff["intake"])
    page = client.get(reverse("kb:list")).content.decode()
    assert "只显示已发布且在有效期内的知识" in page
    assert "现行规定丙" in page
    assert "已失效的旧规定甲" not in page and "明年才生效的新规定乙" not in page
