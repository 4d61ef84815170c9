"""A refused step says so first: the order page comes back titled 「未完成：<step>」 with an error summary
(role="alert", focused) on top of the steps, each field error linked to its field, and the step's form open."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

#: What the page says of 答复 not done, by language: (the summary's heading, the page's title).
NOT_DONE = {"zh-hans": ("「答复」未完成：", "<title>未完成：答复 · 工单 "),
            "en": ("“Reply” was not done:", "<title>Not done: Reply · Work order ")}


def _client(user, lang: str = "zh-hans") -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def _summary(page: str) -> str:
    """The error summary of the steps block (empty when there is none)."""
    found = re.search(r'<div class="error-summary"[^>]*id="step-error-summary".*?</div>', page, re.S)
    return found.group(0) if found else ""


def _reply(ticket: Ticket, user, body: dict, lang: str = "zh-hans"):  # noqa: ANN001, ANN202
    return _client(user, lang).post(reverse("order-act", args=[ticket.number, Action.REPLY]), body)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_step_refused_for_its_input_is_announced_on_top_of_the_steps(frozen_now: datetime, lang: str) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    response = _reply(ticket, cast.lead_handler, {"version": str(ticket.version)}, lang)
    assert response.status_code == 400
    page = response.content.decode()
    summary = _summary(page)
    heading, title = NOT_DONE[lang]
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert heading in summary  # the step named
    # One link per field error, to the field (the reply's text is required).
    assert '<a href="#id_reply-content">' in summary and 'id="id_reply-content"' in page
    assert re.search(r'<a href="#([^"]+)">', summary).group(1) == "id_reply-content"
    # Said first: on top of the steps block, before the steps themselves.
    assert page.index('id="h-steps"') < page.index('id="step-error-summary"') < page.index('id="step-reply"')
    assert title + ticket.number in page
    # The refused step's form is open, with what failed; no other step is.
    assert re.search(r'<details class="step" open data-action="reply" id="step-reply">', page)
    assert len(re.findall(r"<details class=\"step[^\"]*\" open", page)) == 1


def test_a_stale_page_says_why_in_the_summary(frozen_now: datetime) -> None:
    """No field is wrong on a stale page (409): the summary gives the reason the step was not done."""
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    response = _reply(ticket, cast.lead_handler, {"version": "1", "reply-content": "已处理", "reply-contacted": "1",
                                                  "reply-resolved": "1"})
    assert response.status_code == 409
    summary = _summary(response.content.decode())
    assert "「答复」未完成" in summary and "工单已被他人处理，页面已刷新，请核对后重试" in summary


def test_the_order_page_has_no_summary_until_a_step_is_refused(frozen_now: datetime) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    page = _client(cast.lead_handler).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-reply"' in page and not _summary(page)
    assert f"<title>工单 {ticket.number} · " in page and "未完成" not in page
