"""未诉先办 over the API: `POST /orders` with `theme` raises a proactive order (channel `proactive`) for a
每月一题 theme and links it in the registration's transaction; a theme with another channel, a cancelled,
unknown or out-of-reach theme is a 400 `validation_error` on its field and leaves no order; the order names
its theme in detail and list rows; `GET /themes` lists the themes a caller may name."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.accounts.choices import Role
from hotline.api.keys import create_key
from hotline.governance import proactive, services
from hotline.governance.models import Theme, ThemeOrder
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

RAISED = {"request_type": "suggestion", "channel": "proactive", "title": "巡查：幸福路路灯",
          "description": "网格员巡查发现幸福路路灯成片不亮"}


def _adopt(cast: Cast, title: str = "城区路灯夜间不亮", lead: Any = None) -> Theme:
    return services.adopt(actor=UserFactory(role=Role.LEADER), title=title, problem="2月共 38 件诉求",
                          month=date(2025, 3, 1), lead=lead or cast.lead, due_date=NOW.date() + timedelta(days=60))


@pytest.fixture
def theme(frozen_now: Any, cast: Cast) -> Theme:
    return _adopt(cast)


@pytest.fixture
def grid(api_client: Any) -> Any:
    """A grid-management system's key: reads and creates at the centre."""
    _, raw = create_key("网格化管理平台", ["read", "create"])
    return api_client(raw)


def _no_order_left() -> bool:
    return not Ticket.objects.exists() and not ThemeOrder.objects.exists()


