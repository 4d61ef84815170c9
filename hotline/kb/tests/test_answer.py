"""以此答复 — one-click direct answer from an article — and the record of which article answered an order."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb import services
from hotline.kb.exceptions import KbError
from hotline.kb.models import KbUsage
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import NotPermitted
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket, stored

pytestmark = pytest.mark.django_db

CONSULT = {"request_type": RequestType.CONSULT, "description": "请问居住证怎么办理，需要什么材料"}


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。")


def login(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("status", [Status.REGISTERED, Status.PENDING_DISPATCH])
def test_answering_from_an_article_closes_the_consultation_and_records_it(article, status, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(status, **CONSULT)
    agent = ticket.cast.intake

    services.answer_with_article(ticket, article, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Status.ANSWERED and ticket.closed_at is not None
    assert ticket.direct_answer.startswith("携带身份证、租房合同到派出所办理。")
    assert f"〔知识库 {article.code} 第1版〕" in ticket.direct_answer
    event = ticket.timeline.order_by("-seq").first()
    assert event.action == Action.ANSWER_DIRECTLY and article.code in event.note and event.actor == agent
    usage = KbUsage.objects.get(ticket=ticket)
    assert (usage.article, usage.version, usage.user) == (article, article.published_version, agent)


def test_the_answer_names_the_version_in_force(article, frozen_now) -> None:  # noqa: ANN001
    services.new_version(article, actor=None, text=services.ArticleText("居住证办理指南", "正文", "新口径：可网上预约。"))
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    services.answer_with_article(ticket, article, actor=ticket.cast.intake)
    assert KbUsage.objects.get(ticket=ticket).version.number == 2
    ticket.refresh_from_db()
    assert "新口径" in ticket.direct_answer and "第2版" in ticket.direct_answer


def test_a_complaint_is_refused_and_unchanged(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED)  # a complaint
    before = stored(ticket)
    with pytest.raises(KbError, match="咨询"):
        services.answer_with_article(ticket, article, actor=ticket.cast.intake)
    assert stored(ticket) == before
    assert not KbUsage.objects.exists()


def test_a_dispatched_consultation_is_refused_and_unchanged(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.DISPATCHED, **CONSULT)
    before = stored(ticket)
    with pytest.raises(KbError, match="不能直接答复"):
        services.answer_with_article(ticket, article, actor=ticket.cast.intake)
    assert stored(ticket) == before


def test_a_retired_or_expired_article_is_refused(org, article, frozen_now) -> None:  # noqa: ANN001
    expired = make_article(org.department, "旧规定", valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))
    services.retire_article(article, actor=None)
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    for refused in (article, expired):
        refused.refresh_from_db()
        with pytest.raises(KbError):
            services.answer_with_article(ticket, refused, actor=ticket.cast.intake)
    assert stored(ticket) == before


def test_a_role_the_table_refuses_changes_nothing(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    with pytest.raises(NotPermitted):
        services.answer_with_article(ticket, article, actor=UserFactory(role=Role.INSPECTOR))
    assert stored(ticket) == before
    assert not KbUsage.objects.exists()


def test_the_button_answers_through_the_view(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    client = login(ticket.cast.intake)
    response = client.post(reverse("kb:answer", args=[ticket.number]),
                           {"article": article.pk, "version": ticket.version}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("order-detail", args=[ticket.number])
    assert "已按知识" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.ANSWERED
    assert KbUsage.objects.filter(ticket=ticket, article=article).exists()


def test_the_view_refuses_with_a_message_and_changes_nothing(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED)  # a complaint
    before = stored(ticket)
    response = login(ticket.cast.intake).post(reverse("kb:answer", args=[ticket.number]),
                                              {"article": article.pk}, follow=True)
    assert "只有咨询类工单可以用知识库直接答复" in response.content.decode()
    assert stored(ticket) == before


def test_the_view_refuses_a_stale_page(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    before = stored(ticket)
    response = login(ticket.cast.intake).post(reverse("kb:answer", args=[ticket.number]),
                                              {"article": article.pk, "version": ticket.version - 1}, follow=True)
    assert "已被他人处理" in response.content.decode()
    assert stored(ticket) == before


def test_the_view_hides_orders_the_person_may_not_see(article, frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, **CONSULT)
    stranger = UserFactory(role=Role.UNIT_HANDLER, units=[Cast.build().lead])
    response = login(stranger).post(reverse("kb:answer", args=[ticket.number]), {"article": article.pk})
    assert response.status_code == 404


def test_intake_page_answer_with_the_mark_records_the_article(article, staff, frozen_now,  # noqa: ANN001
                                                              django_capture_on_commit_callbacks) -> None:
    """The intake page's 「填入答复」 puts the answer with its mark in the box; 直接答复 records the article."""
    data = {"phone": "13800138000", "caller_name": "李女士", "caller_sex": "f", "channel": "phone",
            "request_type": RequestType.CONSULT, "urgency": "normal", "title": "",
            "description": "居住证怎么办理", "address": "", "q": "", "decision": "answer",
            "answer": services.answer_text(article)}
    with django_capture_on_commit_callbacks(execute=True):
        response = login(staff["intake"]).post(reverse("intake"), data)
    assert response.status_code == 302
    usage = KbUsage.objects.get()
    assert usage.article == article and usage.user == staff["intake"]
    assert usage.ticket.status == Status.ANSWERED


def test_a_direct_answer_without_a_mark_records_nothing(frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(Status.ANSWERED, **CONSULT)
    assert not KbUsage.objects.exists()
