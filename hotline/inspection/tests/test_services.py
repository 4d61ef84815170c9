"""Scoring, the status table, appeals within working days (调休 counted), decisions and version conflicts.
Every refused step leaves the inspection, its deductions and its log as they were."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from hotline.core import workcalendar
from hotline.inspection.choices import EventKind, InspectionStatus
from hotline.inspection.models import Criterion, Deduction, Inspection, InspectionEvent
from hotline.inspection.scoring import Mark, score
from hotline.inspection.selectors import appeal_deadline
from hotline.inspection.services import Entry, appeal, decide_appeal, inspect
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.tests.factories import SHANGHAI, UserFactory

pytestmark = pytest.mark.django_db


def _state(inspection: Inspection) -> dict[str, Any]:
    row = Inspection.objects.filter(pk=inspection.pk).values().get()
    row["deductions"] = sorted(Deduction.objects.filter(inspection=inspection).values_list("criterion_id", "points"))
    row["events"] = InspectionEvent.objects.filter(inspection=inspection).count()
    return row


def _refused(inspection: Inspection, error: type[Exception], call: Any, match: str | None = None) -> None:
    before = _state(inspection)
    with pytest.raises(error, match=match):
        call()
    assert _state(inspection) == before


def test_the_score_is_100_less_the_points_never_below_0_and_0_on_a_fatal_error() -> None:
    assert score([]) == (100, False)
    assert score([Mark(15), Mark(5)]) == (80, False)
    assert score([Mark(60), Mark(60)]) == (0, False)
    assert score([Mark(0, is_fatal=True), Mark(5)]) == (95, False)
    assert score([Mark(1, is_fatal=True)]) == (0, True)


def test_inspecting_scores_the_order_and_logs_it(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    inspector = sampled.cast.inspector
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题未写地点"), Entry(criteria["ADDRESS"], 0, "")],
                  "注意标题", inspector, expected_version=1)
    assert (row.status, row.score, row.is_fatal, row.version) == (InspectionStatus.INSPECTED, 95, False, 2)
    assert list(row.deductions.values_list("criterion__code", "points", "note")) == [("TITLE", 5, "标题未写地点")]
    event = row.events.get(seq=2)
    assert (event.kind, event.score_before, event.score_after, event.actor) == (EventKind.INSPECTED, None, 95, inspector)
    assert event.data["deductions"][0]["name"] == criteria["TITLE"].name

    fatal = inspect(row, [Entry(criteria["SECRET"], 100, "描述中写入了举报人电话")], "", inspector)
    assert (fatal.score, fatal.is_fatal, fatal.events.last().kind) == (0, True, EventKind.RESCORED)
    assert inspect(fatal, [Entry(criteria["SECRET"], 100, "描述中写入了举报人电话")], "", inspector).version == 3


def test_refused_scores_change_nothing(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    inspector = sampled.cast.inspector
    _refused(sampled, RuleViolation, lambda: inspect(sampled, [Entry(criteria["TITLE"], 11, "超出")], "", inspector),
             "0 至 10")
    _refused(sampled, RuleViolation, lambda: inspect(sampled, [Entry(criteria["TITLE"], 3, " ")], "", inspector),
             "扣分说明")
    _refused(sampled, RuleViolation, lambda: inspect(sampled, [Entry(criteria["ANSWER"], 5, "x")], "", inspector),
             "不适用")  # a direct-answer item on an order sent to dispatch
    _refused(sampled, RuleViolation, lambda: inspect(
        sampled, [Entry(criteria["TITLE"], 1, "a"), Entry(criteria["TITLE"], 1, "b")], "", inspector), "重复")
    criteria["TITLE"].is_active = False
    criteria["TITLE"].save()
    _refused(sampled, RuleViolation, lambda: inspect(sampled, [Entry(criteria["TITLE"], 1, "a")], "", inspector),
             "停用")
    _refused(sampled, NotPermitted, lambda: inspect(sampled, [], "", sampled.cast.dispatcher))
    _refused(sampled, NotPermitted, lambda: inspect(sampled, [], "", sampled.agent))
    _refused(sampled, ConflictError, lambda: inspect(sampled, [], "", inspector, expected_version=0))


def test_two_inspectors_saving_at_once_the_second_gets_a_conflict(sampled: Inspection,
                                                                  criteria: dict[str, Criterion]) -> None:
    other = UserFactory(role="inspector")
    inspect(sampled, [Entry(criteria["TYPE"], 10, "应为投诉")], "", sampled.cast.inspector, expected_version=1)
    stale = Inspection.objects.get(pk=sampled.pk)
    stale.version = 1  # the page the second inspector opened before the first saved
    _refused(stale, ConflictError, lambda: inspect(stale, [], "很好", other, expected_version=1), "刚被他人修改")


def test_each_step_out_of_order_is_refused_and_changes_nothing(sampled: Inspection,
                                                              criteria: dict[str, Criterion]) -> None:
    agent, inspector, supervisor = sampled.agent, sampled.cast.inspector, sampled.cast.supervisor
    _refused(sampled, InvalidTransition, lambda: appeal(sampled, "不服", agent), "待质检")
    _refused(sampled, InvalidTransition, lambda: decide_appeal(sampled, True, None, "维持", supervisor))
    row = inspect(sampled, [Entry(criteria["CATEGORY"], 10, "分类错误")], "", inspector)
    _refused(row, InvalidTransition, lambda: decide_appeal(row, True, None, "维持", supervisor), "已质检")
    _refused(row, NotPermitted, lambda: appeal(row, "不服", inspector), "本人")
    _refused(row, RuleViolation, lambda: appeal(row, "  ", agent), "申诉理由")
    row = appeal(row, "分类在目录中有两处，我选的也对", agent)
    assert (row.status, row.appealed_at is not None) == (InspectionStatus.APPEALED, True)
    _refused(row, InvalidTransition, lambda: inspect(row, [], "", inspector), "申诉中")
    _refused(row, InvalidTransition, lambda: appeal(row, "再申诉", agent))
    _refused(row, NotPermitted, lambda: decide_appeal(row, True, None, "维持", inspector))
    _refused(row, RuleViolation, lambda: decide_appeal(row, True, None, "", supervisor), "申诉处理意见")
    _refused(row, RuleViolation, lambda: decide_appeal(
        row, False, [Entry(criteria["CATEGORY"], 10, "分类错误")], "改判", supervisor), "改判须修改扣分")
    done = decide_appeal(row, True, None, "分类确实错误，维持", supervisor)
    assert (done.status, done.score, done.decided_by) == (InspectionStatus.UPHELD, 90, supervisor)
    _refused(done, InvalidTransition, lambda: decide_appeal(done, False, [], "改判", supervisor))
    _refused(done, InvalidTransition, lambda: appeal(done, "再申诉", agent))


def test_a_revision_records_the_old_and_new_score(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    row = inspect(sampled, [Entry(criteria["ADDRESS"], 15, "地址不清")], "", sampled.cast.inspector)
    row = appeal(row, "群众只说了路名", sampled.agent)
    row = decide_appeal(row, False, [Entry(criteria["ADDRESS"], 5, "群众未提供门牌，减轻扣分")], "部分采纳",
                        sampled.cast.supervisor)
    assert (row.status, row.score) == (InspectionStatus.REVISED, 95)
    event = row.events.last()
    assert (event.kind, event.score_before, event.score_after) == (EventKind.REVISED, 85, 95)
    assert event.data["deductions"][0]["points"] == 5
    assert list(row.events.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_the_appeal_window_counts_working_days_with_a_tiaoxiu_weekend(sampled: Inspection,
                                                                      criteria: dict[str, Criterion]) -> None:
    """Scored on Friday 7 February 2025: Saturday the 8th was a working day (春节调休), so 3 working days end on
    Tuesday the 11th at the same hour, not Wednesday."""
    workcalendar.invalidate_overrides()
    assert workcalendar.is_working_day(date(2025, 2, 8)) and not workcalendar.is_working_day(date(2025, 2, 9))
    friday = datetime(2025, 2, 7, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(friday, tick=False):
        row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", sampled.cast.inspector)
    assert appeal_deadline(row) == datetime(2025, 2, 11, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(datetime(2025, 2, 11, 10, 1, tzinfo=SHANGHAI), tick=False):
        _refused(row, RuleViolation, lambda: appeal(row, "不服", sampled.agent), "申诉期限已过")
    with time_machine.travel(datetime(2025, 2, 11, 10, 0, tzinfo=SHANGHAI) - timedelta(minutes=1), tick=False):
        assert appeal(row, "不服", sampled.agent).status == InspectionStatus.APPEALED


def test_whoever_scored_an_inspection_may_not_decide_its_appeal(sampled: Inspection,
                                                                criteria: dict[str, Criterion]) -> None:
    """The scorer is its inspector, or anyone who scored or rescored it before (an administrator, say)."""
    admin, other_admin = UserFactory(role="admin"), UserFactory(role="admin")
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", admin)
    row = appeal(row, "标题已含地点", sampled.agent)
    _refused(row, NotPermitted, lambda: decide_appeal(row, True, None, "维持", admin), "不能处理自己评分的申诉")
    assert decide_appeal(row, True, None, "维持", other_admin).status == InspectionStatus.UPHELD


def test_an_earlier_scorer_is_still_a_scorer_after_someone_else_rescored(sampled: Inspection,
                                                                         criteria: dict[str, Criterion]) -> None:
    admin = UserFactory(role="admin")
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", admin)
    row = inspect(row, [Entry(criteria["TITLE"], 3, "标题不准")], "", sampled.cast.inspector)
    row = appeal(row, "不服", sampled.agent)
    assert row.inspector == sampled.cast.inspector
    _refused(row, NotPermitted, lambda: decide_appeal(row, True, None, "维持", admin), "自己评分")


def test_a_revision_must_change_points_not_only_a_note(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", sampled.cast.inspector)
    row = appeal(row, "有异议", sampled.agent)
    _refused(row, RuleViolation, lambda: decide_appeal(
        row, False, [Entry(criteria["TITLE"], 5, "标题不准。")], "改判", sampled.cast.supervisor), "改判须修改扣分")


@pytest.mark.parametrize("where", ["comment", "note", "reason", "decision"])
def test_a_nul_character_in_any_text_is_refused(sampled: Inspection, criteria: dict[str, Criterion],
                                                where: str) -> None:
    """PostgreSQL cannot store "\\x00": it is refused with a message instead of failing on save."""
    inspector, supervisor, agent = sampled.cast.inspector, sampled.cast.supervisor, sampled.agent
    if where == "comment":
        _refused(sampled, RuleViolation, lambda: inspect(sampled, [], "好\x00", inspector), "空字符")
    elif where == "note":
        _refused(sampled, RuleViolation, lambda: inspect(
            sampled, [Entry(criteria["TITLE"], 5, "标题\x00")], "", inspector), "扣分说明含有无法保存的空字符")
    else:
        row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", inspector)
        if where == "reason":
            _refused(row, RuleViolation, lambda: appeal(row, "不服\x00", agent), "申诉理由含有")
        else:
            row = appeal(row, "不服", agent)
            _refused(row, RuleViolation, lambda: decide_appeal(row, True, None, "维持\x00", supervisor),
                     "申诉处理意见含有")


def test_a_note_without_points_is_refused(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    _refused(sampled, RuleViolation, lambda: inspect(
        sampled, [Entry(criteria["TITLE"], 0, "标题应写地点")], "", sampled.cast.inspector),
        "「标题概括准确」写了扣分说明但未填扣分")


def test_scoring_notes_the_agents_first_decision(sampled: Inspection, criteria: dict[str, Criterion]) -> None:
    Inspection.objects.filter(pk=sampled.pk).update(decision="")
    sampled.refresh_from_db()
    assert inspect(sampled, [], "", sampled.cast.inspector).decision == "dispatch"
    assert Inspection.objects.get(pk=sampled.pk).decision == "dispatch"


def test_the_migration_backfills_the_decision_from_the_timeline(sampled: Inspection) -> None:
    from importlib import import_module

    from django.apps import apps

    Inspection.objects.filter(pk=sampled.pk).update(decision="")
    import_module("hotline.inspection.migrations.0003_inspection_decision").backfill(apps, None)
    assert Inspection.objects.get(pk=sampled.pk).decision == "dispatch"


def test_locking_an_inspection_does_not_lock_its_order(sampled: Inspection, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.models import QuerySet

    asked: list[dict[str, Any]] = []
    original = QuerySet.select_for_update

    def spy(self: QuerySet, **kwargs: Any) -> QuerySet:
        if self.model is Inspection:
            asked.append(kwargs)
        return original(self, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    inspect(sampled, [], "", sampled.cast.inspector)
    assert asked == [{"of": ("self",)}]