def test_an_order_raised_for_a_theme_is_linked_to_it(theme: Theme, cast: Cast, grid: Any) -> None:
    r = grid.post("/orders", {**RAISED, "theme": theme.pk, "decision": "dispatch"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["theme"] == {"id": theme.pk, "title": "城区路灯夜间不亮"}
    assert (body["channel"], body["status"]) == (Channel.PROACTIVE, Status.PENDING_DISPATCH)
    ticket = Ticket.objects.get(number=body["number"])
    link = ThemeOrder.objects.get()
    assert (link.theme_id, link.ticket_id) == (theme.pk, ticket.pk)
    assert proactive.proactive_orders(theme, cast.dispatcher).shown == [ticket]  # the theme's page lists it
    registered = ticket.timeline.get(seq=1)
    assert registered.data["theme"] == theme.pk and "每月一题「城区路灯夜间不亮」" in registered.note
    assert grid.get(f"/orders/{body['number']}").json() == body


def test_the_detail_and_the_list_name_the_theme(theme: Theme, grid: Any) -> None:
    raised = [grid.post("/orders", {**RAISED, "theme": theme.pk}).json()["number"] for _ in range(3)]
    citizens = grid.post("/orders", {"request_type": "help", "description": "小区停水", "caller_phone": "13900001111"})
    assert citizens.json()["theme"] is None
    detail = grid.get(f"/orders/{raised[0]}").json()
    assert detail["theme"] == {"id": theme.pk, "title": theme.title}
    with CaptureQueriesContext(connection) as captured:
        page = grid.get("/orders").json()["results"]
    assert {row["number"]: row["theme"] for row in page} == {
        **{n: {"id": theme.pk, "title": theme.title} for n in raised}, citizens.json()["number"]: None}
    links = [q for q in captured.captured_queries if 'FROM "governance_themeorder"' in q["sql"]]
    assert len(links) == 1  # one query for the page, not one per row


def test_a_theme_needs_the_channel_proactive(theme: Theme, grid: Any) -> None:
    r = grid.post("/orders", {**RAISED, "channel": "wechat", "theme": theme.pk})
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == ["channel"]
    assert "主动发现" in error["details"]["channel"][0]
    assert _no_order_left()


def test_a_cancelled_theme_is_refused(theme: Theme, cast: Cast, grid: Any) -> None:
    services.cancel(theme, actor=UserFactory(role=Role.LEADER), reason="并入全市专项行动")
    r = grid.post("/orders", {**RAISED, "theme": theme.pk})
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "validation_error" and list(r.json()["error"]["details"]) == ["theme"]
    assert "GET /api/v1/themes" in r.json()["error"]["details"]["theme"][0]
    assert _no_order_left()


def test_an_unknown_theme_is_refused(theme: Theme, grid: Any) -> None:
    r = grid.post("/orders", {**RAISED, "theme": theme.pk + 1000})
    assert r.status_code == 400 and list(r.json()["error"]["details"]) == ["theme"]
    r = grid.post("/orders", {**RAISED, "theme": "路灯"})
    assert r.status_code == 400 and r.json()["error"]["details"][0]["loc"][-1] == "theme"
    assert _no_order_left()


@pytest.mark.parametrize("value", [True, str(1), 1.0])
def test_a_theme_id_must_be_a_json_integer(theme: Theme, grid: Any, value: object) -> None:
    """`true` would otherwise pick theme 1, and "1" or 1.0 another theme than the integrator meant to name."""
    r = grid.post("/orders", {**RAISED, "theme": value})
    assert r.status_code == 400 and r.json()["error"]["details"][0]["loc"][-1] == "theme"
    assert _no_order_left()


def test_a_unit_key_names_only_its_own_units_themes(theme: Theme, cast: Cast, api_client: Any) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    theirs = _adopt(cast, "背街小巷积水", lead=other)
    _, raw = create_key("街道网格平台", ["read", "create", "act"], unit=cast.lead)
    street = api_client(raw)
    assert [t["id"] for t in street.get("/themes").json()] == [theme.pk]
    refused = street.post("/orders", {**RAISED, "theme": theirs.pk})
    assert refused.status_code == 400 and list(refused.json()["error"]["details"]) == ["theme"]
    assert _no_order_left()
    made = street.post("/orders", {**RAISED, "theme": theme.pk})
    assert made.status_code == 201 and made.json()["theme"]["id"] == theme.pk


def test_a_replay_gives_the_same_order_and_one_link(theme: Theme, grid: Any) -> None:
    first = grid.post("/orders", {**RAISED, "theme": theme.pk}, **{"Idempotency-Key": "grid-0001"})
    again = grid.post("/orders", {**RAISED, "theme": theme.pk}, **{"Idempotency-Key": "grid-0001"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1 and ThemeOrder.objects.count() == 1
    other = grid.post("/orders", {**RAISED, "theme": None}, **{"Idempotency-Key": "grid-0001"})
    assert other.status_code == 422  # not the body the key was first used with


def test_a_replay_after_the_theme_was_cancelled_gives_the_first_answer(theme: Theme, grid: Any) -> None:
    first = grid.post("/orders", {**RAISED, "theme": theme.pk}, **{"Idempotency-Key": "grid-0002"})
    services.cancel(Theme.objects.get(pk=theme.pk), actor=UserFactory(role=Role.LEADER), reason="重复立项")
    again = grid.post("/orders", {**RAISED, "theme": theme.pk}, **{"Idempotency-Key": "grid-0002"})
    assert again.status_code == 201 and again.content == first.content
    assert Ticket.objects.count() == 1 and ThemeOrder.objects.count() == 1


def test_the_fingerprint_without_a_theme_is_unchanged(frozen_now: Any, api_client: Any) -> None:
    """A body without `theme` hashes as before the field existed: a retry across an upgrade still replays."""
    from hotline.api.idempotency import request_hash
    from hotline.api.models import IdempotencyRecord
    from hotline.api.orders import OrderIn

    _, raw = create_key("升级前后", ["create"])
    body = {"request_type": "help", "description": "小区停水", "caller_phone": "13900001111"}
    api_client(raw).post("/orders", body, **{"Idempotency-Key": "k"})
    fields = OrderIn.model_validate(body).model_dump(mode="json")
    assert fields.pop("theme") is None
    assert IdempotencyRecord.objects.get().request_hash == request_hash("POST", "/api/v1/orders", fields)


def test_themes_are_listed_for_a_key_that_reads(theme: Theme, cast: Cast, api_client: Any) -> None:
    services.cancel(_adopt(cast, "占道经营"), actor=UserFactory(role=Role.LEADER), reason="重复立项")
    _, raw = create_key("报表工具", ["read"])
    listed = api_client(raw).get("/themes")
    assert listed.status_code == 200
    assert [(t["title"], t["status"], t["month"], t["lead"]["code"]) for t in listed.json()] == [
        ("占道经营", "cancelled", "2025-03", cast.lead.code), ("城区路灯夜间不亮", "adopted", "2025-03", cast.lead.code)]
    _, create_only = create_key("只建单", ["create"])
    denied = api_client(create_only).get("/themes")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "insufficient_scope"


def test_a_link_refused_at_registration_leaves_no_order(theme: Theme, grid: Any, monkeypatch: Any) -> None:
    """The theme cancelled between the check and the link: the link is refused and the order rolled back."""
    from hotline.tickets.exceptions import RuleViolation
    from hotline.workbench.intake import services as intake

    def cancelled_meanwhile(*_args: Any) -> None:
        raise RuleViolation("专题已撤销，不能为其派发主动治理工单")

    monkeypatch.setattr(intake, "link_proactive_order", cancelled_meanwhile)
    r = grid.post("/orders", {**RAISED, "theme": theme.pk, "decision": "dispatch"}, **{"Idempotency-Key": "g-3"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "rule_violation"
    assert _no_order_left()
