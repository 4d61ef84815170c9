"""The 每月一题 pages: who may open them, the steps taken through them, adopting from a hot spot, the effect."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import selectors, services
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.models import Theme
from hotline.hotspots import services as hotspot_services
from hotline.hotspots.models import Hotspot, HotspotMember, HotspotRun
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import (
    SHANGHAI,
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(cast: Cast) -> dict:
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    return {"leader": UserFactory(role=Role.LEADER), "supervisor": cast.supervisor, "admin": UserFactory(role=Role.ADMIN),
            "inspector": cast.inspector, "dispatcher": cast.dispatcher, "intake": cast.intake,
            "lead": cast.lead, "lead_h": cast.lead_handler, "assist": department,
            "assist_h": UserFactory(role=Role.UNIT_HANDLER, units=[department]),
            "other_h": UserFactory(role=Role.UNIT_ADMIN, units=[HandlingUnitFactory()]), "cast": cast}


def _adopt(p: dict, **kw) -> Theme:  # noqa: ANN003
    fields = {"title": "老旧小区电动自行车充电难", "problem": "3月共 46 件诉求", "month": date(2025, 3, 1),
              "lead": p["lead"], "assisting": [p["assist"]], "due_date": date(2025, 5, 31)}
    return services.adopt(actor=p["leader"], **(fields | kw))


def _as(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _page(response) -> str:  # noqa: ANN001
    return response.content.decode()


def _messages(response) -> list[str]:  # noqa: ANN001
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize(("who", "code", "sees"), [
    ("leader", 200, True), ("supervisor", 200, True), ("admin", 200, True), ("inspector", 200, True),
    ("dispatcher", 200, True), ("lead_h", 200, True), ("assist_h", 200, True), ("other_h", 200, False),
    ("intake", 403, False)])
def test_who_sees_the_list_and_a_theme(frozen_now: datetime, people: dict, who: str, code: int, sees: bool) -> None:
    theme = _adopt(people)
    client = _as(people[who])
    response = client.get(reverse("governance"))
    assert response.status_code == code
    assert (theme.title in _page(response)) is sees
    detail = client.get(reverse("governance-detail", args=[theme.pk]))
    assert detail.status_code == (200 if sees else 403 if code == 403 else 404)
    if code == 200:
        assert reverse("governance") in _page(response).split("</nav>")[0]  # the nav link 每月一题


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(reverse("governance"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "code"), [("leader", 200), ("supervisor", 200), ("admin", 200),
                                           ("dispatcher", 403), ("inspector", 403), ("lead_h", 403)])
def test_only_the_centre_adopts(frozen_now: datetime, people: dict, who: str, code: int) -> None:
    assert _as(people[who]).get(reverse("governance-new")).status_code == code


def test_the_list_filters_counts_and_marks_the_overdue(frozen_now: datetime, people: dict, traveller) -> None:  # noqa: ANN001
    march = _adopt(people, title="三月专题", due_date=date(2025, 3, 10))
    _adopt(people, title="二月专题", month=date(2025, 2, 1))
    services.cancel(_adopt(people, title="撤销的专题"), actor=people["leader"], reason="重复立项")
    client = _as(people["supervisor"])
    page = _page(client.get(reverse("governance")))
    assert "三月专题" in page and "二月专题" in page and 'class="tag warn"' not in page
    only_feb = _page(client.get(reverse("governance"), {"month": "2025-02"}))
    assert "二月专题" in only_feb and "三月专题" not in only_feb
    cancelled = client.get(reverse("governance"), {"status": ThemeStatus.CANCELLED})
    assert "撤销的专题" in _page(cancelled) and "三月专题" not in _page(cancelled)
    tabs = {t["label"]: t["count"] for t in cancelled.context["tabs"]}
    assert tabs["全部"] == 3 and tabs["已立项"] == 2 and tabs["已撤销"] == 1
    assert client.get(reverse("governance"), {"month": "三月"}).status_code == 400
    traveller.move_to(datetime(2025, 3, 12, 10, tzinfo=SHANGHAI))
    rows = client.get(reverse("governance")).context["themes"]
    assert [t.overdue for t in rows if t.pk == march.pk] == [True]
    assert f"已逾期 · {people['lead'].name}" in _page(client.get(reverse("governance")))  # names the late party
    assert [t.last_label for t in rows if t.title == "撤销的专题"] == ["撤销立项"]


def test_the_list_takes_the_same_queries_for_more_rows(frozen_now: datetime, people: dict) -> None:
    _adopt(people)
    client = _as(people["lead_h"])
    client.get(reverse("governance"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("governance"))
    for n in range(5):
        services.file_plan(_adopt(people, title=f"专题{n}"), actor=people["lead_h"], plan="方案")
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("governance"))
    assert len(response.context["themes"]) == 6
    assert len(six) == len(one)


def test_the_whole_way_through_the_pages(frozen_now: datetime, people: dict) -> None:
    theme = _adopt(people)
    url = reverse("governance-detail", args=[theme.pk])

    def act(who: str, action: str, **data: str):  # noqa: ANN202
        version = Theme.objects.get(pk=theme.pk).version
        fields = {f"{action}-{k}": v for k, v in data.items()} | {"version": str(version)}
        return _as(people[who]).post(reverse("governance-act", args=[theme.pk, action]), fields, follow=True)

    page = _page(_as(people["lead_h"]).get(url))
    assert f'action="{reverse("governance-act", args=[theme.pk, "plan"])}"' in page
    assert 'name="version" value="1"' in page
    response = act("lead_h", "plan", plan="新建集中充电棚 20 处")
    assert response.redirect_chain == [(url, 302)]
    assert "报送整改方案：已完成" in _messages(response) and "新建集中充电棚 20 处" in _page(response)
    assert act("assist_h", "progress", note="已完成 8 处选址").status_code == 200
    act("lead_h", "report", result="建成 20 处")
    act("supervisor", "send_back", reason="B 小区仍未覆盖")
    act("lead_h", "report", result="B 小区已补建")
    response = act("leader", "accept", note="经现场核查，同意销号")
    theme.refresh_from_db()
    assert theme.status == ThemeStatus.CLOSED and theme.result == "B 小区已补建" and theme.version == 7
    page = _page(response)
    for words in ["已完成 8 处选址", "B 小区仍未覆盖", "经现场核查，同意销号", "退回整改", "验收销号"]:
        assert words in page
    assert "您当前没有可对该专题执行的操作" in page


def test_refused_and_stale_steps(frozen_now: datetime, people: dict) -> None:
    theme = _adopt(people)
    plan = reverse("governance-act", args=[theme.pk, "plan"])
    lead = _as(people["lead_h"])
    assert _as(people["assist_h"]).post(plan, {"plan-plan": "方案", "version": "1"}).status_code == 403
    assert _as(people["other_h"]).post(plan, {"plan-plan": "方案", "version": "1"}).status_code == 404
    assert lead.post(reverse("governance-act", args=[theme.pk, "adopt"]), {"version": "1"}).status_code == 404
    empty = lead.post(plan, {"plan-plan": " ", "version": "1"})
    assert empty.status_code == 400 and Theme.objects.get(pk=theme.pk).version == 1
    services.file_plan(theme, actor=people["lead_h"], plan="方案")  # someone else acted meanwhile
    report = reverse("governance-act", args=[theme.pk, "report"])
    stale = lead.post(report, {"report-result": "结果一", "version": "1"})
    assert stale.status_code == 409 and "专题已被他人处理，请刷新后重试" in _messages(stale)
    assert "结果一" in _page(stale)  # what was typed is kept
    gone = lead.post(plan, {"plan-plan": "又一个方案", "version": "1"})  # the step is no longer offered
    assert gone.status_code == 409 and "又一个方案" in _page(gone)
    assert Theme.objects.get(pk=theme.pk).version == 2
    cancel = _as(people["leader"]).get(reverse("governance-detail", args=[theme.pk]))
    assert 'data-action="cancel"' in _page(cancel).split('id="h-danger"')[1]  # shown apart, as dangerous


def test_adopting_through_the_form(frozen_now: datetime, people: dict) -> None:
    client = _as(people["leader"])
    form = client.get(reverse("governance-new"))
    assert 'value="2025-03"' in _page(form)  # the current month
    data = {"title": "广场舞噪音", "problem": "夜间扰民", "month": "2025-03", "lead": people["lead"].pk,
            "assisting": [people["assist"].pk], "due_date": "2025-04-30", "keywords": "广场舞"}
    response = client.post(reverse("governance-new"), data, follow=True)
    theme = Theme.objects.get()
    assert response.redirect_chain == [(reverse("governance-detail", args=[theme.pk]), 302)]
    assert "已立项：广场舞噪音" in _messages(response)
    assert list(theme.assisting.all()) == [people["assist"]] and theme.month == date(2025, 3, 1)
    past = client.post(reverse("governance-new"), data | {"due_date": "2025-03-01"})
    assert past.status_code == 400 and past.context["form"].errors["due_date"] == ["整改时限不能早于今天"]
    assert _messages(past) == [] and "夜间扰民" in _page(past)  # a field error, what was typed kept
    both = client.post(reverse("governance-new"), data | {"assisting": [people["lead"].pk]})
    assert both.status_code == 400 and Theme.objects.count() == 1


def _hotspot(people: dict) -> tuple[Hotspot, list, object]:
    """A February hot spot of 3 orders: 2 led by the lead street, 1 by the department; mostly one category."""
    cast: Cast = people["cast"]
    other = Cast.build(lead=people["assist"])
    leaf, odd = CategoryFactory(name="充电设施"), CategoryFactory(name="路灯")
    district = cast.lead.parent
    at = datetime(2025, 2, 12, 9, tzinfo=SHANGHAI)
    orders = [make_ticket(Status.DISPATCHED, cast=cast, at=at, category=leaf, district=district),
              make_ticket(Status.DISPATCHED, cast=cast, at=at, category=leaf, district=district),
              make_ticket(Status.DISPATCHED, cast=other, at=at, category=odd)]
    window = hotspot_services.month_window("2025-02")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end,
                                    computed_at=datetime(2025, 3, 4, 10, tzinfo=SHANGHAI))
    spot = Hotspot.objects.create(run=run, rank=1, heat=30.0, title="小区电动车充电难", place="幸福里小区",
                                  first_at=at, last_at=at, orders=3, people=3, weeks_active=4)
    for order in orders:
        HotspotMember.objects.create(hotspot=spot, ticket=order)
    return spot, orders, leaf


def test_adopting_a_hot_spot(frozen_now: datetime, people: dict) -> None:
    spot, orders, leaf = _hotspot(people)
    client = _as(people["leader"])
    monthly = _page(client.get(reverse("hotspots-monthly"), {"month": "2025-02"}))
    new_url = f"{reverse('governance-new')}?hotspot={spot.pk}"
    assert new_url in monthly and "立为每月一题" in monthly
    assert new_url not in _page(_as(people["dispatcher"]).get(reverse("hotspot-detail", args=[spot.pk])))
    response = client.get(new_url)
    initial = response.context["form"].initial
    assert initial["title"] == "小区电动车充电难" and "幸福里小区" in initial["problem"] and "3 件工单" in initial["problem"]
    assert initial["month"] == date(2025, 2, 1) and initial["category"] == leaf.pk
    assert initial["district"] == people["lead"].parent.pk and initial["lead"] == people["lead"].pk
    assert f'name="hotspot" value="{spot.pk}"' in _page(response)
    data = {k: v for k, v in initial.items() if k != "month"} | {"month": "2025-02", "due_date": "2025-04-30"}
    response = client.post(reverse("governance-new"), data, follow=True)
    theme = Theme.objects.get()
    assert theme.hotspot == spot and set(theme.orders.all()) == set(orders) and theme.category == leaf
    page = _page(response)
    assert reverse("hotspot-detail", args=[spot.pk]) in page and orders[0].number in page
    detail_url = reverse("governance-detail", args=[theme.pk])
    assert detail_url in _page(client.get(reverse("hotspots-monthly"), {"month": "2025-02"}))
    assert detail_url in _page(client.get(reverse("hotspot-detail", args=[spot.pk])))
    again = client.get(new_url)  # taken on already: to the theme, not a second one
    assert again.status_code == 302 and again["Location"] == detail_url
    resent = client.post(reverse("governance-new"), data, follow=True)  # the form sent twice: the service refuses
    assert resent.redirect_chain == [(detail_url, 302)] and Theme.objects.count() == 1
    assert "该热点问题已立项为「小区电动车充电难」" in _messages(resent)
    # The lead street's handler sees the theme and its own two orders; the department's order is only counted.
    unit_page = _as(people["lead_h"]).get(detail_url)
    assert [o.pk for o in unit_page.context["orders"]] == [orders[1].pk, orders[0].pk]  # newest first
    assert unit_page.context["hidden_orders"] == 1 and orders[2].number not in _page(unit_page)
    assert reverse("hotspot-detail", args=[spot.pk]) not in _page(unit_page)  # no hot-spot pages for units


def test_a_theme_page_lists_its_newest_orders(frozen_now: datetime, people: dict, monkeypatch) -> None:  # noqa: ANN001
    """At most LINKED_SHOWN of the linked orders, the newest first, with how many there are; the page takes
    the same queries however many orders there are (one more to count them once the list is cut)."""
    monkeypatch.setattr(selectors, "LINKED_SHOWN", 3)
    orders = [make_ticket(Status.DISPATCHED, cast=people["cast"], at=datetime(2025, 2, day, 9, tzinfo=SHANGHAI))
              for day in range(1, 6)]
    theme = _adopt(people, orders=orders[:2])
    client = _as(people["supervisor"])
    detail_url = reverse("governance-detail", args=[theme.pk])
    client.get(detail_url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        response = client.get(detail_url)
    assert [o.pk for o in response.context["orders"]] == [orders[1].pk, orders[0].pk]
    assert "orders-cut" not in _page(response)
    theme.orders.add(*orders[2:])
    with CaptureQueriesContext(connection) as many:
        response = client.get(detail_url)
    assert [o.pk for o in response.context["orders"]] == [orders[4].pk, orders[3].pk, orders[2].pk]
    assert "显示最新的 3 件，共 5 件您可查看的关联工单。" in _page(response) and orders[1].number not in _page(response)
    assert len(many) == len(few) + 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _page(client.get(detail_url))
    assert "Showing the newest 3 of the 5 linked orders you may see." in english


def test_the_effect_table(frozen_now: datetime, people: dict) -> None:
    leaf = CategoryFactory(name="充电设施")
    for month, n in [(12, 3), (1, 2), (2, 4)]:
        for _ in range(n):
            make_ticket(Status.REGISTERED, cast=people["cast"], category=leaf,
                        at=datetime(2025 if month < 12 else 2024, month, 5, 9, tzinfo=SHANGHAI))
    measured = _adopt(people, category=leaf)
    plain = _adopt(people, title="不可衡量")
    client = _as(people["leader"])
    response = client.get(reverse("governance-detail", args=[measured.pk]))
    months = [(m.label, m.orders, m.partial) for m in response.context["effect"].months]
    assert months == [("2024-12", 3, False), ("2025-01", 2, False), ("2025-02", 4, False), ("2025-03", 0, True)]
    page = _page(response)
    assert "基线月均" in page and "3.0" in page and "本月未完" in page and "尚无完整月份" in page
    assert "无法衡量" in _page(client.get(reverse("governance-detail", args=[plain.pk])))


def test_the_pages_in_english(frozen_now: datetime, people: dict) -> None:
    theme = _adopt(people)
    client = _as(people["lead_h"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listing = _page(client.get(reverse("governance")))
    assert "Monthly theme" in listing and "Lead unit" in listing and "Deadline" in listing
    detail = _page(client.get(reverse("governance-detail", args=[theme.pk])))
    assert "File the plan" in detail and "Theme record" in detail and "Not measurable" in detail
    assert "Linked orders" in detail and "Linked order<" not in detail
    assert "整改方案" not in detail and "可执行的操作" not in detail
    assert ThemeAction.PLAN in services.available_actions(theme, people["lead_h"])


def test_the_admin_only_shows(frozen_now: datetime, people: dict) -> None:
    theme = _adopt(people)
    client = _as(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:governance_theme_changelist")).status_code == 200
    change = client.get(reverse("admin:governance_theme_change", args=[theme.pk]))
    assert change.status_code == 200 and theme.title in _page(change)
    assert client.get(reverse("admin:governance_theme_add")).status_code == 403


def _recompute(spot: Hotspot, keep: int | None = None, extra: list | None = None) -> Hotspot:
    """What `hotspots.services.compute` does to a window: its run and hot spots are replaced by new rows
    (a theme's link becomes NULL); the new spot has the first `keep` of the old orders and `extra`."""
    members = sorted(spot.members.values_list("ticket_id", flat=True))[:keep]
    old = spot.run
    HotspotRun.objects.filter(pk=old.pk).delete()
    run = HotspotRun.objects.create(kind=old.kind, start=old.start, end=old.end, computed_at=old.computed_at)
    new = Hotspot.objects.create(run=run, rank=1, heat=31.0, title=spot.title, place=spot.place, first_at=spot.first_at,
                                 last_at=spot.last_at, orders=len(members) + len(extra or []), people=3, weeks_active=4)
    for ticket_id in [*members, *(o.pk for o in extra or [])]:
        HotspotMember.objects.create(hotspot=new, ticket_id=ticket_id)
    return new


def test_a_recomputed_hot_spot_stays_taken_on(frozen_now: datetime, people: dict) -> None:
    """Matching by member orders: the same problem, computed again, is 已立项 and cannot be adopted twice."""
    spot, orders, leaf = _hotspot(people)
    theme = services.adopt(actor=people["leader"], title="充电难专题", problem="p", month=date(2025, 2, 1),
                           lead=people["lead"], due_date=date(2025, 4, 30), hotspot=spot, orders=orders)
    assert (theme.source_title, theme.source_window) == ("小区电动车充电难", "2025-02")
    newcomer = make_ticket(Status.DISPATCHED, cast=people["cast"], at=datetime(2025, 2, 20, 9, tzinfo=SHANGHAI))
    again = _recompute(spot, keep=2, extra=[newcomer])  # 2 of its 3 orders are the theme's
    theme.refresh_from_db()
    assert theme.hotspot is None and theme.source_title == "小区电动车充电难"
    client = _as(people["leader"])
    detail_url = reverse("governance-detail", args=[theme.pk])
    monthly = _page(client.get(reverse("hotspots-monthly"), {"month": "2025-02"}))
    assert detail_url in monthly and f"?hotspot={again.pk}" not in monthly
    assert detail_url in _page(client.get(reverse("hotspot-detail", args=[again.pk])))
    adopt_again = client.get(f"{reverse('governance-new')}?hotspot={again.pk}")
    assert adopt_again.status_code == 302 and adopt_again["Location"] == detail_url
    page = _page(client.get(detail_url))  # the source is still shown, without a link
    source = page.split('class="source"')[1].split("</dd>")[0]
    assert "小区电动车充电难" in source and "2025-02" in source and "热点已重新计算" in source and "href" not in source
    # Less than half its orders taken on: a different problem, offered for adoption.
    mostly_new = _recompute(again, keep=1, extra=[make_ticket(Status.DISPATCHED, cast=people["cast"]) for _ in range(2)])
    assert f"?hotspot={mostly_new.pk}" in _page(client.get(reverse("hotspots-monthly"), {"month": "2025-02"}))
    # A cancelled theme does not count.
    services.cancel(theme, actor=people["leader"], reason="重复")
    assert selectors.themes_of_hotspots({again.pk: orders}) == {}


def test_matching_takes_one_query(frozen_now: datetime, people: dict) -> None:
    spot, orders, _leaf = _hotspot(people)
    theme = services.adopt(actor=people["leader"], title="t", problem="p", month=date(2025, 2, 1),
                           lead=people["lead"], due_date=date(2025, 4, 30), orders=orders[:2])
    other = services.adopt(actor=people["leader"], title="t2", problem="p", month=date(2025, 2, 1),
                           lead=people["lead"], due_date=date(2025, 4, 30), orders=orders[2:])
    members = {1: [o.pk for o in orders], 2: [orders[2].pk], 3: [orders[0].pk, 999_999, 999_998], 4: []}
    with CaptureQueriesContext(connection) as queries:
        found = selectors.themes_of_hotspots(members)
    assert len(queries) == 1
    assert {k: v.pk for k, v in found.items()} == {1: theme.pk, 2: other.pk}  # 3: one of three; 4: no orders


def test_adopting_when_the_hot_spot_was_recomputed_meanwhile(frozen_now: datetime, people: dict) -> None:
    """The form was shown, then the window was recomputed: nothing typed is lost, the theme keeps the orders."""
    spot, orders, leaf = _hotspot(people)
    client = _as(people["leader"])
    initial = client.get(f"{reverse('governance-new')}?hotspot={spot.pk}").context["form"].initial
    data = ({k: v for k, v in initial.items() if k != "month"}
            | {"month": "2025-02", "due_date": "2025-04-30", "title": "我改过的标题"})
    _recompute(spot, keep=1)  # the old row is gone
    invalid = client.post(reverse("governance-new"), data | {"lead": ""})
    assert invalid.status_code == 400 and "我改过的标题" in _page(invalid) and "来源热点已被重新计算" in _page(invalid)
    response = client.post(reverse("governance-new"), data, follow=True)
    theme = Theme.objects.get()
    assert response.redirect_chain == [(reverse("governance-detail", args=[theme.pk]), 302)]
    assert theme.title == "我改过的标题" and theme.hotspot is None and set(theme.orders.all()) == set(orders)
    assert (theme.source_title, theme.source_window, theme.category) == ("小区电动车充电难", "2025-02", leaf)
    assert any("来源热点已被重新计算" in m for m in _messages(response))
    twice = client.post(reverse("governance-new"), data)  # sent again: the orders are taken on already
    assert twice.status_code == 302 and Theme.objects.count() == 1


def test_the_prefill_breaks_ties(frozen_now: datetime, people: dict) -> None:
    """No strict majority: the category all orders fall under, else 不限; no district, no lead on a tie."""
    cast: Cast = people["cast"]
    parent = CategoryFactory(name="城乡建设")
    one, two = CategoryFactory(name="充电设施", parent=parent), CategoryFactory(name="停车管理", parent=parent)
    elsewhere = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    at = datetime(2025, 2, 12, 9, tzinfo=SHANGHAI)
    orders = [make_ticket(Status.DISPATCHED, cast=cast, at=at, category=one, district=cast.lead.parent),
              make_ticket(Status.DISPATCHED, cast=Cast.build(lead=people["assist"]), at=at, category=two,
                          district=elsewhere)]
    window = hotspot_services.month_window("2025-02")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end,
                                    computed_at=datetime(2025, 3, 4, 10, tzinfo=SHANGHAI))
    spot = Hotspot.objects.create(run=run, rank=1, heat=9.0, title="幸福里小区电动车充电难", place="幸福里小区",
                                  first_at=at, last_at=at, orders=2, people=2, weeks_active=2)
    for order in orders:
        HotspotMember.objects.create(hotspot=spot, ticket=order)
    initial = selectors.prefill_from_hotspot(spot).initial
    assert initial["category"] == parent.pk and "district" not in initial and "lead" not in initial
    assert initial["keywords"] == "电动车 充电" and initial["source_window"] == "2025-02"
    orders[1].category = CategoryFactory(name="交通")  # no common parent: 不限
    orders[1].save(update_fields=["category"])
    assert "category" not in selectors.prefill_from_hotspot(spot).initial


