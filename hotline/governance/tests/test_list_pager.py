"""The 每月一题 list pager: page 2 keeps the lead-unit filter and the sort, as the view cleaned them."""

from __future__ import annotations

import html
from datetime import date, datetime

import pytest
from django.urls import reverse

from hotline.governance import views
from hotline.governance.tests.test_views import _adopt, _as, people  # noqa: F401  (people: a fixture)


def test_page_two_keeps_the_filters(people: dict, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    _adopt(people)
    _adopt(people, title="背街小巷路灯不亮", month=date(2025, 4, 1))
    lead = people["lead"].pk
    client = _as(people["leader"])
    body = html.unescape(client.get(reverse("governance"), {"lead": lead, "sort": "month", "junk": "x"})
                         .content.decode())
    assert f'href="?lead={lead}&sort=month&page=2" rel="next"' in body and "第 1 / 2 页" in body
    second = html.unescape(client.get(reverse("governance"), {"lead": lead, "sort": "month", "page": 2})
                           .content.decode())
    assert f'href="?lead={lead}&sort=month&page=1" rel="prev"' in second
