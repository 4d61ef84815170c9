"""Tracking an order: number AND query code, public events only, nothing of confidential orders."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.portal.tests.helpers import without_csrf
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

CALLER = {"caller_name": "赵先生", "caller_phone": "13912345678"}


def track(client: Client, number: str, code: str) -> object:
    """The tracking post, and the result page it redirects to (Post/Redirect/Get)."""
    return client.post(reverse("portal:track"), {"number": number, "query_code": code}, follow=True)


def people(ticket: Ticket) -> list[str]:
    """Every staff name that acted on the order."""
    names = [str(u) for u in User.objects.filter(pk__in=ticket.timeline.values("actor"))]
    return [*names, *ticket.timeline.values_list("actor_label", flat=True)]


def test_the_right_code_shows_the_public_progress(client: Client) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert ticket.number in page and "办理中" in page and ticket.description in page
    assert "诉求已受理" in page and "转交承办单位" in page and "承办单位已接收" in page
    assert ticket.cast.lead.name in page  # the unit is named, people are not


def test_an_online_request_reads_submitted_until_the_centre_accepts_it(client: Client) -> None:
    ticket = make_ticket(Status.REGISTERED, channel=Channel.WEB, **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "已提交，待受理" in page and "诉求已提交" in page and "诉求已受理" not in page
    services.send_to_dispatch(ticket, actor=ticket.cast.intake)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "已受理，正在派单" in page and "诉求已提交" in page


def test_a_wrong_code_and_an_unknown_number_read_the_same(client: Client) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    wrong = "000000" if ticket.query_code != "000000" else "111111"
    by_code = track(client, ticket.number, wrong)
    by_number = track(client, "20990101" + "9" * 7, wrong)  # no such order
    assert by_code.status_code == by_number.status_code == 200
    assert "工单编号或查询码不正确" in by_code.content.decode()
    unknown = "20990101" + "9" * 7
    assert (without_csrf(by_code.content.decode()).replace(ticket.number, "N")
            == without_csrf(by_number.content.decode()).replace(unknown, "N"))
    assert ticket.description not in by_code.content.decode()


def test_the_number_alone_is_not_enough(client: Client) -> None:
    ticket = make_ticket(Status.REGISTERED, **CALLER)
    assert ticket.description not in track(client, ticket.number, "").content.decode()
    page = client.get(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code})
    assert ticket.description not in page.content.decode()  # a GET never looks an order up


def test_a_confidential_order_shows_nothing_but_its_acceptance(client: Client) -> None:
    ticket = make_ticket(Status.ANSWERED, is_confidential=True, **CALLER)  # the centre answers it itself
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "该工单已受理，详情请致电 12345 查询" in page
    for secret in [ticket.description, ticket.title, ticket.direct_answer, "已答复办结", "办理过程", "诉求类型"]:
        assert secret not in page


def test_the_public_timeline_leaves_out_internal_steps_notes_and_people(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "路灯已修复" in page  # the approved public reply
    assert "已安排维修，路灯恢复照明" not in page  # the unit's internal reply content
    assert "办理结果已答复" in page
    assert ">答复<" not in page  # the non-public REPLY event is not listed
    for name in people(ticket):
        assert name not in page
    assert "赵先生" not in page and "13912345678" not in page and "139****5678" not in page
    assert "系统/群众" not in page


def test_script_in_a_description_is_shown_as_text(client: Client) -> None:
    ticket = make_ticket(Status.REGISTERED, description='<script>alert("x")</script>路灯坏了', **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;路灯坏了" in page


def test_a_pending_reply_is_not_shown_before_the_centre_approves_it(client: Client) -> None:
    ticket = make_ticket(Status.REPLIED, **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "路灯已修复" not in page and "答复内容" not in page


def test_tracking_is_rate_limited_per_ip(client: Client, frozen_now: object) -> None:
    ticket = make_ticket(Status.REGISTERED, **CALLER)
    codes = [track(client, ticket.number, "999999").status_code for _ in range(20)]
    assert set(codes) == {200}
    blocked = track(client, ticket.number, ticket.query_code)
    assert blocked.status_code == 429 and ticket.description not in blocked.content.decode()
    assert 1 <= int(blocked["Retry-After"]) <= 600
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert track(other, ticket.number, ticket.query_code).status_code == 200


def test_the_units_question_is_shown_while_it_waits_for_the_citizen(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_CITIZEN, **CALLER)
    page = track(client, ticket.number, ticket.query_code).content.decode()
    assert "请您补充信息" in page and "请提供具体门牌号" in page  # the question is written for the citizen


def test_full_width_digits_in_the_number_and_code_are_understood(client: Client) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    page = track(client, f" {ticket.number.translate(wide)} ", ticket.query_code.translate(wide)).content.decode()
    assert "工单编号或查询码不正确" not in page and ticket.description in page