def test_the_list_tells_who_acts_next(frozen_now: datetime, people: dict, traveller) -> None:  # noqa: ANN001
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    adopted = _adopt(people, title="甲专题", due_date=date(2025, 3, 20))
    working = services.file_plan(_adopt(people, title="乙专题", due_date=date(2025, 3, 6)), actor=people["lead_h"],
                                 plan="方案")
    reported = services.report_done(
        services.file_plan(_adopt(people, title="丙专题", due_date=date(2025, 3, 5)), actor=people["lead_h"],
                           plan="方案"), actor=people["lead_h"], result="结果")
    late = services.report_done(
        services.file_plan(_adopt(people, title="丁专题", due_date=date(2025, 3, 5)), actor=people["lead_h"],
                           plan="方案"), actor=people["lead_h"], result="结果")
    elsewhere = _adopt(people, title="戊专题", lead=other, assisting=[people["lead"]], due_date=date(2025, 4, 30))
    services.cancel(_adopt(people, title="己专题"), actor=people["leader"], reason="重复")
    traveller.move_to(datetime(2025, 3, 10, 10, tzinfo=SHANGHAI))
    services.accept(late, actor=people["leader"], note="同意")
    client = _as(people["supervisor"])
    response = client.get(reverse("governance"))
    rows = {t.title: t for t in response.context["themes"]}
    assert rows["甲专题"].next_party == people["lead"].name and rows["丙专题"].next_party == "热线中心"
    assert rows["丁专题"].next_party == "" and rows["丁专题"].closed_late
    assert [rows[t].overdue for t in ["甲专题", "乙专题", "丙专题", "丁专题"]] == [False, True, True, False]
    page = _page(response)
    assert "已逾期 · 热线中心" in page and f"已逾期 · {people['lead'].name}" in page and "逾期销号" in page
    tabs = {t["label"]: t["count"] for t in response.context["tabs"]}
    assert tabs["已逾期"] == 2 and "本单位待办" not in tabs
    overdue = client.get(reverse("governance"), {"status": "overdue"}).context["themes"]
    assert [t.title for t in overdue] == ["丙专题", "乙专题"]  # by deadline, soonest first
    open_tab = client.get(reverse("governance"), {"status": ThemeStatus.ADOPTED}).context["themes"]
    assert [t.title for t in open_tab] == ["甲专题", "戊专题"]
    by_month = client.get(reverse("governance"), {"status": ThemeStatus.ADOPTED, "sort": "month"}).context["themes"]
    assert [t.title for t in by_month] == ["戊专题", "甲专题"]  # the same month: latest first
    led = client.get(reverse("governance"), {"lead": other.pk})
    assert [t.title for t in led.context["themes"]] == ["戊专题"]
    assert {t["label"]: t["count"] for t in led.context["tabs"]}["全部"] == 1
    assert [u.pk for u in led.context["leads"]] == sorted([people["lead"].pk, other.pk],
                                                         key=lambda pk: people["lead"].path if pk == people["lead"].pk
                                                         else other.path)
    # Unit staff: whether their unit leads or assists, and their own to do.
    lead_view = _as(people["lead_h"]).get(reverse("governance"))
    roles = {t.title: t.own_role for t in lead_view.context["themes"]}
    assert roles["甲专题"] == "lead" and roles["戊专题"] == "assist"
    assert {t["label"]: t["count"] for t in lead_view.context["tabs"]}["本单位待办"] == 2
    mine = _as(people["lead_h"]).get(reverse("governance"), {"status": "mine"}).context["themes"]
    assert [t.title for t in mine] == ["乙专题", "甲专题"]
    assert _as(people["assist_h"]).get(reverse("governance"), {"status": "mine"}).context["themes"] == []
    detail = _page(_as(people["lead_h"]).get(reverse("governance-detail", args=[elsewhere.pk])))
    assert "本单位" in detail and detail.split('class="own-role">')[1].startswith("配合")
    cancelled = _page(client.get(reverse("governance-detail", args=[Theme.objects.get(title="己专题").pk])))
    assert "撤销时间" in cancelled and "销号时间" not in cancelled
    assert "逾期销号" in _page(client.get(reverse("governance-detail", args=[late.pk])))
    assert adopted.pk and working.pk and reported.pk


