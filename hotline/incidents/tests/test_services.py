"""Changes of an incident: the status table, the audit trail written with each change, refusals that change
nothing, who may make them, the optimistic lock, and manual links of orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.incidents import services
from hotline.incidents.choices import EventKind, IncidentStatus, LinkHow
from hotline.incidents.models import Incident, IncidentEvent, IncidentOrder
from hotline.incidents.tests.conftest import incident_data
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.tests.factories import (
    NOW,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db


def kinds(incident: Incident) -> list[str]:
    return list(incident.events.order_by("seq").values_list("kind", flat=True))


def test_draft_published_ended_each_with_its_audit_entry(frozen_now: datetime, manager: User, org) -> None:  # noqa: ANN001
    incident = services.create_incident(incident_data(areas=[org.street_a]), actor=manager)
    assert incident.status == IncidentStatus.DRAFT and incident.version == 1
    assert list(incident.areas.all()) == [org.street_a] and incident.keywords == "停水 没水 水压低"
    incident = services.publish(incident, actor=manager)
    assert (incident.status, incident.published_by, incident.published_at) == (IncidentStatus.PUBLISHED, manager, NOW)
    incident = services.end(incident, note="已恢复供水", actor=manager)
    assert (incident.status, incident.ended_by, incident.end_note) == (IncidentStatus.ENDED, manager, "已恢复供水")
    assert kinds(incident) == [EventKind.CREATED, EventKind.PUBLISHED, EventKind.ENDED]
    last = incident.events.order_by("seq").last()
    assert (last.seq, last.actor, last.at, last.from_status, last.to_status, last.note) == (
        3, manager, NOW, IncidentStatus.PUBLISHED, IncidentStatus.ENDED, "已恢复供水")
    assert incident.version == 3


def test_an_ended_incident_may_be_published_again_while_its_window_is_open(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User) -> None:
    incident = services.end(make_incident(), note="误操作结束", actor=manager)
    incident = services.publish(incident, actor=manager)
    assert incident.status == IncidentStatus.PUBLISHED and incident.ended_at is None and incident.end_note == ""
    assert kinds(incident)[-1] == EventKind.REPUBLISHED
    over = services.end(make_incident(expected_end=NOW + timedelta(minutes=5)), note="结束", actor=manager)
    with pytest.raises(RuleViolation, match="预计结束时间已过"):
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            services.publish(over, actor=manager)


@pytest.mark.parametrize(("step", "status"), [
    ("end", IncidentStatus.DRAFT), ("publish", IncidentStatus.PUBLISHED), ("edit", IncidentStatus.ENDED),
    ("end", IncidentStatus.ENDED)])
def test_the_status_table_refuses_and_changes_nothing(frozen_now: datetime, make_incident: Callable[..., Incident],
                                                      manager: User, step: str, status: str) -> None:
    incident = make_incident(publish=status != IncidentStatus.DRAFT)
    if status == IncidentStatus.ENDED:
        incident = services.end(incident, note="已恢复", actor=manager)
    events = incident.events.count()
    with pytest.raises(InvalidTransition):
        if step == "end":
            services.end(incident, note="已恢复", actor=manager)
        elif step == "publish":
            services.publish(incident, actor=manager)
        else:
            services.edit_incident(incident, incident_data(title="新名称"), actor=manager)
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.status, fresh.version, fresh.events.count()) == (status, incident.version, events)


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": "  "}, "请填写事件名称"),
    ({"title": "停\x00水"}, "空字符"),
    ({"script": "口" * 2001}, "答复口径最多 2000 个字"),
    ({"public_notice": "告" * 2001}, "公众公告最多 2000 个字"),
    ({"keywords": "", "category": None}, "至少填写一个关键词或选择诉求分类"),
    ({"keywords": "停水 水"}, "关键词「水」"),
    ({"keywords": " ".join(f"词{i:02d}" for i in range(11))}, "关键词最多 10 个"),
    ({"expected_end": NOW - timedelta(hours=2)}, "预计结束时间须晚于开始时间"),
    ({"starts_at": None}, "请填写开始时间"),
])
def test_bad_input_is_refused_with_a_clear_message(frozen_now: datetime, manager: User, changes: dict,
                                                   message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        services.create_incident(incident_data(**changes), actor=manager)
    assert not Incident.objects.exists() and not IncidentEvent.objects.exists()


def test_areas_must_be_districts_streets_or_communities_and_the_lead_not_the_centre(
        frozen_now: datetime, manager: User, org) -> None:  # noqa: ANN001
    with pytest.raises(RuleViolation, match="影响区域只能选择区、街道或社区"):
        services.create_incident(incident_data(areas=[org.department]), actor=manager)
    with pytest.raises(RuleViolation, match="处置单位不能是热线中心"):
        services.create_incident(incident_data(lead_unit=org.centre), actor=manager)
    ok = services.create_incident(incident_data(areas=[org.district, org.street_a, org.community_a],
                                                lead_unit=org.department), actor=manager)
    assert ok.areas.count() == 3


def test_publishing_needs_a_script(frozen_now: datetime, manager: User) -> None:
    draft = services.create_incident(incident_data(script=""), actor=manager)
    with pytest.raises(RuleViolation, match="请先填写答复口径再发布"):
        services.publish(draft, actor=manager)
    assert Incident.objects.get(pk=draft.pk).status == IncidentStatus.DRAFT


def test_a_published_incident_keeps_its_script(frozen_now: datetime, make_incident: Callable[..., Incident],
                                               manager: User) -> None:
    with pytest.raises(RuleViolation, match="发布中的突发事件必须有答复口径"):
        services.edit_incident(make_incident(), incident_data(script=""), actor=manager)


def test_an_edit_records_what_changed_and_nothing_changed_writes_nothing(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User, org) -> None:  # noqa: ANN001
    incident = make_incident(areas=[org.street_a])
    same = services.edit_incident(incident, incident_data(areas=[org.street_a]), actor=manager)
    assert same.version == incident.version == 2
    category = CategoryFactory(name="供水")
    later = NOW + timedelta(hours=20)
    edited = services.edit_incident(incident, incident_data(areas=[org.street_a, org.street_b], category=category,
                                                            expected_end=later, script="新的口径"),
                                    actor=manager, expected_version=2)
    assert (edited.version, edited.script, edited.expected_end, edited.category) == (3, "新的口径", later, category)
    event = edited.events.get(seq=3)
    assert event.kind == EventKind.EDITED and event.data["changed"] == ["script", "category", "areas", "expected_end"]
    assert event.data["before"]["areas"] == [org.street_a.name]
    assert event.data["after"]["areas"] == [org.street_a.name, org.street_b.name]
    assert event.changed_labels() == ["答复口径", "诉求分类", "影响区域", "预计结束时间"]


def test_a_stale_edit_form_is_a_conflict(frozen_now: datetime, make_incident: Callable[..., Incident],
                                         manager: User) -> None:
    incident = make_incident()
    with pytest.raises(ConflictError):
        services.edit_incident(incident, incident_data(title="改名"), actor=manager, expected_version=1)
    assert Incident.objects.get(pk=incident.pk).title == incident.title


@pytest.mark.parametrize("role", list(Role))
def test_only_supervisors_dispatchers_and_admins_manage(frozen_now: datetime, role: str,
                                                        make_incident: Callable[..., Incident]) -> None:
    person = UserFactory(role=role)
    allowed = role in (Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
    draft = make_incident(publish=False)
    steps = [lambda: services.create_incident(incident_data(), actor=person),
             lambda: services.edit_incident(draft, incident_data(title="改名"), actor=person),
             lambda: services.publish(draft, actor=person),
             lambda: services.end(draft, note="已恢复", actor=person)]
    for step in steps:
        if allowed:
            step()
        else:
            with pytest.raises(NotPermitted):
                step()
    if not allowed:
        assert Incident.objects.count() == 1 and Incident.objects.get().version == 1


def test_links_are_audited_and_automatic_ones_are_removed_by_managers_only(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User) -> None:
    incident = make_incident()
    ticket = make_ticket(Status.ANSWERED)
    link = services.link_order(incident, f" {ticket.number} ", actor=UserFactory(role=Role.INTAKE))
    assert (link.how, link.by_script, link.linked_at) == (LinkHow.MANUAL, False, NOW)
    with pytest.raises(RuleViolation, match="已关联此事件"):
        services.link_order(incident, ticket.number, actor=manager)
    services.unlink_order(incident, ticket.number, actor=manager)
    assert not IncidentOrder.objects.exists()
    assert kinds(incident)[-2:] == [EventKind.LINKED, EventKind.UNLINKED]
    assert incident.events.order_by("seq").last().data == {"number": ticket.number, "how": LinkHow.MANUAL}
    IncidentOrder.objects.create(incident=incident, ticket=ticket, linked_at=NOW, how=LinkHow.AUTO)
    with pytest.raises(NotPermitted, match="只有督办员、派单员和系统管理员可以取消关联"):
        services.unlink_order(incident, ticket.number, actor=UserFactory(role=Role.INTAKE))
    assert IncidentOrder.objects.count() == 1
    services.unlink_order(incident, ticket.number, actor=manager)  # a keyword matched a call about something else
    assert not IncidentOrder.objects.exists()
    assert incident.events.order_by("seq").last().data == {"number": ticket.number, "how": LinkHow.AUTO}


def test_links_are_refused_for_drafts_unknown_numbers_proactive_orders_and_leaders(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User) -> None:
    ticket = make_ticket()
    with pytest.raises(InvalidTransition):
        services.link_order(make_incident(publish=False), ticket.number, actor=manager)
    incident = make_incident()
    with pytest.raises(RuleViolation, match="未找到工单"):
        services.link_order(incident, "NOPE-1", actor=manager)
    proactive = make_ticket(channel=Channel.PROACTIVE)
    with pytest.raises(RuleViolation, match="主动发现"):
        services.link_order(incident, proactive.number, actor=manager)
    with pytest.raises(NotPermitted):
        services.link_order(incident, ticket.number, actor=UserFactory(role=Role.LEADER))
    unit_person = UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory(kind=UnitKind.STREET)])
    with pytest.raises(NotPermitted):
        services.link_order(incident, ticket.number, actor=unit_person)
    assert not IncidentOrder.objects.exists() and kinds(incident) == [EventKind.CREATED, EventKind.PUBLISHED]


def test_the_audit_trail_is_append_only(frozen_now: datetime, make_incident: Callable[..., Incident]) -> None:
    event = make_incident().events.first()
    with pytest.raises(ValueError, match="never edited"):
        event.save()
    with pytest.raises(ValueError, match="never deleted"):
        event.delete()
