"""以此答复 never reads an internal guide (内部口径, not public) to a citizen; its refusals speak the UI's language."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import services
from hotline.kb.choices import Kind
from hotline.kb.exceptions import KbError
from hotline.kb.models import KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket, stored

pytestmark = pytest.mark.django_db

CONSULT = {"request_type": RequestType.CONSULT, "description": "承办单位一直联系不上我，怎么办"}
INTERNAL = "告知群众热线已将诉求转交承办单位并督促联系。此口径仅供受理员内部使用。"


@pytest.fixture
def guide(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "内部口径：承办单位联系不上", public=False, answer=INTERNAL,
                        kind=Kind.PROCEDURE, keywords="联系不上 承办单位")


def login(user, language: str = "") -> Client:  # noqa: ANN001
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if language:
        client.cookies["django_language"] = language
    client.force_login(user)
    return client


def test_the_service_refuses_an_internal_guide_and_changes_nothing(guide, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    with pytest.raises(KbError, match="内部"):
        services.answer_with_article(ticket, guide, actor=ticket.cast.intake)
    assert stored(ticket) == before
    assert not KbUsage.objects.exists()


def test_the_view_refuses_it_with_a_clear_message(guide, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    response = login(ticket.cast.intake).post(reverse("kb:answer", args=[ticket.number]),
                                              {"article": guide.pk, "version": ticket.version}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any("内部" in m and "不能" in m for m in shown), shown
    assert stored(ticket) == before


def test_the_order_panel_shows_an_internal_hit_without_the_button(org, guide, frozen_now) -> None:  # noqa: ANN001
    public = make_article(org.department, "承办单位联系不上怎么办", answer="可拨打12345催办。",
                          keywords="联系不上 承办单位")
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    page = login(ticket.cast.intake).get(reverse("order-detail", args=[ticket.number])).content.decode()
    panel = page[page.index('id="h-kb-answer"'):]
    panel = panel[:panel.index("</section>")]
    assert guide.code in panel and public.code in panel  # both may be read
    assert f'name="article" value="{public.pk}"' in panel
    assert f'name="article" value="{guide.pk}"' not in panel  # no 以此答复 on the internal guide


@pytest.mark.parametrize("case", ["complaint", "retired", "dispatched", "internal"])
def test_the_refusals_are_english_in_the_english_ui(org, case, frozen_now) -> None:  # noqa: ANN001
    article = make_article(org.department, "居住证办理指南", public=case != "internal", answer="携带身份证到派出所办理。")
    if case == "complaint":
        ticket = make_ticket(Status.REGISTERED)
    else:
        ticket = make_ticket(Status.DISPATCHED if case == "dispatched" else Status.REGISTERED, **CONSULT)
    if case == "retired":
        services.retire_article(article, actor=None)
    response = login(ticket.cast.intake, "en").post(reverse("kb:answer", args=[ticket.number]),
                                                    {"article": article.pk, "version": ticket.version}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown
    assert not any(re.search(r"[\u4e00-\u9fff]", m) for m in shown), shown
