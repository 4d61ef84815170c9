"""Tracking answers with Post/Redirect/Get: the right pair is kept in this browser's session and the result page
reloads, survives the language switch and Back; wrong or bad input answers the post with the form, keeps nothing,
and every post still counts against the rate limit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from hotline.portal import tracked_order
from hotline.portal.tests.helpers import without_csrf
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

CALLER = {"caller_name": "赵先生", "caller_phone": "13912345678"}
WRONG_PAIR = "工单编号或查询码不正确"
GONE = "查询结果已失效，请重新输入工单编号和查询码。"


def _post(client: Client, number: str, code: str):  # noqa: ANN202
    return client.post(reverse("portal:track"), {"number": number, "query_code": code})


def _wrong(ticket: Ticket) -> str:
    return "000000" if ticket.query_code != "000000" else "111111"


def test_the_right_pair_redirects_to_the_result_page(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    response = _post(client, ticket.number, ticket.query_code)
    assert response.status_code == 303 and response["Location"] == reverse("portal:tracked")
    assert ticket.query_code not in response["Location"]
    result = client.get(response["Location"])
    page = result.content.decode()
    assert result.status_code == 200 and f"工单 {ticket.number}" in page
    assert "办理中" in page and ticket.description in page and "承办单位已接收" in page
    assert 'id="chase-card"' in page and f'name="query_code" value="{ticket.query_code}"' in page
    assert "no-store" in result["Cache-Control"] and 'content="noindex"' in page


def test_a_reload_shows_the_same_result_without_posting(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, **CALLER)
    first = client.get(_post(client, ticket.number, ticket.query_code)["Location"]).content.decode()
    again = client.get(reverse("portal:tracked"))  # a reload, or Back then Forward: a GET
    assert again.status_code == 200 and without_csrf(again.content.decode()) == without_csrf(first)
    assert "路灯已修复" in first  # the approved public reply


def test_the_result_survives_the_language_switch(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket.number, ticket.query_code)
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:tracked")},
                           follow=True)
    text = switched.content.decode()
    assert switched.redirect_chain[-1][0] == reverse("portal:tracked")
    assert switched.status_code == 200 and f"Work order {ticket.number}</h1>" in text
    assert "In progress" in text and "办理中" not in text and ticket.description in text


def test_the_language_cookie_alone_shows_the_english_result(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket.number, ticket.query_code)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get(reverse("portal:tracked")).content.decode()
    assert f"Work order {ticket.number}</h1>" in text and "Chase this order</a>" in text


def test_a_wrong_code_answers_on_the_form_and_keeps_nothing(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    by_code = _post(client, ticket.number, _wrong(ticket))
    unknown = "20990101" + "9" * 7
    by_number = _post(client, unknown, _wrong(ticket))
    assert by_code.status_code == by_number.status_code == 200  # as before: the form, not a redirect
    assert WRONG_PAIR in by_code.content.decode() and ticket.description not in by_code.content.decode()
    assert (without_csrf(by_code.content.decode()).replace(ticket.number, "N")
            == without_csrf(by_number.content.decode()).replace(unknown, "N"))
    assert tracked_order.KEY not in client.session
    assert client.get(reverse("portal:tracked"))["Location"] == reverse("portal:track")


@pytest.mark.parametrize(("number", "code"), [
    ("", ""),
    ("2025" + "1" * 30, "123456"),  # longer than a number can be
    ("202501010000001", "1234567890"),  # longer than a query code
    ("20250101\x0000001", "123456"),
    ("202501010000001", "12\x003456"),
])
def test_bad_input_answers_on_the_form_and_keeps_nothing(client: Client, number: str, code: str) -> None:
    response = _post(client, number, code)
    assert response.status_code == 200 and 'class="form-error" role="alert"' in response.content.decode()
    assert tracked_order.KEY not in client.session


def test_a_wrong_code_leaves_the_order_kept_before(client: Client, frozen_now: datetime) -> None:
    """A failed post changes nothing: Back to the earlier result still shows it."""
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket.number, ticket.query_code)
    assert WRONG_PAIR in _post(client, ticket.number, _wrong(ticket)).content.decode()
    assert ticket.description in client.get(reverse("portal:tracked")).content.decode()


def test_every_post_counts_against_the_rate_limit(client: Client, frozen_now: datetime, settings: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"track": (3, 600)}  # type: ignore[attr-defined]
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    assert _post(client, ticket.number, ticket.query_code).status_code == 303
    assert _post(client, ticket.number, _wrong(ticket)).status_code == 200
    assert _post(client, ticket.number, ticket.query_code).status_code == 303
    for _ in range(5):  # reading the result page is no try
        assert client.get(reverse("portal:tracked")).status_code == 200
    blocked = _post(client, ticket.number, ticket.query_code)
    assert blocked.status_code == 429 and 1 <= int(blocked["Retry-After"]) <= 600
    assert ticket.description not in blocked.content.decode()
    fresh = Client()
    assert _post(fresh, ticket.number, ticket.query_code).status_code == 429  # per address, not per session
    assert tracked_order.KEY not in fresh.session


def test_without_a_kept_order_the_form_with_a_note(client: Client) -> None:
    response = client.get(reverse("portal:tracked"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")
    form = client.get(response["Location"])
    assert form.status_code == 200 and GONE in form.content.decode()
    assert GONE not in client.get(reverse("portal:track")).content.decode()  # said once


def test_another_browser_does_not_see_the_order(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket.number, ticket.query_code)
    other = Client()
    response = other.get(reverse("portal:tracked"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")
    assert ticket.description not in other.get(response["Location"]).content.decode()
    assert ticket.description in client.get(reverse("portal:tracked")).content.decode()


def test_the_result_is_kept_thirty_minutes(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    _post(client, ticket.number, ticket.query_code)
    with time_machine.travel(frozen_now + timedelta(minutes=29), tick=False):
        assert client.get(reverse("portal:tracked")).status_code == 200
    with time_machine.travel(frozen_now + timedelta(minutes=31), tick=False):
        late = client.get(reverse("portal:tracked"))
        assert late.status_code == 302 and late["Location"].startswith(reverse("portal:track"))
        assert ticket.query_code not in late["Location"]
        form = client.get(late["Location"]).content.decode()
    assert GONE in form and ticket.description not in form
    assert tracked_order.KEY not in client.session


@pytest.mark.parametrize("entry", ["202501010000001", ["202501010000001", "123456"], {"number": "x"},
                                   {"number": "202501010000001", "query_code": "123456", "at": "later"}])
def test_a_malformed_session_entry_leads_to_the_form(client: Client, entry: object) -> None:
    session = client.session
    session[tracked_order.KEY] = entry
    session.save()
    response = client.get(reverse("portal:tracked"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")
    assert GONE in client.get(response["Location"]).content.decode()


def test_the_chase_card_of_the_result_page_still_chases(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    client.get(_post(client, ticket.number, ticket.query_code)["Location"])
    chased = client.post(reverse("portal:chase"), {"number": ticket.number, "query_code": ticket.query_code},
                         follow=True)
    assert "催办已记录" in chased.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 1


def test_a_confidential_order_reads_as_before(client: Client, frozen_now: datetime) -> None:
    secret = make_ticket(Status.ANSWERED, is_confidential=True, **CALLER)
    page = client.get(_post(client, secret.number, secret.query_code)["Location"]).content.decode()
    assert "该工单已受理，详情请致电 12345 查询" in page and secret.number in page
    assert secret.description not in page and "办理过程" not in page and 'id="chase-card"' not in page


def test_a_merged_order_reads_as_before(client: Client, frozen_now: datetime, cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, description="幸福路污水井又冒水了")
    services.merge(merged, actor=cast.dispatcher, master=master)
    page = client.get(_post(client, merged.number, merged.query_code)["Location"]).content.decode()
    assert f"工单 {merged.number}" in page and f"您的诉求与工单 {master.number} 合并办理" in page
    assert master.description not in page


def test_the_sms_link_only_fills_in_the_number(client: Client, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, **CALLER)
    page = client.get(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code})
    text = page.content.decode()
    assert page.status_code == 200 and f'value="{ticket.number}"' in text and ticket.description not in text
    assert tracked_order.KEY not in client.session
