"""The reviewers' list pager: page links go to the other pages of the same list."""

from __future__ import annotations

import html
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.replyqa import views
from hotline.replyqa.tests.test_replyqa import GOOD, _replied


def test_page_two_link(db: None, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    ticket = _replied(GOOD)
    _replied("已收悉", cast=ticket.cast)
    client = Client()
    client.force_login(ticket.cast.inspector)
    body = html.unescape(client.get(reverse("replyqa-list")).content.decode())
    assert 'href="?page=2" rel="next"' in body and "第 1 / 2 页" in body
    second = html.unescape(client.get(reverse("replyqa-list"), {"page": 2}).content.decode())
    assert 'href="?page=1" rel="prev"' in second and "下一页" not in second
