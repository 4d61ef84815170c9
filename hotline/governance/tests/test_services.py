"""每月一题: the centre takes a problem on, the lead unit plans and reports, the centre verifies; every step checked."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hotline.accounts.choices import Role
from hotline.governance import services
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.models import Theme
from hotline.governance.transitions import TRANSITIONS
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(cast: Cast) -> dict:
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    return {"leader": UserFactory(role=Role.LEADER), "supervisor": cast.supervisor, "lead": cast.lead,
            "lead_h": cast.lead_handler, "assist": department,
            "assist_h": UserFactory(role=Role.UNIT_HANDLER, units=[department]),
            "other_h": UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory()]),
            "dispatcher": cast.dispatcher}


def _adopt(p: dict, **kw) -> Theme:  # noqa: ANN003
    fields = {"title": "老旧小区电动自行车充电难", "problem": "3月共 46 件诉求，集中在 A2 区", "month": date(2025, 3, 17),
              "lead": p["lead"], "assisting": [p["assist"]], "due_date": date(2025, 5, 31)}
    return services.adopt(actor=p["leader"], **(fields | kw))


def _stored(theme: Theme) -> tuple:
    fresh = Theme.objects.get(pk=theme.pk)
    return fresh.status, fresh.version, fresh.plan, fresh.result, fresh.events.count()


def test_the_whole_way(frozen_now: datetime, people: dict) -> None:
    t = _adopt(people)
    assert (t.status, t.version, t.month, t.created_at) == (ThemeStatus.ADOPTED, 1, date(2025, 3, 1), NOW)
    assert list(t.assisting.all()) == [people["assist"]]
    t = services.file_plan(t, actor=people["lead_h"], plan="新建集中充电棚 20 处")
    assert t.status == ThemeStatus.IN_PROGRESS and t.plan == "新建集中充电棚 20 处"
    t = services.report_progress(t, actor=people["assist_h"], note="已完成 8 处选址")
    t = services.report_done(t, actor=people["lead_h"], result="建成 20 处，投诉下降")
    t = services.send_back(t, actor=people["supervisor"], reason="B 小区仍未覆盖")
    assert t.status == ThemeStatus.IN_PROGRESS
    t = services.report_done(t, actor=people["lead_h"], result="B 小区已补建")
    t = services.accept(t, actor=people["leader"], note="经现场核查，同意销号")
    assert t.status == ThemeStatus.CLOSED and t.closed_at == NOW and t.version == 7
    events = list(t.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 8))
    assert [e.action for e in events] == [ThemeAction.ADOPT, ThemeAction.PLAN, ThemeAction.PROGRESS,
                                          ThemeAction.REPORT, ThemeAction.SEND_BACK, ThemeAction.REPORT,
                                          ThemeAction.ACCEPT]
    assert events[2].unit == people["assist"] and events[1].unit == people["lead"] and events[0].unit is None
    assert events[-1].from_status == ThemeStatus.REPORTED and events[-1].to_status == ThemeStatus.CLOSED


@pytest.mark.parametrize(("case", "refusal", "says"), [
    ("dispatcher adopts", NotPermitted, "无权执行「立项」"), ("no title", RuleViolation, "请填写专题名称"),
    ("lead assists too", RuleViolation, "牵头单位不能同时是配合单位"), ("centre unit", RuleViolation, "不能承担治理专题"),
    ("past due", RuleViolation, "整改时限不能早于今天"), ("district not a district", RuleViolation, "区域须是区")])
def test_adoption_refusals(frozen_now: datetime, people: dict, case: str, refusal: type, says: str) -> None:
    kw: dict = {}
    actor = people["leader"]
    if case == "dispatcher adopts":
        actor = people["dispatcher"]
    elif case == "no title":
        kw["title"] = " "
    elif case == "lead assists too":
        kw["assisting"] = [people["lead"]]
    elif case == "centre unit":
        kw["lead"] = HandlingUnitFactory(kind=UnitKind.CENTRE)
    elif case == "past due":
        kw["due_date"] = date(2025, 3, 3)
    else:
        kw["district"] = people["assist"]
    with pytest.raises(refusal, match=says) as refused:
        services.adopt(actor=actor, **({"title": "x", "problem": "y", "month": date(2025, 3, 1), "lead": people["lead"],
                                        "due_date": date(2025, 5, 1)} | kw))
    assert type(refused.value) is refusal
    assert not Theme.objects.exists()


def test_the_same_problem_is_not_taken_on_twice(frozen_now: datetime, people: dict, cast: Cast) -> None:
    """Whoever calls the service (a page, the demo), orders at least half of which a live theme already has
    are refused, naming that theme; fewer than half, or a cancelled theme, do not count."""
    orders = [make_ticket(Status.DISPATCHED, cast=cast) for _ in range(3)]
    fresh = [make_ticket(Status.DISPATCHED, cast=cast) for _ in range(3)]
    first = _adopt(people, title="充电难专题", orders=orders)
    for again in (orders, orders[:1], [orders[2], fresh[0]], [*orders[:2], *fresh[:2]]):
        with pytest.raises(services.AlreadyTakenOn, match="该问题已立项为「充电难专题」") as refused:
            _adopt(people, title="又一次", orders=again)
        assert refused.value.theme.pk == first.pk and isinstance(refused.value, RuleViolation)
    assert Theme.objects.count() == 1
    other = _adopt(people, title="另一问题", orders=[orders[0], *fresh[:2]])  # one of three: a different problem
    _adopt(people, title="没有工单")  # without orders nothing is matched
    services.cancel(first, actor=people["leader"], reason="重复")
    with pytest.raises(services.AlreadyTakenOn, match="另一问题"):  # the live one still counts
        _adopt(people, title="又一次", orders=[orders[0], fresh[0]])
    again = _adopt(people, title="重新立项", orders=orders[1:])  # the cancelled theme does not count
    assert set(again.orders.all()) == set(orders[1:]) and other.pk != again.pk


@pytest.mark.parametrize(("action", "who"), [("plan", "assist_h"), ("plan", "other_h"), ("plan", "supervisor"),
                                             ("progress", "other_h"), ("report", "assist_h"), ("accept", "lead_h"),
                                             ("accept", "dispatcher")])
def test_only_the_right_people(frozen_now: datetime, people: dict, action: str, who: str) -> None:
    t = _adopt(people)
    if action != "plan":
        t = services.file_plan(t, actor=people["lead_h"], plan="方案")
    if action == "accept":
        t = services.report_done(t, actor=people["lead_h"], result="结果")
    before = _stored(t)
    calls = {"plan": lambda: services.file_plan(t, actor=people[who], plan="方案"),
             "progress": lambda: services.report_progress(t, actor=people[who], note="进展"),
             "report": lambda: services.report_done(t, actor=people[who], result="结果"),
             "accept": lambda: services.accept(t, actor=people[who], note="同意")}
    with pytest.raises(NotPermitted):
        calls[action]()
    assert _stored(t) == before


def test_the_table_and_stale_copies(frozen_now: datetime, people: dict) -> None:
    t = _adopt(people)
    with pytest.raises(InvalidTransition):
        services.accept(t, actor=people["leader"], note="同意")
    with pytest.raises(RuleViolation):
        services.file_plan(t, actor=people["lead_h"], plan="  ")
    stale = Theme.objects.get(pk=t.pk)
    services.file_plan(t, actor=people["lead_h"], plan="方案")
    with pytest.raises(ConflictError):
        services.report_done(stale, actor=people["lead_h"], result="结果")
    assert stale.version == t.version  # reloaded as stored
    t = services.cancel(t, actor=people["supervisor"], reason="与全市专项行动合并")
    assert t.status == ThemeStatus.CANCELLED and t.closed_at == NOW
    with pytest.raises(InvalidTransition):
        services.report_progress(t, actor=people["lead_h"], note="进展")
    assert set(TRANSITIONS) == set(ThemeAction)


def test_offered_steps_and_visibility(frozen_now: datetime, people: dict) -> None:
    t = _adopt(people)
    assert services.available_actions(t, people["lead_h"]) == [ThemeAction.PLAN]
    assert services.available_actions(t, people["assist_h"]) == []
    assert services.available_actions(t, people["leader"]) == [ThemeAction.CANCEL, ThemeAction.ADJUST]
    t = services.file_plan(t, actor=people["lead_h"], plan="方案")
    assert services.available_actions(t, people["assist_h"]) == [ThemeAction.PROGRESS]
    assert set(services.available_actions(t, people["lead_h"])) == {ThemeAction.PROGRESS, ThemeAction.REPORT}
    for who, sees in [("lead_h", True), ("assist_h", True), ("other_h", False), ("dispatcher", True)]:
        assert Theme.objects.visible_to(people[who]).filter(pk=t.pk).exists() is sees, who
    district_admin = UserFactory(role=Role.UNIT_ADMIN, units=[people["lead"].parent])
    assert Theme.objects.visible_to(district_admin).filter(pk=t.pk).exists()  # the street's district sees it
    assert services.available_actions(t, district_admin) == []  # but does not act for the street


def test_two_units_report_progress_from_the_same_page(frozen_now: datetime, people: dict) -> None:
    """报送进展 only appends: a second unit's report from a page shown before the first is not refused."""
    t = services.file_plan(_adopt(people), actor=people["lead_h"], plan="方案")
    lead_copy, assist_copy = Theme.objects.get(pk=t.pk), Theme.objects.get(pk=t.pk)
    services.report_progress(lead_copy, actor=people["lead_h"], note="牵头单位进展")
    services.report_progress(assist_copy, actor=people["assist_h"], note="配合单位进展")
    assert [e.note for e in Theme.objects.get(pk=t.pk).events.order_by("seq")][-2:] == ["牵头单位进展", "配合单位进展"]
    assert Theme.objects.get(pk=t.pk).version == 4
    shown_before = Theme.objects.get(pk=t.pk)
    shown_before.version = 2
    with pytest.raises(ConflictError):  # every other step still checks the page's version
        services.report_done(shown_before, actor=people["lead_h"], result="结果")
    assert [r.checks_version for a, r in TRANSITIONS.items() if a != ThemeAction.PROGRESS] == [True] * 7


