"""The second-visit queue's pager: page 2 stays on the chosen tab."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from hotline.revisits import views

NOISE = "马路市场占道经营，早上车辆无法通行"


def test_page_two_keeps_the_tab(rule, close, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    ticket = close(description=NOISE)
    close(description=NOISE, cast=ticket.cast)
    client = Client()
    client.force_login(ticket.cast.inspector)
    body = html.unescape(client.get("/revisits/?tab=upcoming").content.decode())
    assert 'href="?tab=upcoming&page=2" rel="next"' in body and "第 1 / 2 页" in body
    second = html.unescape(client.get("/revisits/?tab=upcoming&page=2").content.decode())
    assert 'href="?tab=upcoming&page=1" rel="prev"' in second
