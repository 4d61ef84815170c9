"""The incident pages and the intake notice: who opens what (each role), the list's order and filter, create,
edit (a stale page is a 409), the steps, the detail page's counts, the intake fragment and the order panel."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import CENTRE_ROLES, UNIT_ROLES, Role
from hotline.accounts.models import User
from hotline.incidents import services
from hotline.incidents.choices import IncidentStatus, LinkHow
from hotline.incidents.models import Incident, IncidentOrder
from hotline.incidents.tests.conftest import SCRIPT
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import (
    NOW,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db

LIST, NEW, MATCH = reverse("incidents:list"), reverse("incidents:new"), reverse("incidents:match")
MANAGERS = (Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
REGISTRARS = (Role.INTAKE, Role.DISPATCHER, Role.ADMIN)


def person(role: str) -> Client:
    client = Client()
    units = [HandlingUnitFactory(kind=UnitKind.STREET)] if role in UNIT_ROLES else []
    client.force_login(UserFactory(role=role, units=units))
    return client


def detail(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def step(incident: Incident, name: str) -> str:
    return reverse("incidents:step", args=[incident.pk, name])


@pytest.mark.parametrize("role", list(Role))
def test_who_opens_which_page(frozen_now: datetime, make_incident: Callable[..., Incident], role: str) -> None:
    client, incident = person(role), make_incident()
    reads, manages = role in CENTRE_ROLES, role in MANAGERS
    for url in (LIST, detail(incident)):
        assert client.get(url).status_code == (200 if reads else 403), url
    for url in (NEW, reverse("incidents:edit", args=[incident.pk])):
        assert client.get(url).status_code == (200 if manages else 403), url
    assert client.get(MATCH).status_code == (200 if role in REGISTRARS else 403)
    assert client.post(step(incident, "end"), {"note": "已恢复", "version": incident.version}).status_code in (
        (302,) if manages else (403,))
    assert Incident.objects.get().status == (IncidentStatus.ENDED if manages else IncidentStatus.PUBLISHED)


def test_citizens_are_sent_to_the_login_page(make_incident: Callable[..., Incident]) -> None:
    for url in (LIST, detail(make_incident()), MATCH, NEW):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_list_shows_published_then_drafts_then_ended_and_filters(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User) -> None:
    services.end(make_incident(title="已结束的停电"), note="已恢复", actor=manager)
    make_incident(title="草稿的停气", publish=False)
    make_incident(title="发布中的停水")
    body = person(Role.LEADER).get(LIST).content.decode()
    assert body.index("发布中的停水") < body.index("草稿的停气") < body.index("已结束的停电")
    assert "新建突发事件" not in body  # a leader reads only
    drafts = person(Role.LEADER).get(LIST, {"status": "draft"}).content.decode()
    assert "草稿的停气" in drafts and "发布中的停水" not in drafts
    assert person(Role.LEADER).get(LIST, {"status": "junk\x00", "page": "x"}).status_code == 200


def test_create_saves_a_draft_and_edit_refuses_a_stale_page(frozen_now: datetime, org) -> None:  # noqa: ANN001
    client = person(Role.SUPERVISOR)
    form = {"title": "东华门街道停电", "script": "您好，因线路检修停电。", "public_notice": "", "keywords": "停电 没电",
            "areas": [org.street_a.pk], "lead_unit": org.department.pk, "starts_at": "2025-03-04T09:00",
            "expected_end": "2025-03-04T18:00"}
    response = client.post(NEW, form)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(incident)
    assert (incident.status, incident.lead_unit, list(incident.areas.all())) == (
        IncidentStatus.DRAFT, org.department, [org.street_a])
    assert incident.expected_end == NOW + timedelta(hours=8)
    edit = reverse("incidents:edit", args=[incident.pk])
    page = client.get(edit).content.decode()
    assert 'value="2025-03-04T09:00"' in page and 'value="2025-03-04T18:00"' in page and 'name="version"' in page
    assert client.post(edit, form | {"title": "东华门街道计划停电", "version": 1}).status_code == 302
    stale = client.post(edit, form | {"title": "又改名", "version": 1})
    assert stale.status_code == 409 and "刚被他人修改" in stale.content.decode()
    assert Incident.objects.get().title == "东华门街道计划停电"
    wrong = client.post(NEW, form | {"expected_end": "2025-03-04T08:00"})
    assert wrong.status_code == 400 and "预计结束时间须晚于开始时间" in wrong.content.decode()
    assert client.post(NEW, form | {"title": "停\x00电"}).status_code == 400
    assert Incident.objects.count() == 1


def test_steps_from_the_detail_page(frozen_now: datetime, make_incident: Callable[..., Incident]) -> None:
    client, draft = person(Role.DISPATCHER), make_incident(publish=False, script="")
    refused = client.post(step(draft, "publish"), {"version": draft.version})
    assert refused.status_code == 400 and "请先填写答复口径再发布" in refused.content.decode()
    ended = client.post(step(draft, "end"), {"note": "已恢复", "version": draft.version})
    assert ended.status_code == 400 and Incident.objects.get(pk=draft.pk).status == IncidentStatus.DRAFT
    assert client.post(step(draft, "junk"), {}).status_code == 404
    incident = make_incident()
    ticket = make_ticket(Status.PENDING_DISPATCH)
    assert client.post(step(incident, "link"), {"number": ticket.number}).status_code == 302
    page = client.get(detail(incident)).content.decode()
    assert f'href="/orders/{ticket.number}/"' in page and "取消关联" in page
    assert client.post(step(incident, "unlink"), {"number": ticket.number}).status_code == 302
    assert not IncidentOrder.objects.exists()
    assert client.post(step(incident, "link"), {"number": "X"}).status_code == 400


def test_the_detail_page_counts_the_calls(frozen_now: datetime, make_incident: Callable[..., Incident],
                                          manager: User) -> None:
    incident = make_incident(starts_at=NOW - timedelta(hours=6))
    rows = [(NOW - timedelta(hours=3, minutes=10), Channel.PHONE, True), (NOW - timedelta(hours=3, minutes=5),
            Channel.PHONE, False), (NOW - timedelta(minutes=30), Channel.WEB, True)]
    for at, channel, by_script in rows:
        ticket = make_ticket(at=at, channel=channel, description="家里停水了")
        IncidentOrder.objects.create(incident=incident, ticket=ticket, linked_at=at, how=LinkHow.AUTO,
                                     keyword="停水", by_script=by_script)
    old = make_ticket(at=NOW - timedelta(days=3))
    IncidentOrder.objects.create(incident=incident, ticket=old, linked_at=NOW, how=LinkHow.MANUAL, linked_by=manager)
    response = person(Role.INSPECTOR).get(detail(incident))
    stats = response.context["stats"]
    assert (stats.total, stats.by_script, stats.manual) == (4, 2, 1)
    assert stats.by_channel == [("电话", 3), ("网站", 1)]
    assert [(row.hour.strftime("%H:%M"), row.calls) for row in stats.by_hour] == [
        ("06:00", 2), ("07:00", 0), ("08:00", 0), ("09:00", 1), ("10:00", 0)]
    body = response.content.decode()
    assert len(re.findall(r'href="/orders/[^"]+/"', body)) == 4 and SCRIPT in body
    assert 'id="h-steps"' not in body  # an inspector has no steps


def test_the_intake_notice_shows_matching_incidents(frozen_now: datetime, make_incident: Callable[..., Incident],
                                                    org) -> None:  # noqa: ANN001
    make_incident(areas=[org.street_a], lead_unit=org.department)
    client = person(Role.INTAKE)
    fragment = client.get(MATCH, {"description": "我家停水了", "street": org.street_a.pk}).content.decode()
    assert "data-incident-matches" in fragment and "按口径答复" in fragment and SCRIPT in fragment
    assert "匹配关键词「停水」" in fragment and org.department.name in fragment and "2025-03-04 20:00" in fragment
    elsewhere = client.get(MATCH, {"description": "我家停水了", "street": org.street_b.pk}).content.decode()
    by_name = client.get(MATCH, {"description": "东华门街道停水了"}).content.decode()
    assert "按口径答复" not in elsewhere and "按口径答复" in by_name


def test_the_intake_notice_matches_by_category_and_ignores_garbage(
        frozen_now: datetime, make_incident: Callable[..., Incident]) -> None:
    parent = CategoryFactory(name="供水")
    child = CategoryFactory(name="停水", parent=parent)
    make_incident(keywords="", category=parent)
    client = person(Role.DISPATCHER)
    assert "匹配诉求分类" in client.get(MATCH, {"category": child.pk}).content.decode()
    for params in ({"category": "abc", "street": "-1", "district": "9" * 30, "community": "1e5"},
                   {"description": "停\x00水" * 5000}, {"title": ["a", "b"]}, {}):
        response = client.get(MATCH, params)
        assert response.status_code == 200 and "按口径答复" not in response.content.decode()


def test_the_order_page_shows_its_incidents_to_centre_staff(frozen_now: datetime, make_incident: Callable[..., Incident],
                                                            call, org) -> None:  # noqa: ANN001
    incident = make_incident(areas=[org.street_a])
    ticket = call(status=Status.DISPATCHED)
    url = reverse("order-detail", args=[ticket.number])
    body = person(Role.LEADER).get(url).content.decode()
    assert f'href="{detail(incident)}"' in body and incident.title in body and "登记时自动匹配" in body
    handler = Client()
    handler.force_login(call.cast.lead_handler)
    unit_page = handler.get(url)
    assert unit_page.status_code == 200 and incident.title not in unit_page.content.decode()
    plain = make_ticket()
    assert 'class="incident-link"' not in person(Role.LEADER).get(reverse("order-detail", args=[plain.number])).content.decode()


def test_the_intake_page_includes_the_notice(frozen_now: datetime) -> None:
    body = person(Role.INTAKE).get(reverse("intake")).content.decode()
    assert 'id="incident-notice"' in body and "incidents/intake_notice.js" in body


def _queries(client: Client, url: str, params: dict | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


def test_the_list_and_the_notice_take_the_same_queries_for_few_or_many(
        frozen_now: datetime, make_incident: Callable[..., Incident], org) -> None:  # noqa: ANN001
    client, params = person(Role.DISPATCHER), {"description": "停水", "street": org.street_a.pk}
    make_incident(areas=[org.street_a], lead_unit=org.department)
    few = (_queries(client, LIST), _queries(client, MATCH, params))
    for _ in range(4):
        make_incident(areas=[org.street_a, org.street_b], lead_unit=org.department)
    assert (_queries(client, LIST), _queries(client, MATCH, params)) == few


def test_the_admin_shows_incidents_read_only(frozen_now: datetime, make_incident: Callable[..., Incident],
                                             admin_client: Client) -> None:
    incident = make_incident()
    for name in ("incident", "incidentevent", "incidentorder"):
        assert admin_client.get(reverse(f"admin:incidents_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:incidents_incident_add")).status_code == 403
    assert incident.title in admin_client.get(reverse("admin:incidents_incident_changelist")).content.decode()
