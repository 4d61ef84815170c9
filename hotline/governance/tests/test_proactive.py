"""未诉先办 for a theme (每月一题): the link that raises a proactive order, the theme's proactive orders shown
apart from citizens' orders, and the effect counting citizens' orders only."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import proactive, services
from hotline.governance.effect import effect
from hotline.governance.models import Theme
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import (
    SHANGHAI,
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db

ADOPTED = datetime(2025, 3, 20, 10, tzinfo=SHANGHAI)


@pytest.fixture
def setting(cast: Cast) -> dict:
    top = CategoryFactory(name="城乡建设")
    leaf = CategoryFactory(name="充电设施", parent=CategoryFactory(name="小区管理", parent=top))
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="雨花区")
    with time_machine.travel(ADOPTED, tick=False):
        theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="电动车充电难", problem="3月共 46 件诉求",
                               month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30),
                               category=top, district=district, keywords="充电")
    return {"theme": theme, "leaf": leaf, "district": district, "cast": cast}


def _order(s: dict, at: datetime, *, channel: str = Channel.PHONE, title: str = "小区充电桩不够"):  # noqa: ANN202
    return make_ticket(Status.REGISTERED, cast=s["cast"], at=at, title=title, description="电动车充电难",
                       category=s["leaf"], district=s["district"], channel=channel,
                       caller_phone="" if channel == Channel.PROACTIVE else "13800138000")


def _as(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_proactive_orders_do_not_change_the_effect(setting: dict) -> None:
    theme: Theme = setting["theme"]
    for month in (1, 2, 3, 4):
        _order(setting, datetime(2025, month, 10, 9, tzinfo=SHANGHAI))
    now = datetime(2025, 5, 15, 10, tzinfo=SHANGHAI)
    before = effect(theme, now=now)
    for at in (datetime(2024, 12, 1, tzinfo=SHANGHAI), *(datetime(2025, m, 12, tzinfo=SHANGHAI) for m in (2, 3, 4, 5))):
        _order(setting, at, channel=Channel.PROACTIVE)  # December's is before any citizen called
    after = effect(theme, now=now)
    assert [(m.label, m.orders, m.partial_start) for m in after.months] == [
        (m.label, m.orders, m.partial_start) for m in before.months] == [
        ("2025-01", 1, True), ("2025-02", 1, False), ("2025-03", 1, False), ("2025-04", 1, False),
        ("2025-05", 0, False)]
    assert (after.before, after.after, after.change) == (before.before, before.after, before.change)


def test_the_theme_page_shows_its_proactive_orders_apart(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    citizen = _order(setting, datetime(2025, 3, 21, 9, tzinfo=SHANGHAI))
    theme.orders.add(citizen)
    raised = _order(setting, datetime(2025, 3, 22, 9, tzinfo=SHANGHAI), channel=Channel.PROACTIVE, title="巡查充电桩")
    earlier = _order(setting, datetime(2025, 2, 22, 9, tzinfo=SHANGHAI), channel=Channel.PROACTIVE, title="旧的巡查")
    elsewhere = make_ticket(Status.REGISTERED, cast=setting["cast"], at=datetime(2025, 3, 22, tzinfo=SHANGHAI),
                            title="别处巡查", description="充电", channel=Channel.PROACTIVE)
    response = _as(Role.SUPERVISOR).get(reverse("governance-detail", args=[theme.pk]))
    assert response.status_code == 200
    assert [t.pk for t in response.context["proactive"].shown] == [raised.pk]
    assert [t.pk for t in response.context["orders"]] == [citizen.pk]
    html = response.content.decode()
    assert "主动治理工单（未诉先办）" in html and raised.number in html
    assert earlier.number not in html and elsewhere.number not in html
    assert "派发主动治理工单" not in html  # a supervisor does not register orders


def test_a_theme_that_matches_nothing_says_so(frozen_now: datetime, cast: Cast) -> None:
    theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="t", problem="p", month=date(2025, 3, 1),
                           lead=cast.lead, due_date=date(2025, 6, 30))
    make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE)
    result = proactive.proactive_orders(theme, cast.supervisor)
    assert not result.measurable and result.shown == []
    html = _as(Role.SUPERVISOR).get(reverse("governance-detail", args=[theme.pk])).content.decode()
    assert "无法匹配主动治理工单" in html


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ADMIN])
def test_who_registers_orders_gets_the_link_and_it_opens_the_intake_page_filled(
        frozen_now: datetime, setting: dict, role: str) -> None:
    theme: Theme = setting["theme"]
    client = _as(role)
    response = client.get(reverse("governance-detail", args=[theme.pk]))
    url = response.context["proactive_url"]
    assert url and f'href="{url.replace("&", "&amp;")}"' in response.content.decode()
    query = parse_qs(urlsplit(url).query)
    assert query == {"channel": [Channel.PROACTIVE], "title": [theme.title], "description": [theme.problem],
                     "category": [str(theme.category_id)], "district": [str(theme.district_id)]}
    form = client.get(url).context["form"]
    assert form["channel"].value() == Channel.PROACTIVE and form["title"].value() == theme.title
    assert form["description"].value() == theme.problem and form["district"].value() == theme.district_id


def test_an_order_raised_through_the_link_is_found_on_the_theme(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    client = _as(Role.DISPATCHER)
    query = parse_qs(urlsplit(proactive.intake_url(theme)).query)
    posted = {k: v[0] for k, v in query.items()} | {
        "category": setting["leaf"].pk, "request_type": "complaint", "urgency": "normal", "decision": "dispatch"}
    assert client.post(reverse("intake"), posted).status_code == 302
    shown = proactive.proactive_orders(theme, UserFactory(role=Role.SUPERVISOR)).shown
    assert len(shown) == 1 and shown[0].channel == Channel.PROACTIVE and shown[0].title == theme.title


def test_the_link_stays_a_valid_request_for_a_long_problem(setting: dict) -> None:
    theme: Theme = setting["theme"]
    theme.problem = "群众集中反映老旧小区电动自行车充电难、飞线充电存在安全隐患。" * 100
    url = proactive.intake_url(theme)
    assert len(url.encode()) <= proactive.MAX_URL_BYTES
    description = parse_qs(urlsplit(url).query)["description"][0]
    assert description.endswith("…") and theme.problem.startswith(description[:-1])