def test_adjusting_the_deadline_and_units(frozen_now: datetime, people: dict) -> None:
    t = services.file_plan(_adopt(people), actor=people["lead_h"], plan="方案")
    street = HandlingUnitFactory(kind=UnitKind.STREET)
    t = services.adjust(t, actor=people["supervisor"], reason="施工周期延长", due_date=date(2025, 6, 30),
                        lead=street, assisting=[people["assist"], people["lead"]])
    fresh = Theme.objects.get(pk=t.pk)
    assert (fresh.status, fresh.due_date, fresh.lead, fresh.version) == (ThemeStatus.IN_PROGRESS, date(2025, 6, 30),
                                                                         street, 3)
    assert set(fresh.assisting.all()) == {people["assist"], people["lead"]}
    event = fresh.events.order_by("-seq").first()
    assert (event.action, event.from_status, event.to_status) == (ThemeAction.ADJUST, ThemeStatus.IN_PROGRESS,
                                                                  ThemeStatus.IN_PROGRESS)
    assert "整改时限：2025-05-31 → 2025-06-30" in event.note and f"牵头单位：{people['lead']} → {street}" in event.note
    assert f"配合单位：{people['assist']} → " in event.note and "理由：施工周期延长" in event.note
    # Only the deadline: the units are not mentioned.
    t = services.adjust(t, actor=people["leader"], reason="再延", due_date=date(2025, 7, 31))
    assert Theme.objects.get(pk=t.pk).events.order_by("-seq").first().note == "整改时限：2025-06-30 → 2025-07-31；理由：再延"
    assert ThemeAction.ADJUST in services.available_actions(t, people["supervisor"])
    assert ThemeAction.ADJUST not in services.available_actions(t, people["lead_h"])


