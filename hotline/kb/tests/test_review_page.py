"""The maintainers' review page (知识复核) and the article page's 纠错反馈: who sees what, the three sections'
figures on a small built set, bad parameters, and both languages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb import feedback, review, services
from hotline.kb.choices import FeedbackKind, FeedbackStatus
from hotline.kb.models import ArticleFeedback
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import NOW, CategoryFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "zh-hans") -> Client:  # noqa: ANN001
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居民医保缴费时间", answer="每年9月至12月缴纳下一年度医保费。")


def revise(article):  # noqa: ANN001, ANN201
    text = services.ArticleText(title="居民医保缴费时间", body="新的说明。", answer="每年10月至12月缴纳。")
    return services.new_version(article, text=text, actor=None, change_note="更新")


# --- who may see the review page --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.INTAKE, Role.DISPATCHER, Role.INSPECTOR, Role.LEADER])
def test_review_page_is_refused_to_other_centre_staff(article, staff, role) -> None:  # noqa: ANN001
    assert client_for(staff[role]).get(reverse("kb:review")).status_code == 403


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_review_page_and_reports_are_refused_to_unit_staff(article, role) -> None:  # noqa: ANN001
    client = client_for(UserFactory(role=role))
    assert client.get(reverse("kb:review")).status_code == 403
    assert client.get(reverse("kb:feedback", args=[article.code])).status_code == 403
    response = client.post(reverse("kb:feedback", args=[article.code]), {"kind": "wrong", "note": "错了"})
    assert response.status_code == 403 and not ArticleFeedback.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(article) -> None:  # noqa: ANN001
    assert client_for(None).get(reverse("kb:review")).status_code == 302
    assert client_for(None).post(reverse("kb:feedback", args=[article.code]), {"kind": "wrong"}).status_code == 302


def test_resolving_is_refused_to_non_maintainers(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    response = client_for(staff["dispatcher"]).post(reverse("kb:feedback-resolve", args=[item.pk]),
                                                    {"decision": "dismissed", "note": "不改"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == FeedbackStatus.OPEN


# --- the article page: report form and open reports ---------------------------------------------------


def test_article_page_shows_the_form_to_agents_and_open_reports_to_maintainers(article, staff) -> None:  # noqa: ANN001
    feedback.report_feedback(article, FeedbackKind.OUTDATED, "缴费时间已改为10月开始", staff["intake"])
    url = reverse("kb:article", args=[article.code])
    agent = client_for(staff["intake"]).get(url).content.decode()
    assert "纠错反馈" in agent and 'name="note"' in agent and "待处理的纠错" not in agent
    maintainer = client_for(staff["supervisor"]).get(url).content.decode()
    assert "待处理的纠错" in maintainer and "缴费时间已改为10月开始" in maintainer


def test_reporting_from_the_article_page(article, staff) -> None:  # noqa: ANN001
    client = client_for(staff["dispatcher"])
    response = client.post(reverse("kb:feedback", args=[article.code]),
                           {"kind": "incomplete", "note": "缺少缴费渠道", "version": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("kb:article", args=[article.code])
    item = ArticleFeedback.objects.get()
    assert (item.kind, item.note, item.version_number, item.reported_by) == ("incomplete", "缺少缴费渠道", 1,
                                                                            staff["dispatcher"])
    assert "已提交纠错反馈" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_a_refused_report_shows_the_form_again_with_what_was_typed(article, staff) -> None:  # noqa: ANN001
    response = client_for(staff["intake"]).post(reverse("kb:feedback", args=[article.code]),
                                                {"kind": "unclear", "note": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写问题说明" in page and 'value="unclear" required checked' in page
    response = client_for(staff["intake"]).post(reverse("kb:feedback", args=[article.code]),
                                                {"kind": "", "note": "这段说明要留着"})
    assert response.status_code == 400 and "这段说明要留着" in response.content.decode()
    assert not ArticleFeedback.objects.exists()


def test_a_retired_article_takes_no_report(article, staff) -> None:  # noqa: ANN001
    services.retire_article(article, actor=None)
    page = client_for(staff["intake"]).get(reverse("kb:article", args=[article.code])).content.decode()
    assert "已停用的知识不再接受纠错" in page and 'name="note"' not in page
    response = client_for(staff["intake"]).post(reverse("kb:feedback", args=[article.code]),
                                                {"kind": "wrong", "note": "错了"})
    assert response.status_code == 400 and not ArticleFeedback.objects.exists()


# --- (a) open reports and their resolve forms ----------------------------------------------------------


def test_open_reports_oldest_first_with_later_versions_to_choose(article, org, staff, traveller) -> None:  # noqa: ANN001
    other = make_article(org.department, "公积金提取")
    newer = feedback.report_feedback(article, FeedbackKind.WRONG, "第二条反馈", staff["intake"])
    traveller.shift(timedelta(hours=1))
    ArticleFeedback.objects.filter(pk=newer.pk).update(reported_at=NOW + timedelta(minutes=30))
    older = feedback.report_feedback(other, FeedbackKind.UNCLEAR, "第一条反馈", staff["intake"])
    ArticleFeedback.objects.filter(pk=older.pk).update(reported_at=NOW - timedelta(days=2))
    revise(article)
    page = client_for(staff["supervisor"]).get(reverse("kb:review")).content.decode()
    assert page.index("第一条反馈") < page.index("第二条反馈")
    assert '<option value="2"' in page  # article's version 2 fixes a report on version 1
    assert "尚无更新的版本" in page  # the other article has no later version yet


def test_resolving_on_the_page(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.OUTDATED, "时间已变", staff["intake"])
    revise(article)
    client = client_for(staff["admin"])
    response = client.post(reverse("kb:feedback-resolve", args=[item.pk]) + "?days=10",
                           {"decision": "revised", "version": "2", "note": "已修订"})
    assert response.status_code == 302 and response["Location"] == reverse("kb:review") + "?days=10"
    item.refresh_from_db()
    assert (item.status, item.fixed_version.number) == (FeedbackStatus.REVISED, 2)
    again = client.post(reverse("kb:feedback-resolve", args=[item.pk]), {"decision": "dismissed", "note": "x"})
    assert again.status_code == 400 and "已由" in again.content.decode()


def test_a_refused_resolution_keeps_what_was_typed(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.OUTDATED, "时间已变", staff["intake"])
    revise(article)
    client = client_for(staff["supervisor"])
    response = client.post(reverse("kb:feedback-resolve", args=[item.pk]),
                           {"decision": "revised", "version": "1", "note": "这句说明别丢"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "修订版本须晚于" in page and "这句说明别丢" in page
    response = client.post(reverse("kb:feedback-resolve", args=[item.pk]), {"decision": "maybe"})
    assert response.status_code == 400 and "请选择处理结果" in response.content.decode()
    item.refresh_from_db()
    assert item.status == FeedbackStatus.OPEN and item.resolved_at is None


# --- (b) articles to review ---------------------------------------------------------------------------


def test_expiring_and_long_unrevised_articles(org, staff, traveller) -> None:  # noqa: ANN001
    traveller.move_to(NOW - timedelta(days=500))  # 2023-10: published long ago
    old = make_article(org.department, "旧知识一直未修订")
    traveller.move_to(NOW)
    today = date(2025, 3, 4)
    soon = make_article(org.department, "即将失效", valid_until=today + timedelta(days=30))
    passed = make_article(org.department, "已过期仍发布", valid_until=today - timedelta(days=1))
    later = make_article(org.department, "远期失效", valid_until=today + timedelta(days=31))
    retired = make_article(org.department, "已停用过期", valid_until=today - timedelta(days=1))
    services.retire_article(retired, actor=None)
    assert list(review.expiring(30)) == [passed, soon]
    assert list(review.expiring(31)) == [passed, soon, later]
    assert list(review.stale(12)) == [old]
    assert list(review.stale(24)) == []  # 2023-10-21 is after 2023-03-04
    page = client_for(staff["supervisor"]).get(reverse("kb:review")).content.decode()
    assert "即将失效" in page and "已过期仍发布" in page and "远期失效" not in page and "旧知识一直未修订" in page
    assert org.department.name in page


def test_months_before_keeps_the_day_within_the_month() -> None:
    assert review.months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert review.months_before(date(2025, 3, 4), 12) == date(2024, 3, 4)
    assert review.months_before(date(2025, 1, 15), 1) == date(2024, 12, 15)
    assert review.months_before(date(2024, 12, 31), 10) == date(2024, 2, 29)


# --- (c) knowledge gaps ------------------------------------------------------------------------------


@pytest.fixture
def categories(db):  # noqa: ANN001, ANN201
    top = CategoryFactory(name="社会保障")
    middle = CategoryFactory(name="医疗保险", parent=top)
    return {"yb": CategoryFactory(name="医保缴费", parent=middle),
            "gjj": CategoryFactory(name="公积金提取", parent=middle),
            "sbk": CategoryFactory(name="社保卡", parent=middle)}


def consult(status: str, category, cast, **extra):  # noqa: ANN001, ANN201
    return make_ticket(status, cast=cast, request_type=RequestType.CONSULT, category=category,
                       title="咨询", description="请问怎么办理", **extra)


def test_gap_table_counts_on_a_small_set(article, org, categories, cast, staff, frozen_now,  # noqa: ANN001, PLR0913
                                          django_assert_num_queries) -> None:
    yb, gjj, sbk = categories["yb"], categories["gjj"], categories["sbk"]
    answered = consult(Status.ANSWERED, yb, cast)
    consult(Status.ANSWERED, yb, cast)
    for _ in range(3):
        consult(Status.PENDING_DISPATCH, yb, cast)
    consult(Status.REGISTERED, gjj, cast)  # still at the desk, and declined: not sent on
    consult(Status.NOT_ACCEPTED, gjj, cast)
    consult(Status.DISPATCHED, gjj, cast)
    consult(Status.ANSWERED, sbk, cast)  # answered in full: no gap
    # Left out: a complaint, a proactive order, a merged duplicate, one registered 31 days ago.
    make_ticket(Status.PENDING_DISPATCH, cast=cast, category=yb)
    consult(Status.REGISTERED, yb, cast, channel=Channel.PROACTIVE)
    consult(Status.MERGED, yb, cast)
    consult(Status.PENDING_DISPATCH, yb, cast, at=NOW - timedelta(days=31))
    # Articles linked to the category's orders: one published, one retired (not counted), used twice.
    services.record_usage(answered, article, article.published_version, user=None)
    gone = make_article(org.department, "已停用的医保知识")
    services.record_usage(answered, gone, gone.published_version, user=None)
    services.retire_article(gone, actor=None)
    with django_assert_num_queries(2):
        rows, more = review.gaps(staff["supervisor"], 30)
    assert more == 0
    assert [(g.category, g.total, g.answered, g.sent_on, g.articles) for g in rows] == [
        ("社会保障/医疗保险/医保缴费", 5, 2, 3, 1),
        ("社会保障/医疗保险/公积金提取", 3, 0, 1, 0),
    ]
    assert rows[0].direct_share == pytest.approx(0.4)
    rows, more = review.gaps(staff["supervisor"], 30, top=1)
    assert [g.category for g in rows] == ["社会保障/医疗保险/医保缴费"] and more == 1
    wider, _ = review.gaps(staff["supervisor"], 40)
    assert wider[0].total == 6  # the order of 31 days ago is in
    page = client_for(staff["supervisor"]).get(reverse("kb:review")).content.decode()
    assert "社会保障/医疗保险/医保缴费" in page and "40%" in page


# --- parameters and languages ---------------------------------------------------------------------------


def test_bad_parameters_get_a_message_and_the_defaults(article, staff) -> None:  # noqa: ANN001
    client = client_for(staff["supervisor"])
    for query in ({"days": "abc"}, {"months": "0"}, {"gap_days": "99999"}, {"days": "-3", "page": "x"},
                  {"months": "1e3"}, {"gap_days": "30.5"}, {"days": "9" * 5000}, {"months": "１２"}):
        response = client.get(reverse("kb:review"), query)
        assert response.status_code == 200, query
        page = response.content.decode()
        assert "已按默认值" in page, query
        assert (response.context["days"], response.context["months"], response.context["gap_days"]) == (30, 12, 30)
    fine = client.get(reverse("kb:review"), {"days": "60", "months": "6", "gap_days": "7"})
    assert "已按默认值" not in fine.content.decode()
    assert (fine.context["days"], fine.context["months"], fine.context["gap_days"]) == (60, 6, 7)


def test_review_page_in_chinese_and_english(article, staff) -> None:  # noqa: ANN001
    feedback.report_feedback(article, FeedbackKind.OUTDATED, "时间已变", staff["intake"])
    zh = client_for(staff["supervisor"]).get(reverse("kb:review")).content.decode()
    assert "知识复核" in zh and "待处理的纠错" in zh and "知识缺口" in zh and "政策已变化或过期" in zh
    en = client_for(staff["supervisor"], "en").get(reverse("kb:review")).content.decode()
    assert "Knowledge review" in en and "Open corrections" in en and "Knowledge gaps" in en
    assert "Policy changed or out of date" in en and "Not adopted" in en
    article_en = client_for(staff["intake"], "en").get(reverse("kb:article", args=[article.code])).content.decode()
    assert "Report an error" in article_en and "Incomplete" in article_en


def test_the_demo_adds_open_revised_and_dismissed_reports_once(city, frozen_now) -> None:  # noqa: ANN001
    from hotline.demo.users import build_users
    from hotline.kb.demo import load_demo_feedback
    from hotline.kb.seed import load_seed

    load_seed()
    build_users(city)
    assert load_demo_feedback() == "纠错反馈 新增 4 条"
    statuses = sorted(ArticleFeedback.objects.values_list("status", flat=True))
    assert statuses == ["dismissed", "open", "open", "revised"]
    assert load_demo_feedback() == "纠错反馈 新增 0 条"
    assert load_seed().revised == 0  # the re-verified version keeps the seed's text: the seed stays as it is


def test_a_huge_version_number_is_no_server_error(article, staff) -> None:  # noqa: ANN001
    from hotline.kb import feedback

    response = client_for(staff["intake"]).post(reverse("kb:feedback", args=[article.code]),
                                                {"kind": "wrong", "note": "时间不对", "version": "9" * 5000})
    assert response.status_code == 302  # taken as the version shown (the field is hidden)
    item = feedback.ArticleFeedback.objects.get()
    response = client_for(staff["supervisor"]).post(reverse("kb:feedback-resolve", args=[item.pk]),
                                                    {"decision": "revised", "version": "9" * 5000})
    assert response.status_code == 400 and "已修订须选择修订后的版本" in response.content.decode()


def test_refusals_are_translated(article, staff) -> None:  # noqa: ANN001
    response = client_for(staff["intake"], "en").post(reverse("kb:feedback", args=[article.code]),
                                                      {"kind": "wrong", "note": " "})
    assert response.status_code == 400 and "Describe the problem" in response.content.decode()
