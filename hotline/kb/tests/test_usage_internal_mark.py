"""The mark of an internal guide (review rv2): 以此答复 refuses an internal guide (内部口径, not public), so a
direct answer carrying its mark is not recorded as a knowledge-base answer (KbUsage) either; it is warned."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import services
from hotline.kb.exceptions import KbError
from hotline.kb.models import KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def intake(client: Client, answer: str):  # noqa: ANN201
    return client.post(reverse("intake"), {
        "phone": "13800138000", "caller_name": "李女士", "caller_sex": "f", "channel": "phone",
        "request_type": RequestType.CONSULT, "urgency": "normal", "title": "", "description": "居住证怎么办理",
        "address": "", "q": "", "decision": "answer", "answer": answer})


@pytest.fixture
def agent(staff) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(staff["intake"])
    return client


def test_an_internal_guides_mark_is_not_recorded_and_warned(org, agent, frozen_now, caplog,  # noqa: ANN001
                                                            django_capture_on_commit_callbacks) -> None:
    article = make_article(org.department, "居住证内部口径", public=False, answer="内部掌握：材料不全也可先受理。")
    with pytest.raises(KbError):
        services.answerable_article(article)  # 以此答复 refuses it: the text is not for citizens
    with caplog.at_level(logging.WARNING, logger="hotline.kb.services"), \
            django_capture_on_commit_callbacks(execute=True):
        intake(agent, f"内部掌握：材料不全也可先受理。\n〔知识库 {article.code} 第1版〕")
    assert Ticket.objects.count() == 1  # the answer itself was given by the ticket service
    assert not KbUsage.objects.filter(article=article).exists()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and article.code in r.getMessage()]
    assert warned and "internal guide" in warned[0]


def test_control_a_public_articles_mark_is_recorded(org, agent, frozen_now,  # noqa: ANN001
                                                   django_capture_on_commit_callbacks) -> None:
    """Control: the same mark of a public article in force is recorded."""
    article = make_article(org.department, "居住证办理指南", answer="到派出所办理。")
    with django_capture_on_commit_callbacks(execute=True):
        intake(agent, services.answer_text(article))
    assert KbUsage.objects.get(article=article).version.number == 1
