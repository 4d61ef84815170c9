"""Correction reports (知识纠错): who may report and resolve, the rules, the audit events, refusals change nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from hotline.accounts.choices import Role
from hotline.kb import feedback, services
from hotline.kb.choices import FeedbackKind, FeedbackStatus, KbAction
from hotline.kb.exceptions import KbError
from hotline.kb.models import ArticleEvent, ArticleFeedback
from hotline.kb.permissions import may_maintain, may_report
from hotline.kb.tests.conftest import make_article
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居民医保缴费时间", answer="每年9月至12月缴纳下一年度医保费。")


def revise(article, note: str = "更新缴费标准"):  # noqa: ANN001, ANN201
    text = services.ArticleText(title="居民医保缴费时间", body="新的说明。", answer="每年10月至12月缴纳。")
    return services.new_version(article, text=text, actor=None, change_note=note)


def snapshot(article) -> tuple:  # noqa: ANN001
    """Everything a refused step must leave as it was."""
    rows = list(ArticleFeedback.objects.filter(article=article).order_by("pk").values_list(
        "status", "resolved_by", "resolved_at", "resolution_note", "fixed_version"))
    return rows, ArticleEvent.objects.filter(article=article).count()


def test_report_records_the_version_seen_and_an_event(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.OUTDATED, "  缴费时间已改为10月开始  ", staff["intake"])
    item.refresh_from_db()
    assert (item.version_number, item.kind, item.note, item.status) == (1, "outdated", "缴费时间已改为10月开始",
                                                                        FeedbackStatus.OPEN)
    assert item.reported_by == staff["intake"] and item.resolved_at is None
    event = ArticleEvent.objects.filter(article=article, action=KbAction.FEEDBACK).get()
    assert event.actor == staff["intake"] and event.version_number == 1
    assert event.note == "政策已变化或过期：缴费时间已改为10月开始"


def test_report_keeps_the_version_the_agent_read(article, staff) -> None:  # noqa: ANN001
    revise(article)
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "第1版的时间不对", staff["dispatcher"], version=1)
    assert item.version_number == 1
    assert feedback.report_feedback(article, FeedbackKind.WRONG, "还是不对", staff["leader"]).version_number == 2


@pytest.mark.parametrize(("kind", "note", "message"), [
    (FeedbackKind.WRONG, "", "请填写问题说明"),
    (FeedbackKind.WRONG, "   \n ", "请填写问题说明"),
    (FeedbackKind.WRONG, "长" * 501, "说明不能超过 500 个字"),
    ("nonsense", "说明", "请选择问题类型"),
])
def test_report_refuses_bad_input_and_writes_nothing(article, staff, kind, note, message) -> None:  # noqa: ANN001
    before = snapshot(article)
    with pytest.raises(KbError, match=message):
        feedback.report_feedback(article, kind, note, staff["intake"])
    assert snapshot(article) == before


def test_report_accepts_a_note_of_exactly_500_characters(article, staff) -> None:  # noqa: ANN001
    assert len(feedback.report_feedback(article, FeedbackKind.UNCLEAR, "字" * 500, staff["intake"]).note) == 500


def test_report_on_a_retired_article_or_unknown_version_is_refused(article, staff) -> None:  # noqa: ANN001
    with pytest.raises(KbError, match="没有第 7 版"):
        feedback.report_feedback(article, FeedbackKind.WRONG, "说明", staff["intake"], version=7)
    services.retire_article(article, actor=None)
    before = snapshot(article)
    with pytest.raises(KbError, match="已停用"):
        feedback.report_feedback(article, FeedbackKind.WRONG, "说明", staff["intake"])
    assert snapshot(article) == before


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_unit_staff_may_not_report(article, role) -> None:  # noqa: ANN001
    with pytest.raises(KbError, match="热线中心工作人员"):
        feedback.report_feedback(article, FeedbackKind.WRONG, "说明", UserFactory(role=role))
    assert not ArticleFeedback.objects.exists()


def test_resolve_revised_names_the_later_version(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.OUTDATED, "时间已变", staff["intake"])
    v2 = revise(article)
    done = feedback.resolve_feedback(item, revised=True, version=2, note="已按新规修订", actor=staff["supervisor"])
    assert (done.status, done.fixed_version, done.resolved_by) == (FeedbackStatus.REVISED, v2, staff["supervisor"])
    assert done.resolved_at is not None and done.resolution_note == "已按新规修订"
    event = ArticleEvent.objects.filter(article=article, action=KbAction.FEEDBACK_DONE).get()
    assert (event.version_number, event.actor, event.note) == (2, staff["supervisor"], "已修订：已按新规修订")


def test_resolve_accepts_the_version_object_and_dismissal_with_a_note(article, staff) -> None:  # noqa: ANN001
    first = feedback.report_feedback(article, FeedbackKind.OUTDATED, "时间已变", staff["intake"])
    second = feedback.report_feedback(article, FeedbackKind.UNCLEAR, "看不懂", staff["intake"])
    v2 = revise(article)
    assert feedback.resolve_feedback(first, revised=True, version=v2, actor=staff["admin"]).fixed_version == v2
    done = feedback.resolve_feedback(second, revised=False, note="表述已足够清楚", actor=staff["admin"])
    assert (done.status, done.fixed_version, done.resolution_note) == (FeedbackStatus.DISMISSED, None, "表述已足够清楚")


@pytest.mark.parametrize(("revised", "version", "note", "message"), [
    (True, None, "", "已修订须选择修订后的版本"),
    (True, 1, "", "修订版本须晚于反馈时的第 1 版"),
    (True, 9, "", "没有第 9 版"),
    (False, None, "  ", "不采纳须填写说明"),
    (False, None, "长" * 501, "说明不能超过 500 个字"),
])
def test_resolve_refusals_change_nothing(article, staff, revised, version, note, message) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    before = snapshot(article)
    with pytest.raises(KbError, match=message):
        feedback.resolve_feedback(item, revised=revised, version=version, note=note, actor=staff["supervisor"])
    assert snapshot(article) == before


def test_resolve_refuses_a_version_of_another_article(article, org, staff) -> None:  # noqa: ANN001
    other = make_article(org.department, "另一条知识")
    other_v2 = services.new_version(other, text=services.ArticleText("另一条知识", "改", "改"), actor=None)
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    before = snapshot(article)
    with pytest.raises(KbError, match="没有第 2 版"):
        feedback.resolve_feedback(item, revised=True, version=other_v2, actor=staff["supervisor"])
    assert snapshot(article) == before


@pytest.mark.parametrize("role", [Role.INTAKE, Role.DISPATCHER, Role.INSPECTOR, Role.LEADER, Role.UNIT_ADMIN])
def test_only_maintainers_resolve(article, staff, role) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    before = snapshot(article)
    with pytest.raises(KbError, match="维护人员"):
        feedback.resolve_feedback(item, revised=False, note="不采纳", actor=UserFactory(role=role))
    assert snapshot(article) == before


def test_a_second_resolution_is_refused(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    stale = ArticleFeedback.objects.get(pk=item.pk)  # the other maintainer's page, loaded before the first click
    feedback.resolve_feedback(item, revised=False, note="依据充分，不修改", actor=staff["supervisor"])
    before = snapshot(article)
    revise(article)
    with pytest.raises(KbError, match="已由.*处理"):
        feedback.resolve_feedback(stale, revised=True, version=2, actor=staff["admin"])
    after = snapshot(article)
    assert after[0] == before[0]  # still 不采纳 by the first maintainer
    assert ArticleEvent.objects.filter(article=article, action=KbAction.FEEDBACK_DONE).count() == 1


def test_a_resolution_racing_past_the_read_is_refused(article, staff, monkeypatch) -> None:  # noqa: ANN001
    """On a database without row locks the write itself checks the report is still open."""
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "错了", staff["intake"])
    revise(article)
    real = feedback._fixing_version

    def meanwhile(current, version):  # noqa: ANN001, ANN202 - the other maintainer's commit lands here
        ArticleFeedback.objects.filter(pk=current.pk).update(status=FeedbackStatus.DISMISSED, resolved_by=staff["admin"],
                                                             resolution_note="他人已处理")
        return real(current, version)

    monkeypatch.setattr(feedback, "_fixing_version", meanwhile)
    with pytest.raises(KbError, match="已由他人处理"):
        feedback.resolve_feedback(item, revised=True, version=2, actor=staff["supervisor"])
    item.refresh_from_db()  # the simulated commit ran inside the refused transaction, so it rolled back too
    assert item.resolved_by != staff["supervisor"] and item.fixed_version is None
    assert not ArticleEvent.objects.filter(article=article, action=KbAction.FEEDBACK_DONE).exists()


def test_who_reports_and_who_maintains(staff) -> None:  # noqa: ANN001
    assert all(may_report(user) for user in staff.values())
    assert {role for role, user in staff.items() if may_maintain(user)} == {Role.SUPERVISOR, Role.ADMIN}
    perm = Permission.objects.get(codename="change_article", content_type__app_label="kb")
    editor = UserFactory(role=Role.INSPECTOR, is_staff=True)
    editor.user_permissions.add(perm)
    assert may_maintain(editor)
    unit_editor = UserFactory(role=Role.UNIT_ADMIN, is_staff=True)
    unit_editor.user_permissions.add(perm)
    assert not may_maintain(unit_editor) and not may_report(unit_editor)
    assert not may_maintain(UserFactory(role=Role.SUPERVISOR, is_active=False))


def test_revised_needs_a_published_version(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "时间不对", staff["intake"])
    draft = services.new_version(article, text=services.ArticleText("居民医保缴费时间", "草稿", "草稿"), actor=None,
                                 publish=False)
    before = snapshot(article)
    with pytest.raises(KbError, match="尚未发布"):
        feedback.resolve_feedback(item, revised=True, version=draft.number, actor=staff["supervisor"])
    assert snapshot(article) == before  # agents still read version 1: the report stays open


def test_the_same_report_twice_is_refused(article, staff) -> None:  # noqa: ANN001
    feedback.report_feedback(article, FeedbackKind.WRONG, "时间不对", staff["intake"])
    with pytest.raises(KbError, match="已提交过相同的纠错反馈"):
        feedback.report_feedback(article, FeedbackKind.WRONG, " 时间不对 ", staff["intake"])
    feedback.report_feedback(article, FeedbackKind.WRONG, "时间不对", staff["dispatcher"])  # another agent may
    assert ArticleFeedback.objects.count() == 2