def test_adjusting_through_the_page(frozen_now: datetime, people: dict) -> None:
    theme = _adopt(people)
    url = reverse("governance-act", args=[theme.pk, "adjust"])
    client = _as(people["supervisor"])
    page = _page(client.get(reverse("governance-detail", args=[theme.pk])))
    form = page.split('data-action="adjust"')[1].split("</details>")[0]
    assert 'name="adjust-due_date" value="2025-05-31"' in form and "调整理由" in form
    data = {"adjust-due_date": "2025-06-30", "adjust-lead": people["lead"].pk, "adjust-assisting": [],
            "version": "1", "adjust-reason": "配合单位职责调整"}
    no_reason = client.post(url, data | {"adjust-reason": ""})
    assert no_reason.status_code == 400 and "adjust-reason" in _page(no_reason)
    past = client.post(url, data | {"adjust-due_date": "2025-03-01"})
    assert past.status_code == 400 and past.context["steps"][0][1].errors["due_date"] == ["整改时限不能早于今天"]
    response = client.post(url, data, follow=True)
    theme.refresh_from_db()
    assert theme.due_date == date(2025, 6, 30) and list(theme.assisting.all()) == []
    assert theme.status == ThemeStatus.ADOPTED and "调整：已完成" in _messages(response)
    assert "整改时限：2025-05-31 → 2025-06-30" in _page(response) and "理由：配合单位职责调整" in _page(response)
    assert _as(people["lead_h"]).post(url, data | {"version": "2"}).status_code == 403


