"""未诉先办 for a theme (每月一题): the link that raises a proactive order, the order linked to its theme when
registered, the theme's linked proactive orders shown apart from citizens' orders, and the effect counting
citizens' orders only."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import proactive, services
from hotline.governance.effect import effect
from hotline.governance.models import Theme, ThemeOrder
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
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


def _raise(s: dict, theme: Theme, at: datetime, *, title: str = "巡查充电桩", description: str = "电动车充电难"):  # noqa: ANN202
    """A proactive order registered and linked to `theme`, as the intake page does."""
    ticket = make_ticket(Status.REGISTERED, cast=s["cast"], at=at, title=title, description=description,
                         category=s["leaf"], district=s["district"], channel=Channel.PROACTIVE, caller_phone="")
    services.link_proactive_order(theme, ticket, s["cast"].dispatcher)
    return ticket


def test_the_theme_page_shows_its_linked_proactive_orders_apart(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    citizen = _order(setting, datetime(2025, 3, 21, 9, tzinfo=SHANGHAI))
    theme.orders.add(citizen)
    raised = _raise(setting, theme, datetime(2025, 3, 22, 9, tzinfo=SHANGHAI))
    newer = _raise(setting, theme, datetime(2025, 3, 23, 9, tzinfo=SHANGHAI), title="复查充电桩")
    matching = _order(setting, datetime(2025, 3, 22, 10, tzinfo=SHANGHAI), channel=Channel.PROACTIVE,
                      title="巡查发现充电桩不够")  # matches the theme's rule, but was not raised for it
    response = _as(Role.SUPERVISOR).get(reverse("governance-detail", args=[theme.pk]))
    assert response.status_code == 200
    assert [t.pk for t in response.context["proactive"].shown] == [newer.pk, raised.pk]
    assert [t.pk for t in response.context["orders"]] == [citizen.pk]
    html = response.content.decode()
    assert "主动治理工单（未诉先办）" in html and raised.number in html and newer.number in html
    assert matching.number not in html
    assert response.context["proactive_url"] == "" and "?theme=" not in html  # a supervisor registers no orders


def test_a_theme_without_criteria_lists_its_orders_too(frozen_now: datetime, setting: dict, cast: Cast) -> None:
    theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="t", problem="p", month=date(2025, 3, 1),
                           lead=cast.lead, due_date=date(2025, 6, 30))
    raised = _raise(setting, theme, frozen_now)
    assert [t.pk for t in proactive.proactive_orders(theme, cast.supervisor).shown] == [raised.pk]
    html = _as(Role.SUPERVISOR).get(reverse("governance-detail", args=[theme.pk])).content.decode()
    assert raised.number in html and "无法匹配" not in html


def test_the_page_lists_only_the_orders_the_person_may_open(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    raised = _raise(setting, theme, frozen_now)
    stranger = UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory()])
    assert proactive.proactive_orders(theme, stranger).shown == []
    assert proactive.proactive_orders(theme, setting["cast"].supervisor).shown == [raised]


def test_the_page_takes_the_same_queries_for_more_linked_orders(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    _raise(setting, theme, frozen_now)
    client = _as(Role.DISPATCHER)
    url = reverse("governance-detail", args=[theme.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        _raise(setting, theme, frozen_now, title=f"巡查{n}")
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert len(response.context["proactive"].shown) == 5
    assert len(five) == len(one)


def test_more_than_shown_are_counted(frozen_now: datetime, setting: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    theme: Theme = setting["theme"]
    monkeypatch.setattr(proactive, "SHOWN", 2)
    for n in range(3):
        _raise(setting, theme, frozen_now, title=f"巡查{n}")
    result = proactive.proactive_orders(theme, setting["cast"].supervisor)
    assert (len(result.shown), result.visible, result.cut) == (2, 3, True)


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ADMIN])
def test_who_registers_orders_gets_the_link_and_it_opens_the_intake_page_filled(
        frozen_now: datetime, setting: dict, role: str) -> None:
    theme: Theme = setting["theme"]
    client = _as(role)
    response = client.get(reverse("governance-detail", args=[theme.pk]))
    url = response.context["proactive_url"]
    assert url and f'href="{url.replace("&", "&amp;")}"' in response.content.decode()
    query = parse_qs(urlsplit(url).query)
    assert query == {"theme": [str(theme.pk)], "channel": [Channel.PROACTIVE], "title": [theme.title],
                     "description": [theme.problem], "category": [str(theme.category_id)],
                     "district": [str(theme.district_id)]}
    page = client.get(url)
    form = page.context["form"]
    assert form["channel"].value() == Channel.PROACTIVE and form["title"].value() == theme.title
    assert form["description"].value() == theme.problem and form["district"].value() == theme.district_id
    assert form["theme"].value() == theme.pk and page.context["for_theme"] == theme
    assert f"为每月一题「{theme.title}」派发" in page.content.decode()


def _post_from_link(client: Client, theme: Theme, **changes: object):  # noqa: ANN202
    query = parse_qs(urlsplit(proactive.intake_url(theme)).query)
    posted = {k: v[0] for k, v in query.items()} | {
        "request_type": "complaint", "urgency": "normal", "decision": "dispatch"} | changes
    return client.post(reverse("intake"), {k: v for k, v in posted.items() if v is not None})


def test_an_order_raised_through_the_link_belongs_to_its_theme_only(frozen_now: datetime, setting: dict,
                                                                     cast: Cast) -> None:
    theme: Theme = setting["theme"]
    other = services.adopt(actor=UserFactory(role=Role.LEADER), title="路灯不亮", problem="夜间路灯成片不亮",
                           month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30), keywords="路灯")
    # The dispatcher rewrites the prefilled text: no keyword of its own theme is left, another theme's is.
    response = _post_from_link(_as(Role.DISPATCHER), theme, title="幸福路路灯巡查", description="巡查发现幸福路路灯不亮",
                               category=setting["leaf"].pk)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PROACTIVE and "充电" not in ticket.title + ticket.description
    supervisor = UserFactory(role=Role.SUPERVISOR)
    assert proactive.proactive_orders(theme, supervisor).shown == [ticket]
    assert proactive.proactive_orders(other, supervisor).shown == []
    link = ThemeOrder.objects.get()
    assert (link.theme, link.ticket, link.linked_by.role) == (theme, ticket, Role.DISPATCHER)
    registered = ticket.timeline.get(seq=1)
    assert f"未诉先办：每月一题「{theme.title}」" in registered.note and registered.data == {"theme": theme.pk}


def test_the_link_survives_every_prefilled_field_changed(frozen_now: datetime, setting: dict) -> None:
    theme: Theme = setting["theme"]
    elsewhere = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="岳麓区")
    other_leaf = CategoryFactory(name="噪声扰民", parent=CategoryFactory(name="环境保护", parent=CategoryFactory()))
    response = _post_from_link(_as(Role.ADMIN), theme, title="", description="巡查发现工地夜间施工",
                               category=other_leaf.pk, district=elsewhere.pk, decision="register")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.district, ticket.status) == (other_leaf, elsewhere, Status.REGISTERED)
    assert proactive.proactive_orders(theme, UserFactory(role=Role.SUPERVISOR)).shown == [ticket]


def test_linking_is_idempotent_and_refuses_what_does_not_fit(frozen_now: datetime, setting: dict,
                                                            cast: Cast) -> None:
    theme: Theme = setting["theme"]
    ticket = _raise(setting, theme, frozen_now)
    again = services.link_proactive_order(theme, ticket, cast.dispatcher)
    assert ThemeOrder.objects.get() == again
    other = services.adopt(actor=UserFactory(role=Role.LEADER), title="另一专题", problem="p",
                           month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30))
    with pytest.raises(RuleViolation, match="已为每月一题「电动车充电难」派发"):
        services.link_proactive_order(other, ticket, cast.dispatcher)
    citizen = _order(setting, frozen_now)
    with pytest.raises(RuleViolation):
        services.link_proactive_order(theme, citizen, cast.dispatcher)
    services.cancel(other, actor=UserFactory(role=Role.LEADER), reason="不再推进")
    fresh = make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE, caller_phone="")
    with pytest.raises(RuleViolation):
        services.link_proactive_order(other, fresh, cast.dispatcher)
    assert list(ThemeOrder.objects.values_list("theme_id", "ticket_id")) == [(theme.pk, ticket.pk)]


def test_the_link_stays_a_valid_request_for_a_long_problem(setting: dict) -> None:
    theme: Theme = setting["theme"]
    theme.problem = "群众集中反映老旧小区电动自行车充电难、飞线充电存在安全隐患。" * 100
    url = proactive.intake_url(theme)
    assert len(url.encode()) <= proactive.MAX_URL_BYTES
    description = parse_qs(urlsplit(url).query)["description"][0]
    assert description.endswith("…") and theme.problem.startswith(description[:-1])
