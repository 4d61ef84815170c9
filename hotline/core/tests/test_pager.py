"""The shared pager (`_pager.html` and the `pager` tag): page links keep the list's query, the page count
reads in both languages, and a list on one page shows no pager."""

from __future__ import annotations

import html

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


def _render(query: str = "", **context: object) -> str:
    request = RequestFactory().get("/list/?" + query)
    return html.unescape(render_to_string("_pager.html", context, request=request))


def test_the_links_keep_the_filters_and_replace_the_page() -> None:
    page = Paginator(range(30), 10).get_page(2)
    out = _render("status=open&status=held&q=噪音&page=2", page=page)
    assert 'href="?status=open&status=held&q=%E5%99%AA%E9%9F%B3&page=1" rel="prev"' in out
    assert 'href="?status=open&status=held&q=%E5%99%AA%E9%9F%B3&page=3" rel="next"' in out
    assert 'aria-label="分页"' in out and "第 2 / 3 页" in out


def test_the_views_own_query_wins_over_the_request() -> None:
    page = Paginator(range(30), 10).get_page(1)
    out = _render("status=bogus&month=13", page=page, pager_query="status=open&sort=due&page=9")
    assert 'href="?status=open&sort=due&page=2"' in out and "bogus" not in out and "上一页" not in out


def test_a_page_number_with_has_next_has_no_count() -> None:
    out = _render("q=居住证&kind=faq", page=2, has_next=True, pager_class="kb-pages")
    assert 'class="pager kb-pages"' in out and "第 2 页" in out
    assert "?q=%E5%B1%85%E4%BD%8F%E8%AF%81&kind=faq&page=1" in out
    assert "?q=%E5%B1%85%E4%BD%8F%E8%AF%81&kind=faq&page=3" in out
    last = _render("q=x", page=3)
    assert "page=2" in last and "下一页" not in last


@pytest.mark.parametrize("context", [
    {"page": Paginator(range(5), 10).get_page(1)}, {"page": 1}, {"page": 1, "has_next": False}, {"page": ""}, {},
])
def test_one_page_shows_no_pager(context: dict) -> None:
    assert "<nav" not in _render("a=1", **context)


def test_the_pager_in_english() -> None:
    with translation.override("en"):
        out = _render("kind=faq", page=Paginator(range(30), 10).get_page(2))
        first = _render("", page=1, has_next=True)
    assert ">Previous<" in out and "Page 2 of 3" in out and ">Next<" in out
    assert "Page 1" in first and "Previous" not in first
