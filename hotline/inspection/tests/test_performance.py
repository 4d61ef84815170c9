"""The monthly agent table (坐席绩效月报) on a small February built by hand: every column, who is a row, the
centre's line, the agent's own block, the CSV, a bad month, who may see it, the query count, zh and en."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.calls.ingest import ingest
from hotline.calls.models import Agent, PbxSource
from hotline.core import clock
from hotline.dataio.models import ImportedRecord
from hotline.inspection.choices import Decision
from hotline.inspection.models import Criterion, Inspection, InspectionSettings
from hotline.inspection.performance import COLUMN_OF, Line, monthly_performance
from hotline.inspection.sampling import draw_sample
from hotline.inspection.selectors import DECISIONS
from hotline.inspection.services import Entry, inspect
from hotline.inspection.tests.conftest import FEBRUARY, IN_FEBRUARY, order
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import SHANGHAI, Cast, CategoryFactory, HandlingUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE, MINE = reverse("inspection-performance"), reverse("inspection-mine")
CJK = re.compile(r"[\u4e00-\u9fff]")
#: The day of February the calls are on.
CALL_DAY = datetime(2025, 2, 12, 9, 0, tzinfo=SHANGHAI)


def _at(minute: float, second: float = 0) -> str:
    return (CALL_DAY + timedelta(minutes=minute, seconds=second)).isoformat()


def _ev(event_id: str, kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "at": when, **fields}


def _calls() -> list[dict[str, Any]]:
    """8001 and 8003 are agent A's, 8002 is agent C's.

    8001: logged in 09:00–09:30, one call: talk 200 s, wrap-up 40 s.
    8003: logged in 09:00–09:10, one call: talk 100 s, wrap-up 20 s.
    8002: logged in 09:00–09:40, not ready 09:20–09:30, one call: talk 60 s, no wrap-up."""
    e = [_ev("a1", "agent.login", _at(0), agent="8001"), _ev("a9", "agent.logout", _at(30), agent="8001"),
         _ev("b1", "agent.login", _at(0), agent="8003"), _ev("b9", "agent.logout", _at(10), agent="8003"),
         _ev("c1", "agent.login", _at(0), agent="8002"), _ev("c2", "agent.not_ready", _at(20), agent="8002"),
         _ev("c3", "agent.ready", _at(30), agent="8002"), _ev("c9", "agent.logout", _at(40), agent="8002")]
    e += [_ev("k1q", "call.queued", _at(1), call_id="k1", caller="13800000001"),
          _ev("k1a", "call.answered", _at(1, 10), call_id="k1", agent="8001"),
          _ev("k1e", "call.ended", _at(4, 30), call_id="k1", agent="8001"),
          _ev("k1w", "agent.wrapup", _at(4, 30), agent="8001"), _ev("k1r", "agent.ready", _at(5, 10), agent="8001")]
    e += [_ev("k2q", "call.queued", _at(2), call_id="k2", caller="13800000002"),
          _ev("k2a", "call.answered", _at(2, 30), call_id="k2", agent="8003"),
          _ev("k2e", "call.ended", _at(4, 10), call_id="k2", agent="8003"),
          _ev("k2w", "agent.wrapup", _at(4, 10), agent="8003"), _ev("k2r", "agent.ready", _at(4, 30), agent="8003")]
    e += [_ev("k3q", "call.queued", _at(5), call_id="k3", caller="13800000003"),
          _ev("k3a", "call.answered", _at(5, 15), call_id="k3", agent="8002"),
          _ev("k3e", "call.ended", _at(6, 15), call_id="k3", agent="8002")]
    return e


def _map_extensions(**users: User) -> None:
    for extension, user in users.items():
        Agent.objects.filter(extension=extension.removeprefix("x")).update(user=user)


def _score(ticket: Ticket, points: int, inspector: User, criteria: dict[str, Criterion]) -> None:
    deductions = [Entry(criteria["ELEMENTS"], points, "诉求要素不全")] if points else []
    inspect(Inspection.objects.get(ticket=ticket), deductions, "注意标题", inspector)


@pytest.fixture
def month_built(criteria: dict[str, Criterion], cast: Cast, frozen_now: datetime) -> dict[str, Any]:
    """February: agent A (cast.intake) registers six citizens' orders (two direct answers, one sent on, one
    transfer, one refusal, one undecided) plus a proactive, an imported and a January one; agent B two sent on
    (no extension); agent C only answers a call; a dispatcher and an API key's service user register one
    order each; A records a chase and a supplement (and one more chase in March)."""
    a, b_cast = cast.intake, Cast.build(lead=cast.lead)
    b, c = b_cast.intake, UserFactory(role=Role.INTAKE, display_name="丙坐席")
    a.display_name, b.display_name = "甲坐席", "乙坐席"
    User.objects.filter(pk=a.pk).update(display_name="甲坐席")
    User.objects.filter(pk=b.pk).update(display_name="乙坐席")
    direct = [order(cast, Status.ANSWERED), order(cast, Status.ANSWERED)]
    sent = order(cast, Status.PENDING_DISPATCH)
    for status in (Status.TRANSFERRED, Status.NOT_ACCEPTED, Status.REGISTERED):
        order(cast, status)
    order(cast, channel=Channel.PROACTIVE, description="巡查发现井盖缺失")
    imported = order(cast)
    ImportedRecord.objects.create(ticket=imported, source="test", external_id="1", line=2)
    order(cast, at=datetime(2025, 1, 31, 23, 0, tzinfo=SHANGHAI))
    b_open = order(b_cast, Status.DISPATCHED)
    b_sent = order(b_cast, Status.PENDING_DISPATCH)
    order(Cast.build(intake=cast.dispatcher, lead=cast.lead))  # a dispatcher registered it: not a row
    from hotline.api.keys import create_key

    key, _raw = create_key("wechat-bridge", ["create"])
    bot = key.intake_user or key.user
    by_bot = order(cast)
    Ticket.objects.filter(pk=by_bot.pk).update(registered_by=bot)
    with clock.frozen(IN_FEBRUARY + timedelta(days=1)):
        services.chase(b_open, actor=a, note="已告知群众办理进度")
        services.supplement(Ticket.objects.get(pk=b_open.pk), actor=a, text="群众补充：路灯在小区东门")
        services.chase(Ticket.objects.get(pk=b_open.pk), actor=bot, note="接口记录")
    services.chase(Ticket.objects.get(pk=b_open.pk), actor=a, note="三月再次催办")  # March: not counted
    # 工单更正: the dispatcher corrects the category of A's order sent on (被更正 for A); A corrects their own
    # undecided order and the dispatcher only the title of B's (neither counts).
    leaf = CategoryFactory(name="物业", parent=CategoryFactory(name="住房", parent=CategoryFactory(name="城乡建设")))
    services.correct(sent, actor=cast.dispatcher, reason="实为物业问题", category=leaf)
    own = Ticket.objects.get(registered_by=a, status=Status.REGISTERED, registered_at=IN_FEBRUARY,
                             channel=Channel.PHONE, imported_from__isnull=True)
    services.correct(own, actor=a, reason="自行更正", category=leaf)
    services.correct(Ticket.objects.get(pk=b_open.pk), actor=cast.dispatcher, reason="标题", title="路灯不亮")
    ingest(PbxSource.objects.create(key="pbx", name="pbx", secret="x"), _calls())
    _map_extensions(x8001=a, x8003=a, x8002=c)
    InspectionSettings.objects.update_or_create(pk=1, defaults={"minimum_per_agent": 100})  # every order sampled:
    draw_sample(FEBRUARY, actor=cast.inspector)  # the random pick depends on ids, which differ between databases
    _score(direct[0], 5, cast.inspector, criteria)
    _score(sent, 20, cast.inspector, criteria)
    _score(b_sent, 0, cast.inspector, criteria)
    return {"a": a, "b": b, "c": c, "bot": bot, "dispatcher": cast.dispatcher, "cast": cast}


def _by_name(table: Any) -> dict[str, Line]:
    return {row.name: row for row in table.rows}


def test_every_column_on_a_month_built_by_hand(month_built: dict[str, Any]) -> None:
    table = monthly_performance(FEBRUARY)
    rows = _by_name(table)
    assert [r.name for r in table.rows] == ["甲坐席", "乙坐席", "丙坐席"]  # by 受理量, most first
    a, b, c = rows["甲坐席"], rows["乙坐席"], rows["丙坐席"]
    assert (a.orders, a.direct, a.dispatch, a.transfer, a.refused, a.undecided) == (6, 2, 1, 1, 1, 1)
    assert a.direct_share == pytest.approx(2 / 6)
    assert (a.chases, a.supplements) == (1, 1)  # the March chase is another month's
    # Two extensions added up: (240 + 120) / 2 s; busy 360 s of 1800 + 600 s available.
    assert a.calls == 2 and a.aht == pytest.approx(180.0) and a.occupancy == pytest.approx(360 / 2400)
    assert (a.scored, a.average) == (2, 87.5)  # 95 and 80
    assert (a.corrected, b.corrected, c.corrected) == (1, 0, 0)  # only someone else's category or place change
    assert (b.orders, b.dispatch, b.direct, b.direct_share) == (2, 2, 0, 0.0)
    assert b.calls is None and b.aht is None and b.occupancy is None  # no extension: blank, not zero
    assert (b.scored, b.average) == (1, 100.0)
    # C only answered a call: 60 s; 40 min logged in, 10 of them not ready.
    assert (c.orders, c.calls, c.aht, c.direct_share) == (0, 1, 60.0, None)
    assert c.occupancy == pytest.approx(60 / 1800)
    centre = table.centre
    assert (centre.orders, centre.direct, centre.dispatch, centre.calls, centre.chases, centre.scored) == (
        8, 2, 3, 3, 1, 3)
    assert centre.direct_share == 0.25 and centre.aht == pytest.approx(140.0)  # (360 + 60) / 3
    assert centre.occupancy == pytest.approx(420 / 4200) and centre.average == pytest.approx(91.7)


def test_dispatchers_service_accounts_and_other_months_are_not_rows(month_built: dict[str, Any]) -> None:
    people = {row.agent for row in monthly_performance(FEBRUARY).rows}
    assert month_built["dispatcher"] not in people and month_built["bot"] not in people
    from hotline.kpis.periods import month

    assert monthly_performance(month(2025, 1)).rows[0].agent == month_built["a"]  # the January order
    assert [r.orders for r in monthly_performance(month(2025, 1)).rows] == [1]


def test_every_first_decision_has_its_column() -> None:
    assert set(COLUMN_OF) == set(DECISIONS)
    assert {COLUMN_OF[a] for a in (Action.SEND_TO_DISPATCH, Action.DISPATCH, Action.DESIGNATE, Action.CONSULT)} == {
        "dispatch"}
    assert all(COLUMN_OF[a] == "dispatch" for a, kind in DECISIONS.items() if kind == Decision.DISPATCH)


def test_the_query_count_does_not_grow_with_agents_and_orders(month_built: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as small:
        monthly_performance(FEBRUARY)
    for _ in range(3):
        more = Cast.build(lead=month_built["cast"].lead)
        order(more, Status.ANSWERED)
        order(more, Status.PENDING_DISPATCH)
    with CaptureQueriesContext(connection) as large:
        table = monthly_performance(FEBRUARY)
    assert len(table.rows) == 6
    assert len(large.captured_queries) == len(small.captured_queries) == 8


def _client(user: User, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
def test_the_page_for_the_centres_quality_staff(month_built: dict[str, Any], role: str) -> None:
    page = _client(UserFactory(role=role)).get(PAGE + "?month=2025-02")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲坐席" in html and "乙坐席" in html and "丙坐席" in html and "全中心" in html
    assert "33.3%" in html and "15.0%" in html and "87.5" in html
    assert month_built["dispatcher"].display_name not in html


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.UNIT_HANDLER, Role.UNIT_ADMIN, Role.INTAKE])
def test_everyone_else_gets_403(db: None, role: str) -> None:
    units = [HandlingUnitFactory()] if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else None
    client = _client(UserFactory(role=role, units=units))
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "?format=csv").status_code == 403


def test_the_default_is_last_month_and_a_bad_month_gets_a_message(month_built: dict[str, Any]) -> None:
    client = _client(month_built["cast"].supervisor)
    assert "甲坐席" in client.get(PAGE).content.decode()  # the clock is in March: February
    for bad in ("2025-13", "2025/02", "abc", "1999-01"):
        page = client.get(PAGE, {"month": bad})
        assert page.status_code == 200
        html = page.content.decode()
        assert "error-summary" in html and "2025-02" in html and "甲坐席" in html
        assert client.get(PAGE, {"month": bad, "format": "csv"}).status_code == 400
    assert client.get(PAGE, {"month": "2025-02", "format": "xls"}).status_code == 200  # named, not applied


def _csv(response: Any) -> list[list[str]]:
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def test_the_csv_is_the_same_table_with_names_defused(month_built: dict[str, Any]) -> None:
    User.objects.filter(pk=month_built["b"].pk).update(display_name="=HYPERLINK(1)")
    response = _client(UserFactory(role=Role.LEADER)).get(PAGE, {"month": "2025-02", "format": "csv"})
    assert response.status_code == 200 and "agent-performance-2025-02" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:3] == ["受理员", "接听来电", "受理量"] and len(header) == 16
    a = dict(zip(header, rows[0], strict=True))
    assert a["受理员"] == "甲坐席" and a["接听来电"] == "2" and a["直接答复率"] == "33.3%"
    assert a["平均处理时长（秒）"] == "180" and a["占用率"] == "15.0%" and a["质检平均分"] == "87.5"
    assert a["被更正"] == "1"
    b = dict(zip(header, rows[1], strict=True))
    assert b["受理员"] == "'=HYPERLINK(1)" and b["接听来电"] == "" and b["占用率"] == ""
    assert rows[-1][0] == "全中心" and rows[-1][2] == "8"


def test_an_agent_sees_their_own_line_on_their_results_page(month_built: dict[str, Any]) -> None:
    html = _client(month_built["a"]).get(MINE).content.decode()
    assert "上月我的绩效" in html and "2025-02" in html
    assert "33.3%" in html and "15.0%" in html and "87.5" in html
    assert "乙坐席" not in html and "全中心" not in html
    b = _client(month_built["b"]).get(MINE).content.decode()
    assert "100.0" in b and "33.3%" not in b
    idle = _client(UserFactory(role=Role.INTAKE)).get(MINE).content.decode()
    assert "上月没有您的受理或接听记录" in idle
    inspector = _client(month_built["cast"].inspector).get(MINE).content.decode()
    assert "上月我的绩效" not in inspector


def test_the_tabs_link_it(month_built: dict[str, Any]) -> None:
    client = _client(month_built["cast"].inspector)
    for url in (reverse("inspection-list"), reverse("inspection-report")):
        assert PAGE in client.get(url).content.decode()


def test_english(month_built: dict[str, Any]) -> None:
    client = _client(month_built["cast"].supervisor, "en")
    html = client.get(PAGE + "?month=2025-02").content.decode()
    assert "Agent performance" in html and "Orders registered" in html and "Direct-answer rate" in html
    assert "Sent on" in html and "Whole centre" in html
    head = html.split("<tbody>")[0]
    assert not CJK.search(head.split("<h1>")[1]), "the headings are translated"
    header, *_rows = _csv(client.get(PAGE, {"month": "2025-02", "format": "csv"}))
    assert header[:3] == ["Intake agent", "Calls answered", "Orders registered"] and not CJK.search(",".join(header))
    mine = _client(month_built["a"], "en").get(MINE).content.decode()
    assert "My performance last month (2025-02)" in mine


def test_an_extension_without_call_data_shows_blank_calls_and_a_logged_in_one_zero(
        month_built: dict[str, Any]) -> None:
    b = month_built["b"]
    Agent.objects.create(extension="8009", user=b)  # mapped, but no call and no login in February
    row = _by_name(monthly_performance(FEBRUARY))["乙坐席"]
    assert (row.calls, row.aht, row.occupancy) == (None, None, None)  # no data: blank, like no extension
    html = _client(month_built["cast"].supervisor).get(PAGE + "?month=2025-02").content.decode()
    line = html.split("乙坐席</th>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="n">([^<]*)</td>', line)[0] == "—"
    source = PbxSource.objects.get(key="pbx")
    ingest(source, [_ev("d1", "agent.login", _at(50), agent="8009"), _ev("d9", "agent.logout", _at(70), agent="8009")])
    row = _by_name(monthly_performance(FEBRUARY))["乙坐席"]
    assert (row.calls, row.aht, row.occupancy) == (0, None, 0.0)  # logged in, no calls: 0
    assert monthly_performance(FEBRUARY).centre.calls == 3