@pytest.mark.parametrize("case", ["no reason", "nothing changes", "past deadline", "lead assists", "unit staff",
                                  "closed", "inactive unit"])
def test_adjust_refusals(frozen_now: datetime, people: dict, case: str) -> None:
    t = _adopt(people)
    kw: dict = {"reason": "理由", "due_date": date(2025, 6, 30)}
    actor = people["supervisor"]
    if case == "no reason":
        kw["reason"] = "  "
    elif case == "nothing changes":
        kw = {"reason": "理由", "due_date": t.due_date, "lead": t.lead, "assisting": [people["assist"]]}
    elif case == "past deadline":
        kw["due_date"] = date(2025, 3, 1)
    elif case == "lead assists":
        kw["assisting"] = [people["lead"]]
    elif case == "unit staff":
        actor = people["lead_h"]
    elif case == "closed":
        t = services.cancel(t, actor=people["leader"], reason="重复")
    else:
        kw["lead"] = HandlingUnitFactory(is_active=False)
    before = _stored(t)
    with pytest.raises((RuleViolation, NotPermitted, InvalidTransition)):
        services.adjust(t, actor=actor, **kw)
    assert _stored(t) == before


def test_adjust_keeps_a_unit_that_is_no_longer_active(frozen_now: datetime, people: dict) -> None:
    t = _adopt(people)
    people["assist"].is_active = False
    people["assist"].save()
    t = services.adjust(t, actor=people["supervisor"], reason="延期", due_date=date(2025, 6, 30),
                        lead=people["lead"], assisting=[people["assist"]])
    assert Theme.objects.get(pk=t.pk).due_date == date(2025, 6, 30)
