"""The return-visit step on the order page and in the 回访 queue: a citizen's order is called back (with this
round's unanswered calls shown), a proactive order (主动发现, 未诉先办) is checked on site (现场核查)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket, VisitSettings
from hotline.tickets.tests.factories import Cast, make_ticket, stored
from hotline.workbench.forms import VisitForm

pytestmark = pytest.mark.django_db

PHONE = "13800001111"
STEP = Action.RETURN_VISIT


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _act(user: User, ticket: Ticket, data: dict, **kwargs: Any):  # noqa: ANN202
    body = {f"{STEP}-{k}": v for k, v in data.items()}
    body["version"] = str(ticket.version)
    return _client(user).post(reverse("order-act", args=[ticket.number, STEP]), body, **kwargs)


def _page(user: User, ticket: Ticket):  # noqa: ANN202
    return _client(user).get(reverse("order-detail", args=[ticket.number]))


def _form(response: Any) -> VisitForm:
    [form] = [f for spec, f in response.context["steps"] if spec.action == STEP]
    return form


def _step(response: Any):  # noqa: ANN202
    [spec] = [spec for spec, _f in response.context["steps"] if spec.action == STEP]
    return spec


def _not_reached(ticket: Ticket, cast: Cast, times: int) -> None:
    for _ in range(times):
        services.record_return_visit(ticket, actor=cast.inspector, contacted=False)


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


@pytest.fixture
def proactive(cast: Cast) -> Ticket:
    return make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)


# --- A proactive order: 现场核查 ---------------------------------------------------------------------------------


def test_a_proactive_order_offers_an_on_site_check(cast: Cast, proactive: Ticket) -> None:
    response = _page(cast.inspector, proactive)
    assert _step(response).label == "现场核查"
    form = _form(response)
    assert set(form.fields) == {"method", "resolved", "note"}  # no 联系上, no 满意度
    assert [v for v, _label in form.fields["method"].widget.choices] == [VisitMethod.VERIFY]
    assert form.fields["resolved"].required and form.fields["note"].label == "核查情况"
    page = response.content.decode()
    assert "确认现场核查" in page and 'name="return_visit-contacted"' not in page
    assert "不回访、不评价满意度" in page


def test_checking_a_proactive_order_closes_it(cast: Cast, proactive: Ticket) -> None:
    response = _act(cast.inspector, proactive, {"method": VisitMethod.VERIFY, "resolved": "1",
                                                "note": "现场查看：路面已修复"}, follow=True)
    assert response.status_code == 200
    assert "现场核查：已完成" in response.content.decode()
    proactive.refresh_from_db()
    assert proactive.status == Status.CLOSED
    check = ReturnVisit.objects.get(ticket=proactive)
    assert (check.method, check.contacted, check.resolved, check.satisfaction) == (VisitMethod.VERIFY, False, True, "")


def test_a_check_that_finds_it_not_solved_sends_it_back(cast: Cast, proactive: Ticket) -> None:
    assert _act(cast.inspector, proactive, {"method": VisitMethod.VERIFY, "resolved": "0"}).status_code == 302
    proactive.refresh_from_db()
    assert (proactive.status, proactive.rehandle_count) == (Status.IN_PROGRESS, 1)


def test_a_check_must_say_whether_it_is_solved(cast: Cast, proactive: Ticket) -> None:
    before = stored(proactive)
    response = _act(cast.inspector, proactive, {"method": VisitMethod.VERIFY, "resolved": ""})
    assert response.status_code == 400 and "resolved" in _form(response).errors
    assert stored(proactive) == before


def test_a_call_on_a_proactive_order_is_refused_with_the_services_words(cast: Cast, proactive: Ticket) -> None:
    before = stored(proactive)
    response = _act(cast.inspector, proactive, {"method": VisitMethod.PHONE, "resolved": "1"})
    assert response.status_code == 400
    assert "主动发现的工单没有来电群众" in response.content.decode()
    assert stored(proactive) == before and not ReturnVisit.objects.filter(ticket=proactive).exists()


def test_the_order_page_shows_a_check_as_a_check(cast: Cast, proactive: Ticket) -> None:
    services.record_return_visit(proactive, actor=cast.inspector, contacted=False, resolved=True,
                                 method=VisitMethod.VERIFY, note="现场查看：路面已修复")
    page = _page(cast.inspector, proactive).content.decode()
    section = page[page.index('id="h-visits"'):page.index('id="h-attachments"')]
    assert ">现场核查</h2>" in section
    row = section[section.index('<tr class="verify">'):]
    row = row[:row.index("</tr>")]
    cells = [c.split(">", 1)[1].split("</td")[0] for c in row.split("<td")[1:]]
    assert cells[2:] == ["现场核查", "是", "现场查看：路面已修复"]  # no 联系上, no 满意度


# --- A citizen's order: 电话回访 ---------------------------------------------------------------------------------


def test_a_citizens_order_is_not_offered_a_check_and_shows_the_unanswered_calls(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    form = _form(_page(cast.inspector, ticket))
    assert VisitMethod.VERIFY not in [v for v, _label in form.fields["method"].widget.choices]
    assert {"contacted", "satisfaction"} <= set(form.fields) and form.fields["contacted"].required
    assert form.fields["contacted"].help_text == "第 3 次未联系上将办结（不计入有效回访）"
    _not_reached(ticket, cast, 2)
    response = _page(cast.inspector, ticket)
    assert _step(response).label == "回访"
    assert _form(response).fields["contacted"].help_text == "本轮已 2 次未联系上，第 3 次未联系上将办结（不计入有效回访）"
    assert "本轮已 2 次未联系上" in response.content.decode()


def test_a_check_on_a_citizens_order_is_refused_with_the_services_words(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    before = stored(ticket)
    response = _act(cast.inspector, ticket, {"method": VisitMethod.VERIFY, "contacted": "0", "resolved": "1"})
    assert response.status_code == 400
    assert "现场核查只用于主动发现的工单" in response.content.decode()
    assert stored(ticket) == before


def test_a_call_still_records_the_citizens_answer(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    response = _act(cast.inspector, ticket, {"method": VisitMethod.PHONE, "contacted": "1", "resolved": "1",
                                             "satisfaction": Satisfaction.SATISFIED}, follow=True)
    assert "回访：已完成" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_an_order_without_a_phone_says_not_reached_closes_it(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    form = _form(_page(cast.inspector, ticket))
    assert "无联系电话" in form.fields["contacted"].help_text and "即办结" in form.fields["contacted"].help_text
    assert _act(cast.inspector, ticket, {"method": VisitMethod.PHONE, "contacted": "0",
                                         "note": "登记无电话"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = _page(cast.inspector, ticket).content.decode()
    section = page[page.index('id="h-visits"'):page.index('id="h-attachments"')]
    assert "未联系上，工单办结（不计入有效回访）" in section
    assert "无联系电话，无法回访，工单办结" in page  # the timeline's note


def test_the_last_unanswered_call_closes_the_order_on_the_page(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    _not_reached(ticket, cast, 2)
    ticket.refresh_from_db()
    page = _page(cast.inspector, ticket).content.decode()
    assert "未联系上，工单办结" not in page  # still waiting for the third call
    assert _act(cast.inspector, ticket, {"method": VisitMethod.PHONE, "contacted": "0"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = _page(cast.inspector, ticket).content.decode()
    assert "未联系上，工单办结（不计入有效回访）" in page and "回访3次未联系上群众" in page


# --- The 回访 queue ------------------------------------------------------------------------------------------


def _row(page: str, number: str) -> str:
    start = page.index(f">{number}</a>")
    return page[start:page.index("</tr>", start)]


def test_the_queue_labels_checks_and_counts_unanswered_calls(cast: Cast, proactive: Ticket) -> None:
    called = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    fresh = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    _not_reached(called, cast, 2)
    client = _client(cast.inspector)
    response = client.get(reverse("queue-visits"))
    page = response.content.decode()
    assert {t.number for t in response.context["orders"]} == {proactive.number, called.number, fresh.number}
    assert "现场核查" in _row(page, proactive.number) and "未联系上" not in _row(page, proactive.number)
    assert "未联系上 2/3" in _row(page, called.number)
    assert "电话回访" in _row(page, fresh.number) and "未联系上" not in _row(page, fresh.number)
    assert [(t["key"], t["count"]) for t in response.context["tabs"]] == [("all", 3), ("call", 2), ("verify", 1)]
    verify = client.get(reverse("queue-visits"), {"tab": "verify"})
    assert [t.number for t in verify.context["orders"]] == [proactive.number]
    assert verify.context["export_query"] is None  # the exports know no tab
    call = client.get(reverse("queue-visits"), {"tab": "call"})
    assert {t.number for t in call.context["orders"]} == {called.number, fresh.number}


def test_the_queue_follows_the_centres_setting_and_orders_without_a_phone(cast: Cast) -> None:
    VisitSettings.objects.update_or_create(pk=1, defaults={"max_attempts": 5})
    called = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    _not_reached(called, cast, 1)
    no_phone = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    page = _client(cast.inspector).get(reverse("queue-visits")).content.decode()
    assert "未联系上 1/5" in _row(page, called.number)
    assert "无联系电话" in _row(page, no_phone.number)


def test_the_count_starts_again_with_each_approved_reply(cast: Cast, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    _not_reached(ticket, cast, 2)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=False,
                                 satisfaction=Satisfaction.UNSATISFIED)
    with time_machine.travel(frozen_now + timedelta(hours=1), tick=False):
        services.reply(ticket, actor=cast.lead_handler, content="已再次处理", contacted=True, resolved=True)
        services.approve_reply(ticket, actor=cast.inspector)
    with time_machine.travel(frozen_now + timedelta(hours=2), tick=False):
        _not_reached(ticket, cast, 1)
        assert services.failed_attempts(ticket) == 1
        page = _client(cast.inspector).get(reverse("queue-visits")).content.decode()
    assert "未联系上 1/3" in _row(page, ticket.number)


def test_the_queue_runs_the_same_queries_for_more_orders(cast: Cast, django_assert_num_queries: Any) -> None:
    VisitSettings.current()
    client = _client(cast.inspector)

    def make(n: int) -> None:
        for i in range(n):
            if i % 4 == 0:
                make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
                continue
            ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE if i % 3 else "")
            if i % 2 and ticket.caller_phone:
                _not_reached(ticket, cast, 1)

    make(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("queue-visits")).status_code == 200
    make(12)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("queue-visits"))
    assert len(response.context["orders"]) == 15
