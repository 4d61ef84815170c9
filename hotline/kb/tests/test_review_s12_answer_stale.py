"""以此答复 from an order page opened before the article was revised: the citizen never receives a text the agent
did not read."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import services
from hotline.kb.models import KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

CONSULT = {"request_type": RequestType.CONSULT, "description": "请问居住证怎么办理，需要什么材料"}


def _answer_form(client: Client, number: str) -> dict[str, str]:
    """The hidden fields of the 以此答复 form as the order page shows them."""
    page = client.get(reverse("order-detail", args=[number])).content.decode()
    action = re.escape(reverse("kb:answer", args=[number]))
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', page, re.S)
    assert form, "the page offers 以此答复"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


def test_answer_with_an_article_revised_since_the_page_was_shown_is_refused(org, frozen_now) -> None:  # noqa: ANN001
    """09:00 the agent reads 第1版's answer on the order page; 09:10 the article gets 第2版 with another answer;
    09:20 the agent clicks 「以此答复」 on the page still showing 第1版: refused, naming the new version, the order
    unchanged."""
    article = make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。",
                           keywords="居住证")
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    client = Client()
    client.force_login(ticket.cast.intake)
    fields = _answer_form(client, ticket.number)
    assert fields["article_version"] == "1"
    services.new_version(article, actor=None,
                         text=services.ArticleText("居住证办理指南", "正文", "新口径：须先网上预约，再到派出所办理。"))
    page = client.post(reverse("kb:answer", args=[ticket.number]), fields, follow=True).content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED, ticket.direct_answer
    assert not KbUsage.objects.exists()
    assert f"知识 {article.code} 已更新为第2版，请阅读新口径后再答复" in page


def test_answer_with_the_version_shown_still_answers(org, frozen_now) -> None:  # noqa: ANN001
    """The page shows the version in force: 以此答复 answers with it, as before."""
    make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。", keywords="居住证")
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    client = Client()
    client.force_login(ticket.cast.intake)
    client.post(reverse("kb:answer", args=[ticket.number]), _answer_form(client, ticket.number))
    ticket.refresh_from_db()
    assert ticket.status == Status.ANSWERED
    assert KbUsage.objects.get(ticket=ticket).version.number == 1
