"""A portal form posted twice (a double click, a phone resending the post) registers once and texts once.

Each rendered form (我要反映, 表扬) carries a signed one-time token; a repeat shows the first receipt again,
a post without an issued token registers nothing and gives the form back. A rating link posted twice
answers 评价已记录, not 评价链接已失效.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hotline.notifications.models import Notification
from hotline.portal import services, submission
from hotline.portal.models import VisitInvitation
from hotline.portal.tests.helpers import form_token, png_upload
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import make_ticket
from hotline.workbench import once as one_time

pytestmark = pytest.mark.django_db

FORM = {
    "request_type": RequestType.COMPLAINT,
    "title": "",
    "description": "小区门口的路灯坏了一个星期，晚上很黑",
    "address": "东华门街道多福巷 12 号",
    "name": "王女士",
    "phone": "138 1234 5678",
}
PRAISE = {"praised": "东华门街道城管队 李师傅", "story": "半夜帮我们修好了路灯，非常感谢", "name": "", "phone": ""}


def receipt(client: Client, response: object) -> str:
    """The receipt page a post led to."""
    assert response.status_code == 302 and response["Location"] == reverse("portal:submitted")
    return client.get(response["Location"]).content.decode()


def token_in(page: str) -> str:
    found = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    return found.group(1) if found else ""


def test_portal_submit_double_click_registers_one_order(client: Client) -> None:
    data = {**FORM, "submission": form_token(client)}
    first = client.post(reverse("portal:submit"), data)
    second = client.post(reverse("portal:submit"), data)
    ticket = Ticket.objects.get()
    assert first.status_code == 302
    again = receipt(client, second)  # the browser shows the answer to the second click: the first receipt
    assert ticket.number in again and ticket.query_code in again


def test_portal_praise_double_click_registers_one_praise(client: Client) -> None:
    data = {**PRAISE, "submission": form_token(client, "praise")}
    first = client.post(reverse("portal:praise"), data)
    second = client.post(reverse("portal:praise"), data)
    ticket = Ticket.objects.get(request_type=RequestType.PRAISE)
    assert first.status_code == 302
    again = receipt(client, second)
    assert "表扬已收到" in again and ticket.number in again and ticket.query_code in again


def test_portal_submit_double_click_sends_one_receipt_sms(client: Client,
                                                          django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    data = {**FORM, "submission": form_token(client)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:submit"), data)
        client.post(reverse("portal:submit"), data)
    ticket = Ticket.objects.get()
    assert list(Notification.objects.values_list("ticket__number", flat=True)) == [ticket.number]


def test_the_second_click_shows_the_receipt_before_the_first_answer_set_any_cookie(client: Client) -> None:
    """In a real double click the second post leaves before the first answer (and its session cookie)
    arrives, and only the second answer is shown: the token, not the session, lets it show the receipt."""
    data = {**FORM, "submission": form_token(client)}
    client.post(reverse("portal:submit"), data)
    second_click = Client()  # no session cookie yet
    page = receipt(second_click, second_click.post(reverse("portal:submit"), data))
    ticket = Ticket.objects.get()
    assert ticket.number in page and ticket.query_code in page


def test_a_late_repeat_shows_the_number_but_not_the_query_code(client: Client, traveller) -> None:  # noqa: ANN001
    data = {**FORM, "submission": form_token(client)}
    client.post(reverse("portal:submit"), data)
    ticket = Ticket.objects.get()
    traveller.shift(timedelta(seconds=submission.REPLAY_SECONDS + 1))
    page = receipt(client, client.post(reverse("portal:submit"), data))
    assert ticket.number in page and ticket.query_code not in page and "未重复登记" in page
    assert Ticket.objects.count() == 1


def test_two_forms_from_the_same_browser_both_register(client: Client) -> None:
    """Two tabs (or the form written again after the receipt): each rendered form registers its own order."""
    first_form, second_form = form_token(client), form_token(client)
    assert first_form != second_form
    other = {**FORM, "description": "楼道灯也坏了，老人上下楼很危险"}
    assert client.post(reverse("portal:submit"), {**other, "submission": second_form}).status_code == 302
    assert client.post(reverse("portal:submit"), {**FORM, "submission": first_form}).status_code == 302
    praised = client.post(reverse("portal:praise"), {**PRAISE, "submission": form_token(client, "praise")})
    assert praised.status_code == 302
    assert sorted(Ticket.objects.values_list("description", flat=True)) == sorted(
        [FORM["description"], other["description"], "表扬对象：东华门街道城管队 李师傅\n" + PRAISE["story"]])


@pytest.mark.parametrize("token", [None, "", "not-a-token", "0" * 32, "A" * 32,
                                   "0123456789abcdef" * 2])
def test_a_form_without_an_issued_token_registers_nothing_and_keeps_what_was_typed(client: Client,
                                                                                  token: str | None) -> None:
    """An old page, a script, a forged token: nothing is registered, the form comes back with the input and
    a fresh token, and the next click sends it."""
    data = {**FORM, **({} if token is None else {"submission": token})}
    response = client.post(reverse("portal:submit"), data)
    page = response.content.decode()
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "本次提交没有发送" in page and FORM["description"] in page and FORM["address"] in page
    fresh = token_in(page)
    assert fresh and fresh != token and submission.issued(fresh)
    assert client.post(reverse("portal:submit"), {**FORM, "submission": fresh}).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_praise_without_a_token_registers_nothing(client: Client) -> None:
    response = client.post(reverse("portal:praise"), PRAISE)
    page = response.content.decode()
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "本次提交没有发送" in page and PRAISE["story"] in page and submission.issued(token_in(page))


def test_photos_dropped_with_a_missing_token_are_asked_for_again(client: Client) -> None:
    response = client.post(reverse("portal:submit"), {**FORM, "photos": [png_upload()]})
    assert response.status_code == 400 and "照片需要重新选择" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_invalid_form_keeps_its_token_so_the_corrected_form_registers_once(client: Client) -> None:
    token = form_token(client)
    refused = client.post(reverse("portal:submit"), {**FORM, "phone": "138123", "submission": token})
    assert refused.status_code == 400 and token_in(refused.content.decode()) == token
    fixed = {**FORM, "submission": token}
    assert client.post(reverse("portal:submit"), fixed).status_code == 302
    assert client.post(reverse("portal:submit"), fixed).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_refused_registration_gives_the_token_back(client: Client, monkeypatch) -> None:  # noqa: ANN001
    real = services.submit_request
    calls = []

    def refuse_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 1:
            raise RuleViolation("暂时无法受理")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "submit_request", refuse_once)
    data = {**FORM, "submission": form_token(client)}
    refused = client.post(reverse("portal:submit"), data)
    assert refused.status_code == 400 and "暂时无法受理" in refused.content.decode()
    assert token_in(refused.content.decode()) == data["submission"]
    assert client.post(reverse("portal:submit"), data).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_repeat_while_the_first_post_is_still_registering_registers_nothing(client: Client,
                                                                            monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(submission, "PENDING_WAIT", 0)
    token = form_token(client)
    claimed = f"hotline:once:portal-request:None:{token}"
    assert one_time.claim(claimed)  # the first post took the token and is registering
    data = {**FORM, "submission": token}
    response = client.post(reverse("portal:submit"), data)
    page = response.content.decode()
    assert response.status_code == 409 and "您的提交正在处理，请勿重复提交" in page
    assert FORM["description"] in page and token_in(page) == token
    assert not Ticket.objects.exists()
    ticket = make_ticket()  # the first post is done
    one_time.remember(claimed, ticket.number)
    page = receipt(client, client.post(reverse("portal:submit"), data))
    assert ticket.number in page and ticket.query_code in page


def test_a_repeat_is_not_refused_by_the_submission_limit(client: Client, settings, frozen_now) -> None:  # noqa: ANN001
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (1, 3600)}
    data = {**FORM, "submission": form_token(client)}
    assert client.post(reverse("portal:submit"), data).status_code == 302
    assert client.post(reverse("portal:submit"), data).status_code == 302  # the receipt, not 429
    assert client.post(reverse("portal:submit"), {**data, "submission": form_token(client)}).status_code == 429
    assert Ticket.objects.count() == 1


def test_a_form_refused_by_the_csrf_check_comes_back_with_a_token() -> None:
    response = Client(enforce_csrf_checks=True).post(reverse("portal:submit"), FORM)
    assert response.status_code == 403 and submission.issued(token_in(response.content.decode()))


def test_only_tokens_the_portal_issued_are_accepted() -> None:
    token = submission.issue()
    assert submission.issued(token) and not submission.issued(token[:16] + "0" * 16)
    assert len({submission.issue() for _ in range(20)}) == 20


def test_a_double_click_on_the_rating_form_does_not_tell_the_citizen_the_link_failed(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = services.invite_to_rate(ticket)
    data = {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED}
    first = client.post(reverse("portal:rate", args=[token]), data)
    second = client.post(reverse("portal:rate", args=[token]), data)
    assert first.status_code == 200 and ReturnVisit.objects.filter(ticket=ticket).count() == 1
    page = second.content.decode()
    assert second.status_code == 200 and "评价链接已失效" not in page
    assert "感谢您的评价" in page and ticket.number in page


def test_a_rating_posted_twice_at_once_answers_the_done_page(client: Client, monkeypatch) -> None:  # noqa: ANN001
    """Both posts find the link open; the other one rates first, so this one's locked re-check refuses."""
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = services.invite_to_rate(ticket)
    real = services.rate

    def other_post_first(raw: str, **answers: object) -> Ticket:
        real(raw, **answers)
        raise RuleViolation("评价链接无效或已使用")

    monkeypatch.setattr(services, "rate", other_post_first)
    response = client.post(reverse("portal:rate", args=[token]),
                           {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()


def test_a_link_that_rated_nothing_still_reads_as_invalid(client: Client) -> None:
    """Superseded by a newer link that rated: the old link did not rate, so it stays 评价链接已失效."""
    ticket = make_ticket(Status.AWAITING_VISIT)
    old = services.invite_to_rate(ticket)
    new = services.invite_to_rate(ticket)
    data = {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED}
    assert client.post(reverse("portal:rate", args=[new]), data).status_code == 200
    stale = client.post(reverse("portal:rate", args=[old]), data)
    assert stale.status_code == 404 and "评价链接已失效" in stale.content.decode()
    assert services.rated_through(old) is None and services.rated_through(new) == ticket
    assert VisitInvitation.objects.filter(visit__isnull=False).count() == 1
