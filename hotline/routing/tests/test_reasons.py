"""The dispatch recommendation's reasons (派单推荐依据): stored structured, worded in the reader's language.

The pages are covered in `hotline/triage/tests/test_reasons_language.py`; here the wording of each reason,
rows stored before reasons were structured, and the auto-dispatch note (the timeline is written in Chinese).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from hotline.intelligence.dispatch import ModelVote, Neighbour, RuleHit, Unit, recommend
from hotline.intelligence.reasons import Reason
from hotline.routing.reasons import describe_reason, describe_reasons, describe_row

STREET = Unit(2, "A2区桂花坪街道", "street")
PROPERTY = RuleHit(rule_id=10, category="城乡建设/住房保障与房地产/物业管理", lead=STREET, area="A2区",
                   legal_basis="街乡镇履职清单")


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate()


def _both(func, value) -> tuple[str, str]:  # noqa: ANN001
    with translation.override("zh-hans"):
        zh = func(value)
    with translation.override("en"):
        return zh, func(value)


@pytest.mark.parametrize(("reason", "chinese", "english"), [
    (Reason.of("dispatch.catalogue", category="城乡建设/物业管理", area="A2区", unit="A2区桂花坪街道", basis="街乡镇履职清单"),
     "派单目录：城乡建设/物业管理 @ A2区 → A2区桂花坪街道（街乡镇履职清单）",
     "Dispatch catalogue: 城乡建设/物业管理 @ A2区 → A2区桂花坪街道 (街乡镇履职清单)"),
    (Reason.of("dispatch.catalogue", category="交通运输", area="", unit="市交通运输局", basis=""),
     "派单目录：交通运输 → 市交通运输局", "Dispatch catalogue: 交通运输 → 市交通运输局"),
    (Reason.of("dispatch.model", classes=[("城乡建设", 0.92), ("交通运输", 0.05)]),
     "模型分类：城乡建设 92%、交通运输 5%", "Classifier: 城乡建设 92%, 交通运输 5%"),
    (Reason.of("dispatch.history", similar=14, neighbours=16),
     "相似工单 14/16 最终由该单位办理", "14 of 16 similar work orders were finally handled by this unit"),
    (Reason.of("dispatch.history", similar=1, neighbours=1),
     "相似工单 1/1 最终由该单位办理", "1 of 1 similar work order was finally handled by this unit"),
], ids=["catalogue", "catalogue-citywide", "model", "history", "history-one"])
def test_each_reason_reads_in_chinese_and_in_english(reason: Reason, chinese: str, english: str) -> None:
    assert _both(describe_reason, reason) == (chinese, english)
    assert _both(describe_reason, reason.as_dict()) == (chinese, english)


def test_a_candidate_reads_as_one_text_as_before() -> None:
    result = recommend(rule=PROPERTY, votes=[ModelVote("城乡建设", 1.0, PROPERTY)],
                       neighbours=[Neighbour(i, 0.6, STREET) for i in range(16)])
    assert result.top is not None
    row = {"reasons": [r.as_dict() for r in result.top.reasons]}
    assert _both(describe_row, row) == (
        "派单目录：城乡建设/住房保障与房地产/物业管理 @ A2区 → A2区桂花坪街道（街乡镇履职清单）；模型分类：城乡建设 100%；"
        "相似工单 16/16 最终由该单位办理",
        "Dispatch catalogue: 城乡建设/住房保障与房地产/物业管理 @ A2区 → A2区桂花坪街道 (街乡镇履职清单); "
        "Classifier: 城乡建设 100%; 16 of 16 similar work orders were finally handled by this unit",
    )
    assert _both(describe_reasons, ()) == ("无依据", "No basis")
    assert _both(describe_row, {"reasons": []}) == ("无依据", "No basis")


def test_rows_stored_before_are_shown_as_they_are() -> None:
    old = {"unit_id": 1, "reason": "派单目录：城乡建设 → 市住建局；相似工单 3/4 最终由该单位办理"}
    assert _both(describe_row, old) == (old["reason"], old["reason"])
    assert _both(describe_row, {"unit_id": 1}) == ("", "")
    assert _both(describe_reason, "旧的依据") == ("旧的依据", "旧的依据")
    assert _both(describe_reason, {"code": "dispatch.future"}) == ("dispatch.future", "dispatch.future")


@pytest.mark.django_db
def test_the_auto_dispatch_note_stays_chinese_whatever_the_language(org, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from hotline.routing.models import DispatchRule, DispatchSettings
    from hotline.taxonomy.models import Category
    from hotline.tickets.choices import Status
    from hotline.tickets.models import TimelineEvent
    from hotline.tickets.tests.factories import NOW, Cast, make_ticket

    category = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    DispatchRule.objects.create(category=category, area=org.district, lead_unit=org.street_a, legal_basis="履职清单")
    DispatchSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch": True, "threshold": 0.5})
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, cast=Cast.build(lead=org.street_a), at=NOW, category=category,
                             district=org.district, street=org.street_a, description="小区物业不作为，楼道垃圾堆积一个月")
    event = TimelineEvent.objects.get(ticket=ticket, action="dispatch")
    assert event.note.startswith("自动派单：派单目录：城乡建设 @ 东城区 → 东华门街道（履职清单）"), event.note
