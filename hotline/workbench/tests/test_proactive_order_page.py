"""A proactive order (主动发现, 未诉先办) on the workbench pages: its check is named 现场核查 in the timeline and
in the check table (核查时间/核查人/方式/已解决/核查情况); its reply asks no 「已联系群众」 (there is no caller);
the 回访 queue's 现场核查 tab has no caller columns and 回访方式 comes before them elsewhere."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import Reply, Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db

PHONE = "13800001111"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(user: User, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def _page(user: User, ticket: Ticket, language: str = "") -> str:
    return _client(user, language).get(reverse("order-detail", args=[ticket.number])).content.decode()


def _section(page: str, heading: str, following: str) -> str:
    return page[page.index(f'id="{heading}"'):page.index(f'id="{following}"')]


def _cells(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", html, re.S)


def _timeline_actions(page: str) -> list[str]:
    """The 动作 column of the timeline (the fourth cell of each row)."""
    body = page[page.index('id="h-timeline"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return [_cells(row, "td")[3] for row in body.split("<tr>")[1:]]


def _check(ticket: Ticket, cast: Cast, resolved: bool = True) -> Ticket:
    return services.record_return_visit(ticket, actor=cast.inspector, contacted=False, resolved=resolved,
                                        method=VisitMethod.VERIFY, note="现场查看：路面已修复")


# --- 1. The timeline names a check 现场核查 ---------------------------------------------------------------


def test_a_check_reads_as_a_check_in_the_timeline(cast: Cast) -> None:
    proactive = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    _check(proactive, cast, resolved=False)  # 重办: back to the unit
    actions = _timeline_actions(_page(cast.inspector, proactive))
    assert actions[-1] == "现场核查" and "回访" not in actions
    english = _timeline_actions(_page(cast.inspector, proactive, "en"))
    assert english[-1] == "On-site check" and "Return visit" not in english


def test_a_citizens_visit_still_reads_as_a_visit(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    assert _timeline_actions(_page(cast.inspector, ticket))[-1] == "回访"


def test_the_events_label() -> None:
    check = TimelineEvent(action=Action.RETURN_VISIT, data={"verified": True, "resolved": True})
    call = TimelineEvent(action=Action.RETURN_VISIT, data={"contacted": False, "attempt": 1})
    other = TimelineEvent(action=Action.SIGN, data={"verified": True})
    assert (check.label, call.label, other.label) == ("现场核查", "回访", "签收")


# --- 2. The check table ------------------------------------------------------------------------------------


def test_the_check_table_has_the_checks_columns(cast: Cast) -> None:
    proactive = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    _check(proactive, cast)
    section = _section(_page(cast.inspector, proactive), "h-visits", "h-attachments")
    head = section[section.index("<thead>"):section.index("</thead>")]
    assert _cells(head, "th") == ["核查时间", "核查人", "方式", "已解决", "核查情况"]
    row = section[section.index("<tbody>"):section.index("</tbody>")]
    assert _cells(row, "td")[2:] == ["现场核查", "是", "现场查看：路面已修复"]
    for header in ("回访时间", "回访人", "回访方式", "回访记录", "联系上", "满意度"):
        assert header not in section, header


def test_a_citizens_visit_table_keeps_its_columns(cast: Cast) -> None:
    ticket = make_ticket(Status.CLOSED, cast=cast, caller_phone=PHONE)
    section = _section(_page(cast.inspector, ticket), "h-visits", "h-attachments")
    head = section[section.index("<thead>"):section.index("</thead>")]
    assert _cells(head, "th") == ["回访时间", "回访人", "回访方式", "联系上", "已解决", "满意度", "回访记录"]


# --- 3. The reply of a proactive order asks no 「已联系群众」 ---------------------------------------------------


def _reply_form(response: Any):  # noqa: ANN202
    [form] = [f for spec, f in response.context["steps"] if spec.action == Action.REPLY]
    return form


def _reply(user: User, ticket: Ticket, **data: str) -> Any:
    body = {f"{Action.REPLY}-{k}": v for k, v in data.items()}
    body["version"] = str(ticket.version)
    return _client(user).post(reverse("order-act", args=[ticket.number, Action.REPLY]), body)


def test_a_proactive_orders_reply_asks_no_contact(cast: Cast) -> None:
    proactive = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    response = _client(cast.lead_handler).get(reverse("order-detail", args=[proactive.number]))
    form = _reply_form(response)
    assert "contacted" not in form.fields
    assert "没有来电群众" in str(form.fields["content"].help_text)
    assert 'name="reply-contacted"' not in response.content.decode()
    response = _reply(cast.lead_handler, proactive, content="已修复路面", resolved="1")
    assert response.status_code == 302, response.content.decode()[:2000]
    reply = Reply.objects.get(ticket=proactive)
    assert reply.contacted is False and reply.resolved is True
    proactive.refresh_from_db()
    assert proactive.status == Status.REPLIED
    section = _section(_page(cast.inspector, proactive), "h-replies", "h-visits")
    assert "已修复路面" in section and "已联系群众" not in section and "是否解决" in section


def test_a_citizens_reply_still_requires_contact(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    response = _client(cast.lead_handler).get(reverse("order-detail", args=[ticket.number]))
    assert _reply_form(response).fields["contacted"].required
    before = stored(ticket)
    response = _reply(cast.lead_handler, ticket, content="已处理", resolved="1")
    assert response.status_code == 400
    assert stored(ticket) == before and not Reply.objects.filter(ticket=ticket).exists()
    assert _reply(cast.lead_handler, ticket, content="已处理", contacted="1", resolved="1").status_code == 302
    assert Reply.objects.get(ticket=ticket).contacted is True
    section = _section(_page(cast.inspector, ticket), "h-replies", "h-visits")
    assert "已联系群众：是" in section


# --- 4. The 回访 queue's columns ----------------------------------------------------------------------------


def _headers(user: User, **params: str) -> list[str]:
    page = _client(user).get(reverse("queue-visits"), params).content.decode()
    head = page[page.index("<thead>"):page.index("</thead>")]
    return _cells(head, "th")


def test_the_check_tab_has_no_caller_columns(cast: Cast) -> None:
    make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    verify = _headers(cast.inspector, tab="verify")
    assert "回访方式" in verify and "来电人" not in verify and "联系电话" not in verify
    for tab in ("all", "call"):
        headers = _headers(cast.inspector, tab=tab)
        assert headers.index("回访方式") + 1 == headers.index("来电人") == headers.index("联系电话") - 1, tab