def test_two_units_report_progress_from_one_page(frozen_now: datetime, people: dict) -> None:
    theme = services.file_plan(_adopt(people), actor=people["lead_h"], plan="方案")
    url = reverse("governance-act", args=[theme.pk, "progress"])
    for who in ["lead_h", "assist_h"]:  # both pages show version 2
        response = _as(people[who]).post(url, {"progress-note": f"{who} 的进展", "version": "2"})
        assert response.status_code == 302, who
    assert Theme.objects.get(pk=theme.pk).events.filter(action=ThemeAction.PROGRESS).count() == 2


def test_a_short_baseline_on_the_page(frozen_now: datetime, people: dict) -> None:
    leaf = CategoryFactory(name="充电设施")
    make_ticket(Status.REGISTERED, cast=people["cast"], category=leaf, at=datetime(2025, 1, 15, 9, tzinfo=SHANGHAI))
    page = _page(_as(people["leader"]).get(reverse("governance-detail", args=[_adopt(people, category=leaf).pk])))
    assert "基线不足" in page and "数据起始月，不完整" in page and "2024-12" not in page


def test_the_hot_spot_pages_in_english(frozen_now: datetime, people: dict) -> None:
    spot, _orders, _leaf = _hotspot(people)
    client = _as(people["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    monthly = _page(client.get(reverse("hotspots-monthly"), {"month": "2025-02"}))
    assert "Monthly theme candidates" in monthly and "Problem-of-the-month" not in monthly
