"""工单更正: the centre corrects how it recorded an open order (services.correction)."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import (
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
    stored,
)

pytestmark = pytest.mark.django_db


def _leaf(name: str = "物业管理", top: str = "城乡建设") -> object:
    level1 = CategoryFactory(name=top)
    return CategoryFactory(name=name, parent=CategoryFactory(name=f"{top}二级", parent=level1))


def _place() -> tuple:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="A2区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="桂花坪街道", parent=district)
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="向阳社区", parent=street)
    return district, street, community


def test_a_correction_changes_the_fields_and_lists_each_change_on_one_internal_event(
        cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    leaf = _leaf()
    district, street, community = _place()
    version = t.version

    services.correct(t, actor=cast.dispatcher, reason="与来电人核实：是物业问题，地点在向阳社区",
                     category=leaf, urgency=Urgency.PRESSING, community=community, title="小区电梯长期故障",
                     expected_version=version)

    t.refresh_from_db()
    assert (t.category, t.urgency, t.title) == (leaf, Urgency.PRESSING, "小区电梯长期故障")
    assert (t.district, t.street, t.community) == (district, street, community)  # upper levels from the community
    assert (t.status, t.version) == (Status.PENDING_DISPATCH, version + 1)
    event = t.timeline.order_by("seq").last()
    assert (event.action, event.actor, event.is_public, event.seq) == (Action.CORRECT, cast.dispatcher, False, t.version)
    fields = [c["field"] for c in event.data["changes"]]
    assert fields == ["category", "urgency", "title", "district", "street", "community"]
    category_change = event.data["changes"][0]
    assert category_change["to"] == leaf.pk
    assert event.data["reason"] == "与来电人核实：是物业问题，地点在向阳社区"
    assert event.data["after_dispatch"] is False
    assert "分类：" in event.note and leaf.full_name in event.note and "紧急程度：一般 → 较急" in event.note
    assert "更正原因：与来电人核实" in event.note


def test_blank_values_keep_the_fields_and_a_correction_that_changes_nothing_is_refused(
        cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="没有需要更正的内容"):
        services.correct(t, actor=cast.dispatcher, reason="核对", urgency=t.urgency, title="  ", address="")
    assert stored(t) == before


@pytest.mark.parametrize("reason", ["", "   ", "\x00"])
def test_the_reason_is_required(cast: Cast, frozen_now: datetime, reason: str) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="请写明更正原因"):
        services.correct(t, actor=cast.dispatcher, reason=reason, urgency=Urgency.URGENT)
    assert stored(t) == before


def test_the_place_must_hold_together_and_a_new_district_clears_the_lower_levels(
        cast: Cast, frozen_now: datetime) -> None:
    district, street, community = _place()
    other = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="A3区")
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.correct(t, actor=cast.dispatcher, reason="核实地址", community=community)
    before = stored(t)
    with pytest.raises(RuleViolation, match="不属于"):
        services.correct(t, actor=cast.dispatcher, reason="核实地址", district=other, street=street)
    with pytest.raises(RuleViolation, match="不是启用的"):
        services.correct(t, actor=cast.dispatcher, reason="核实地址", district=street)
    assert stored(t) == before

    services.correct(t, actor=cast.dispatcher, reason="实为A3区", district=other)
    t.refresh_from_db()
    assert (t.district, t.street, t.community) == (other, None, None)


def test_the_orders_own_district_given_again_keeps_its_street_and_community(cast: Cast, frozen_now: datetime) -> None:
    """An integration echoing the place changes nothing there; a new street clears the community."""
    district, street, community = _place()
    other_street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.correct(t, actor=cast.dispatcher, reason="核实地址", community=community)
    services.correct(t, actor=cast.dispatcher, reason="加急", district=district, urgency=Urgency.URGENT)
    t.refresh_from_db()
    assert (t.district, t.street, t.community, t.urgency) == (district, street, community, Urgency.URGENT)
    services.correct(t, actor=cast.dispatcher, reason="另一个街道", district=district, street=other_street)
    t.refresh_from_db()
    assert (t.street, t.community) == (other_street, None)


def test_a_community_may_not_bring_in_a_street_switched_off(cast: Cast, frozen_now: datetime) -> None:
    district, street, community = _place()
    street.is_active = False
    street.save()
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="不是启用的"):
        services.correct(t, actor=cast.dispatcher, reason="核实地址", community=community)
    assert stored(t) == before


def test_only_an_active_third_level_category(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    leaf = _leaf()
    retired = _leaf("已撤销分类", "环境保护")
    retired.is_active = False
    retired.save()
    before = stored(t)
    for wrong in (leaf.parent, retired):
        with pytest.raises(RuleViolation, match="三级分类"):
            services.correct(t, actor=cast.dispatcher, reason="改类", category=wrong)
    assert stored(t) == before


def test_centre_roles_correct_open_orders_only(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)
    for outsider in (cast.lead_handler, cast.inspector, UserFactory(role=Role.LEADER)):
        with pytest.raises(NotPermitted):
            services.correct(t, actor=outsider, reason="改", urgency=Urgency.URGENT)
    assert stored(t) == before
    for person in (cast.intake, cast.dispatcher, cast.supervisor):
        services.correct(t, actor=person, reason=f"{person.role} 更正", is_difficult=not t.is_difficult)
    closed = make_ticket(Status.CLOSED, cast=cast)
    with pytest.raises(InvalidTransition, match="不能执行「工单更正」"):
        services.correct(closed, actor=cast.supervisor, reason="改", urgency=Urgency.URGENT)


def test_after_dispatch_the_units_keep_their_deadlines(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = t.assignments.get(role="lead")
    due = (lead.sign_due, lead.reply_due, t.close_due)

    services.correct(t, actor=cast.dispatcher, reason="实为燃气泄漏隐患", urgency=Urgency.URGENT,
                     request_type=RequestType.HELP)

    t.refresh_from_db()
    lead.refresh_from_db()
    assert t.urgency == Urgency.URGENT
    assert (lead.sign_due, lead.reply_due, t.close_due) == due
    event = t.timeline.order_by("seq").last()
    assert event.data["after_dispatch"] is True and "单位时限不变" in event.note


def test_before_dispatch_the_corrected_urgency_sets_the_deadlines(cast: Cast, frozen_now: datetime) -> None:
    normal = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    urgent = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.correct(urgent, actor=cast.dispatcher, reason="有人员受困", urgency=Urgency.URGENT)
    for t in (normal, urgent):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    sign_due = {t.pk: t.assignments.get().sign_due for t in (normal, urgent)}
    assert sign_due[urgent.pk] < sign_due[normal.pk]


def test_a_stale_page_is_refused(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(ConflictError):
        services.correct(t, actor=cast.dispatcher, reason="改", urgency=Urgency.URGENT,
                         expected_version=t.version - 1)
    assert stored(t) == before


def test_the_fields_and_the_event_are_one_transaction(cast: Cast, frozen_now: datetime,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)

    def broken(self: TimelineEvent, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TimelineEvent, "save", broken)
    with pytest.raises(RuntimeError):
        services.correct(t, actor=cast.dispatcher, reason="改", urgency=Urgency.URGENT)
    assert stored(t) == before


def test_over_long_text_is_refused_whole(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match="标题不能超过 200 个字"):
        services.correct(t, actor=cast.dispatcher, reason="改", title="长" * 201, urgency=Urgency.URGENT)
    with pytest.raises(RuleViolation, match="更正原因不能超过 500 个字"):
        services.correct(t, actor=cast.dispatcher, reason="由" * 501, urgency=Urgency.URGENT)
    assert stored(t) == before
