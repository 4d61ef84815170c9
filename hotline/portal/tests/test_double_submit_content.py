"""A portal token already used, posted with other content, is not a repeat; a dead post's claim lapses soon.

The citizen submits, goes Back (the restored page keeps the hidden token), writes another request and submits:
the portal used to answer with the first receipt and drop the second request. A post that died between
claiming the token and remembering the number used to block the page for a day, each repeat holding a worker 5 s.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from hotline.portal import submission
from hotline.portal.tests.helpers import form_token, png_upload
from hotline.taxonomy.choices import RequestType
from hotline.tickets.models import Ticket
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
OTHER = "楼下餐馆油烟直排，家里窗户都不能开"
PRAISE = {"praised": "东华门街道城管队 李师傅", "story": "半夜帮我们修好了路灯，非常感谢", "name": "", "phone": ""}


def token_in(page: str) -> str:
    found = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    return found.group(1) if found else ""


def claimed(token: str, kind: str = "request") -> str:
    """The cache key of an anonymous visitor's token (`one_time.key`)."""
    return f"hotline:once:portal-{kind}:None:{token}"


def test_a_different_request_from_a_page_already_submitted_is_refused_with_the_form_and_a_fresh_token(
        client: Client) -> None:
    token = form_token(client)
    assert client.post(reverse("portal:submit"), {**FORM, "submission": token}).status_code == 302
    first = Ticket.objects.get()

    back = client.post(reverse("portal:submit"), {**FORM, "description": OTHER, "submission": token})

    page = back.content.decode()
    assert back.status_code == 409 and Ticket.objects.count() == 1
    assert "此页面已提交过" in page and first.number in page and "尚未提交" in page
    assert "您的诉求已提交" not in page and first.query_code not in page
    assert OTHER in page and FORM["address"] in page  # what was typed
    fresh = token_in(page)
    assert fresh and fresh != token and submission.issued(fresh)
    # The next click registers it, once.
    sent = client.post(reverse("portal:submit"), {**FORM, "description": OTHER, "submission": fresh})
    assert sent.status_code == 302 and client.post(reverse("portal:submit"), {
        **FORM, "description": OTHER, "submission": fresh}).status_code == 302
    second = Ticket.objects.exclude(pk=first.pk).get()
    assert second.description == OTHER and second.number in client.get(reverse("portal:submitted")).content.decode()


def test_the_same_content_again_still_shows_the_first_receipt(client: Client) -> None:
    token = form_token(client)
    client.post(reverse("portal:submit"), {**FORM, "submission": token})
    # The phone typed differently normalises to the same number: the same request.
    again = client.post(reverse("portal:submit"), {**FORM, "phone": "13812345678", "submission": token})
    assert again.status_code == 302 and Ticket.objects.count() == 1
    assert Ticket.objects.get().number in client.get(again["Location"]).content.decode()


def test_a_double_click_with_a_photo_registers_once(client: Client) -> None:
    token = form_token(client)
    first = client.post(reverse("portal:submit"), {**FORM, "photos": [png_upload()], "submission": token})
    second = client.post(reverse("portal:submit"), {**FORM, "photos": [png_upload("again.png")], "submission": token})
    assert first.status_code == second.status_code == 302 and Ticket.objects.count() == 1


def test_a_different_photo_from_a_page_already_submitted_is_asked_for_again(client: Client) -> None:
    token = form_token(client)
    client.post(reverse("portal:submit"), {**FORM, "submission": token})
    back = client.post(reverse("portal:submit"), {**FORM, "photos": [png_upload()], "submission": token})
    page = back.content.decode()
    assert back.status_code == 409 and "照片需要重新选择" in page and Ticket.objects.count() == 1


def test_an_invalid_form_from_a_page_already_submitted_says_it_was_not_sent(client: Client) -> None:
    token = form_token(client)
    client.post(reverse("portal:submit"), {**FORM, "submission": token})
    back = client.post(reverse("portal:submit"), {**FORM, "description": "", "submission": token})
    page = back.content.decode()
    assert back.status_code == 409 and "此页面已提交过" in page and Ticket.objects.count() == 1
    assert token_in(page) not in ("", token)


def test_a_different_praise_from_a_page_already_submitted_is_refused(client: Client) -> None:
    token = form_token(client, "praise")
    client.post(reverse("portal:praise"), {**PRAISE, "submission": token})
    back = client.post(reverse("portal:praise"), {**PRAISE, "story": "社区医生上门看望老人", "submission": token})
    assert back.status_code == 409 and "此页面已提交过" in back.content.decode()
    assert Ticket.objects.filter(request_type=RequestType.PRAISE).count() == 1


def test_a_claim_left_by_a_post_that_died_lapses_and_the_form_can_be_sent_again(client: Client, traveller,  # noqa: ANN001
                                                                                monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(submission, "PENDING_WAIT", 0)
    token = form_token(client)
    data = {**FORM, "submission": token}
    # A post claimed the token and died before remembering the number.
    assert submission.claim(claimed(token), "0" * 32)
    waiting = client.post(reverse("portal:submit"), data)
    assert waiting.status_code == 409 and not Ticket.objects.exists()
    traveller.shift(timedelta(seconds=submission.CLAIM_SECONDS - 1))
    assert one_time.recall(claimed(token)) is not None  # still held just before the time is up
    traveller.shift(timedelta(seconds=2))
    assert one_time.recall(claimed(token)) is None
    sent = client.post(reverse("portal:submit"), data)
    assert sent.status_code == 302 and Ticket.objects.count() == 1
    # Once registered, the number is kept for the day, not for the claim's minute.
    traveller.shift(timedelta(seconds=submission.CLAIM_SECONDS * 10))
    assert client.post(reverse("portal:submit"), data).status_code == 302 and Ticket.objects.count() == 1


def test_a_repeat_waits_less_than_a_worker_would_for_a_post_still_registering(monkeypatch) -> None:  # noqa: ANN001
    """The wait polls with sleeps (holding the worker): it ends after `PENDING_WAIT`, at most 2 s."""
    assert submission.PENDING_WAIT <= 2 and submission.CLAIM_SECONDS <= 120
    content = submission.fingerprint({"description": "a"})
    once = claimed(submission.issue())
    assert submission.claim(once, content)
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(submission, "time", SimpleNamespace(monotonic=lambda: sum(slept), sleep=sleep))
    first = submission.outcome(once, content)
    assert first is not None and first.number == ""
    assert submission.PENDING_WAIT <= sum(slept) <= submission.PENDING_WAIT + submission._POLL
    # Other content is answered at once, without waiting for the first post.
    slept.clear()
    other = submission.outcome(once, submission.fingerprint({"description": "b"}))
    assert other is not None and not other.same_request(submission.fingerprint({"description": "b"}))
    assert slept == []


def test_the_refusal_reads_in_english_on_the_english_page(client: Client, settings) -> None:  # noqa: ANN001
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    token = form_token(client)
    client.post(reverse("portal:submit"), {**FORM, "submission": token})
    number = Ticket.objects.get().number
    page = client.post(reverse("portal:submit"), {**FORM, "description": OTHER, "submission": token}).content.decode()
    assert f"This page was already submitted (order {number}); your changed request has not been sent yet" in page
    assert "此页面已提交过" not in page
