"""The inspection pages: who sees what (403 / 404), the list's filters and draw button, the checklist form
(typed input kept on refusal), appeals and decisions, the monthly table and its CSV, in Chinese and English."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.inspection.choices import InspectionStatus
from hotline.inspection.models import Criterion, Inspection, InspectionSettings
from hotline.inspection.services import Entry, appeal, inspect
from hotline.inspection.tests.conftest import order
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST, MINE, REPORT = reverse("inspection-list"), reverse("inspection-mine"), reverse("inspection-report")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _page(inspection: Inspection) -> str:
    return reverse("inspection-detail", args=[inspection.pk])


@pytest.fixture
def scored(sampled: Inspection, criteria: dict[str, Criterion]) -> Inspection:
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题未概括地点")], "注意标题", sampled.cast.inspector)
    row.cast = sampled.cast  # type: ignore[attr-defined]
    return row


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
def test_the_centres_quality_staff_see_every_page(client: Client, sampled: Inspection, role: str) -> None:
    _as(client, UserFactory(role=role))
    for url in (LIST, _page(sampled), REPORT + "?month=2025-02"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert sampled.ticket.number in client.get(LIST).content.decode()


def test_an_agent_sees_only_their_own_scored_inspections(client: Client, sampled: Inspection,
                                                         criteria: dict[str, Criterion]) -> None:
    _as(client, sampled.agent)
    assert client.get(LIST).url == MINE
    assert client.get(_page(sampled)).status_code == 404  # not scored yet
    assert sampled.ticket.number not in client.get(MINE).content.decode()
    assert client.get(REPORT).status_code == 403
    inspect(sampled, [], "记录规范", sampled.cast.inspector)
    mine = client.get(MINE).content.decode()
    assert sampled.ticket.number in mine and "#appeal" in mine
    assert client.get(_page(sampled)).status_code == 200
    _as(client, UserFactory(role=Role.INTAKE))
    assert client.get(_page(sampled)).status_code == 404


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_everyone_else_gets_403(client: Client, sampled: Inspection, role: str) -> None:
    units = [HandlingUnitFactory()] if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else None
    _as(client, UserFactory(role=role, units=units))
    for url in (LIST, MINE, REPORT, _page(sampled)):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("inspection-draw"), {"month": "2025-02"}).status_code == 403


def test_bad_filters_get_a_message_and_are_not_applied(client: Client, sampled: Inspection) -> None:
    _as(client, sampled.cast.inspector)
    response = client.get(LIST, {"month": "2025-13", "status": "nonsense", "agent": "abc", "reason": "random"})
    text = response.content.decode()
    assert response.status_code == 200 and "以下筛选条件无效" in text
    assert "月份无效" in text and "没有这个受理员" in text and sampled.ticket.number in text
    assert sampled.ticket.number not in client.get(LIST, {"status": InspectionStatus.INSPECTED}).content.decode()
    assert sampled.ticket.number in client.get(LIST, {"month": "2025-02", "agent": sampled.agent.pk}).content.decode()


def test_the_draw_button_draws_and_says_so(client: Client, criteria: Any, cast: Any, frozen_now: datetime) -> None:
    order(cast)
    _as(client, cast.inspector)
    page = client.get(LIST).content.decode()
    assert 'name="month" value="2025-02"' in page and "抽取样本</button>" in page  # the last full month
    client.cookies["django_language"] = "en"
    assert "Draw sample</button>" in client.get(LIST).content.decode()  # the button, not the log's "Sample drawn"
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("inspection-draw"), {"month": "2025-02"}, follow=True)
    assert "新增 1 件" in response.content.decode() and Inspection.objects.count() == 1
    response = client.post(reverse("inspection-draw"), {"month": "2025-03"}, follow=True)
    assert "本月未结束，仅抽取定向样本；随机样本在月末后抽取" in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("inspection-draw"), {"month": "2025-03"}, follow=True)
    assert "intake agents). The month is not over: only targeted picks" in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("inspection-draw"), {"month": "March"}, follow=True)
    assert "月份格式应为" in response.content.decode()
    _as(client, cast.supervisor)
    assert client.post(reverse("inspection-draw"), {"month": "2025-02"}).status_code == 403


def test_the_checklist_form_scores_and_keeps_typed_input_when_refused(client: Client, sampled: Inspection,
                                                                      criteria: dict[str, Criterion]) -> None:
    _as(client, sampled.cast.inspector)
    page = client.get(_page(sampled)).content.decode()
    assert f'name="points_{criteria["TITLE"].pk}"' in page and f'name="points_{criteria["ANSWER"].pk}"' not in page
    title, address = criteria["TITLE"].pk, criteria["ADDRESS"].pk
    posted = {"action": "inspect", "version": "1", f"points_{title}": "4", f"note_{title}": "标题太长",
              f"points_{address}": "8", f"note_{address}": "", "comment": "请注意地址"}
    response = client.post(_page(sampled), posted)
    text = response.content.decode()
    assert response.status_code == 400 and "请写明扣分说明" in text
    assert 'value="标题太长"' in text and 'value="8"' in text and "请注意地址" in text
    response = client.post(_page(sampled), {**posted, f"points_{address}": "x"})
    assert response.status_code == 400 and "须为 0 至 15 的整数" in response.content.decode()
    assert Inspection.objects.get().status == InspectionStatus.PENDING
    response = client.post(_page(sampled), {**posted, f"note_{address}": "只写了路名"})
    assert response.status_code == 302
    assert Inspection.objects.get().score == 88
    response = client.post(_page(sampled), {**posted, f"note_{address}": "只写了路名", "comment": "再改"})
    assert response.status_code == 409 and "刚被他人修改" in response.content.decode()


def test_the_agent_appeals_and_the_supervisor_decides_on_the_page(client: Client, scored: Inspection,
                                                                  criteria: dict[str, Criterion]) -> None:
    _as(client, scored.agent)
    assert client.post(_page(scored), {"action": "appeal", "reason": "", "version": "2"}).status_code == 400
    assert client.post(_page(scored), {"action": "appeal", "reason": "标题已含地点", "version": "2"}).status_code == 302
    assert Inspection.objects.get().status == InspectionStatus.APPEALED
    _as(client, scored.cast.supervisor)
    page = client.get(_page(scored)).content.decode()
    assert 'value="decide"' in page and "标题已含地点" in page
    title = criteria["TITLE"].pk
    response = client.post(_page(scored), {"action": "decide", "note": "采纳", f"points_{title}": "0", "version": "3"})
    assert response.status_code == 400 and "请选择维持原评分或改判" in response.content.decode()
    response = client.post(_page(scored), {"action": "decide", "upheld": "0", "note": "采纳",
                                           f"points_{title}": "0", "version": "3"})
    assert response.status_code == 302
    row = Inspection.objects.get()
    assert (row.status, row.score) == (InspectionStatus.REVISED, 100)
    assert "申诉改判" in client.get(_page(scored)).content.decode()


def test_the_page_shows_the_order_and_a_masked_number_recording_only_the_confidential_view(
        client: Client, criteria: Any, cast: Any, frozen_now: datetime) -> None:
    from hotline.inspection.sampling import draw_sample
    from hotline.inspection.tests.conftest import FEBRUARY

    order(cast, Status.ANSWERED, is_confidential=True, caller_phone="13812345678", title="咨询社保转移")
    draw_sample(FEBRUARY, actor=None)
    inspection = Inspection.objects.get()
    for role in (Role.INSPECTOR, Role.LEADER, Role.ADMIN):
        _as(client, UserFactory(role=role))
        text = client.get(_page(inspection)).content.decode()
        assert "咨询社保转移" in text and "办理地点在区政务服务中心一楼" in text
        assert "13812345678" not in text and "138****5678" in text
        assert "登记后可能已被修改" not in text and "（当前）" not in text
    assert f'name="points_{criteria["ANSWER"].pk}"' in text
    assert AccessRecord.objects.filter(kind=AccessKind.CONFIDENTIAL).count() == 3
    assert not AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).exists()


def test_the_monthly_table_ranks_agents_and_downloads_as_csv(client: Client, scored: Inspection) -> None:
    _as(client, UserFactory(role=Role.LEADER))
    text = client.get(REPORT, {"month": "2025-02"}).content.decode()
    assert "95.0" in text and str(scored.agent) in text and "全中心" in text
    response = client.get(REPORT, {"month": "2025-02", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("排名,受理员,抽检件数") and "扣分率：标题概括准确" in lines[0]
    assert lines[1].startswith(f"1,{scored.agent},1,1,95.0,0,0,0") and lines[-1].startswith(",全中心,1,1,95.0")
    bad = client.get(REPORT, {"month": "2025/02", "format": "csv"})
    assert bad.status_code == 400 and "月份格式应为" in bad.content.decode()
    assert client.get(REPORT, {"month": "2025-02", "format": "xlsx"}).status_code == 200


def test_the_pages_render_in_english(client: Client, scored: Inspection) -> None:
    appeal(scored, "标题已含地点", scored.agent)
    _as(client, scored.cast.supervisor)
    client.cookies["django_language"] = "en"
    for url, words in ((LIST, "Quality inspection"), (_page(scored), "Decide the appeal"),
                       (REPORT + "?month=2025-02", "Monthly quality table")):
        text = client.get(url).content.decode()
        assert words in text, url
    _as(client, scored.agent)
    assert "My inspection results" in client.get(MINE).content.decode()


@pytest.mark.parametrize("version", [None, "", "x", "1" * 12])
def test_a_post_without_a_usable_version_is_refused_as_stale_keeping_the_typed_input(
        client: Client, sampled: Inspection, criteria: dict[str, Criterion], version: str | None) -> None:
    _as(client, sampled.cast.inspector)
    title = criteria["TITLE"].pk
    posted = {"action": "inspect", f"points_{title}": "4", f"note_{title}": "标题太长", "comment": "请注意标题"}
    if version is not None:
        posted["version"] = version
    response = client.post(_page(sampled), posted)
    text = response.content.decode()
    assert response.status_code == 409 and "页面已过期，请刷新后重新操作" in text
    assert 'value="标题太长"' in text and 'value="4"' in text and "请注意标题" in text
    assert Inspection.objects.get().status == InspectionStatus.PENDING


def test_an_appeal_without_a_version_is_stale_and_keeps_the_reason(client: Client, scored: Inspection) -> None:
    _as(client, scored.agent)
    response = client.post(_page(scored), {"action": "appeal", "reason": "标题已含地点"})
    assert response.status_code == 409 and "标题已含地点" in response.content.decode()
    assert Inspection.objects.get().status == InspectionStatus.INSPECTED


def test_a_note_typed_without_points_is_refused_with_the_input_kept(client: Client, sampled: Inspection,
                                                                    criteria: dict[str, Criterion]) -> None:
    _as(client, sampled.cast.inspector)
    title = criteria["TITLE"].pk
    response = client.post(_page(sampled), {"action": "inspect", "version": "1", f"note_{title}": "标题应写地点"})
    text = response.content.decode()
    assert response.status_code == 400 and "「标题概括准确」写了扣分说明但未填扣分" in text
    assert 'value="标题应写地点"' in text and Inspection.objects.get().status == InspectionStatus.PENDING


def test_a_nul_character_on_the_page_is_refused_with_a_message(client: Client, scored: Inspection) -> None:
    _as(client, scored.agent)
    response = client.post(_page(scored), {"action": "appeal", "reason": "不服\x00", "version": "2"})
    assert response.status_code == 400 and "申诉理由含有无法保存的空字符" in response.content.decode()
    assert Inspection.objects.get().status == InspectionStatus.INSPECTED


def test_upholding_with_an_edited_checklist_is_refused_keeping_what_was_typed(
        client: Client, scored: Inspection, criteria: dict[str, Criterion]) -> None:
    appeal(scored, "标题已含地点", scored.agent)
    _as(client, scored.cast.supervisor)
    title, address = criteria["TITLE"].pk, criteria["ADDRESS"].pk
    shown = {"action": "decide", "upheld": "1", "note": "维持", "version": "3",
             f"points_{title}": "5", f"note_{title}": "标题未概括地点", f"points_{address}": "", f"note_{address}": ""}
    for edit in ({f"points_{title}": "abc", f"note_{title}": "随手写的"}, {f"points_{address}": "3"},
                 {f"note_{title}": "改了说明"}):
        response = client.post(_page(scored), {**shown, **edit})
        text = response.content.decode()
        assert response.status_code == 400 and "选择了「维持原评分」，但评分表的扣分已被修改" in text, edit
        assert all(f'value="{value}"' in text for value in edit.values()) and "维持" in text
        row = Inspection.objects.get()
        assert (row.status, row.score, row.version) == (InspectionStatus.APPEALED, 95, 3)
    response = client.post(_page(scored), {**shown, f"points_{address}": "0"})  # a 0 is no deduction
    assert response.status_code == 302
    row = Inspection.objects.get()
    assert (row.status, row.score) == (InspectionStatus.UPHELD, 95)


def test_upholding_without_the_checklist_boxes_keeps_the_score(client: Client, scored: Inspection) -> None:
    appeal(scored, "标题已含地点", scored.agent)
    _as(client, scored.cast.supervisor)
    response = client.post(_page(scored), {"action": "decide", "upheld": "1", "note": "维持", "version": "3"})
    assert response.status_code == 302
    assert Inspection.objects.get().status == InspectionStatus.UPHELD


def test_every_bad_checklist_row_is_reported_at_once_and_marked(client: Client, sampled: Inspection,
                                                               criteria: dict[str, Criterion]) -> None:
    _as(client, sampled.cast.inspector)
    title, address, kind = criteria["TITLE"].pk, criteria["ADDRESS"].pk, criteria["TYPE"].pk
    elements = criteria["ELEMENTS"].pk
    response = client.post(_page(sampled), {
        "action": "inspect", "version": "1", "comment": "请注意",
        f"points_{title}": "abc", f"note_{title}": "标题太长",  # not a number
        f"points_{address}": "99", f"note_{address}": "只写了路名",  # over the item's maximum (15)
        f"points_{kind}": "3", f"note_{kind}": "",  # points without a note
        f"points_{elements}": "2", f"note_{elements}": "缺时间"})  # fine
    text = response.content.decode()
    assert response.status_code == 400
    assert "「标题概括准确」的扣分须为 0 至 10 的整数" in text and "须为 0 至 15 的整数" in text
    assert "「诉求类型准确」扣了分，请写明扣分说明" in text
    assert text.count('<tr class="invalid">') == 3
    for pk in (title, address, kind):
        assert f'id="inspect-err-{pk}"' in text and f'aria-describedby="inspect-err-{pk}"' in text
    assert f'id="inspect-err-{elements}"' not in text
    assert 'value="abc"' in text and 'value="99"' in text and 'value="缺时间"' in text and "请注意" in text
    assert Inspection.objects.get().status == InspectionStatus.PENDING


def test_whoever_scored_sees_no_decision_form(client: Client, sampled: Inspection,
                                              criteria: dict[str, Criterion]) -> None:
    admin = UserFactory(role=Role.ADMIN)
    row = inspect(sampled, [Entry(criteria["TITLE"], 5, "标题不准")], "", admin)
    appeal(row, "不服", sampled.agent)
    assert 'value="decide"' not in _as(client, admin).get(_page(row)).content.decode()
    assert 'value="decide"' in _as(client, UserFactory(role=Role.ADMIN)).get(_page(row)).content.decode()
    response = _as(client, admin).post(_page(row), {"action": "decide", "upheld": "1", "note": "维持", "version": "3"})
    assert response.status_code == 403 and "不能处理自己评分的申诉" in response.content.decode()


def test_a_bad_filter_names_its_label_once(client: Client, sampled: Inspection) -> None:
    _as(client, sampled.cast.inspector)
    text = client.get(LIST, {"month": "2025-13", "agent": "abc"}).content.decode()
    assert "月份无效：2025-13" in text and "月份：月份无效" not in text and "受理员：没有这个受理员" in text


def test_the_report_divides_each_item_by_the_orders_it_applies_to(
        client: Client, criteria: dict[str, Criterion], cast: Any, frozen_now: datetime,
        django_assert_num_queries: Any) -> None:
    from hotline.inspection.report import monthly_report
    from hotline.inspection.sampling import draw_sample
    from hotline.inspection.tests.conftest import FEBRUARY

    for _ in range(4):
        order(cast, Status.PENDING_DISPATCH)
    for _ in range(2):
        order(cast, Status.ANSWERED)
    InspectionSettings.objects.update_or_create(pk=1, defaults={"minimum_per_agent": 100})  # every order: no chance
    draw_sample(FEBRUARY, actor=cast.inspector)
    answered = Inspection.objects.filter(ticket__status=Status.ANSWERED).order_by("pk")
    for i in Inspection.objects.select_related("ticket"):
        lost = [Entry(criteria["ANSWER"], 10, "无依据")] if i.pk == answered[0].pk else []
        lost += [Entry(criteria["TITLE"], 2, "标题")] if i.ticket.status != Status.ANSWERED and i.pk % 3 == 0 else []
        inspect(i, lost, "", cast.inspector)
    codes = [c.code for c in monthly_report(FEBRUARY).criteria]
    row = monthly_report(FEBRUARY).rows[0]
    assert row.rates[codes.index("ANSWER")] == pytest.approx(0.5)  # 1 of the 2 direct answers, not 1 of 5
    assert row.rates[codes.index("DISPATCH")] == 0 and row.percents[codes.index("ANSWER")] == "50.0%"
    with django_assert_num_queries(6):
        monthly_report(FEBRUARY)
    other = Cast.build(lead=cast.lead)
    for _ in range(3):
        order(other, Status.NOT_ACCEPTED)
    draw_sample(FEBRUARY, actor=cast.inspector)
    for i in Inspection.objects.filter(status=InspectionStatus.PENDING):
        inspect(i, [Entry(criteria["TRANSFER"], 5, "理由未记录")], "", cast.inspector)
    with django_assert_num_queries(6):
        report = monthly_report(FEBRUARY)
    assert len(report.rows) == 2 and report.centre.rates[codes.index("TRANSFER")] == 1.0


def test_rates_show_one_decimal_on_the_page_and_in_the_csv(client: Client, criteria: dict[str, Criterion],
                                                           cast: Any, frozen_now: datetime) -> None:
    from hotline.inspection.sampling import draw_sample
    from hotline.inspection.tests.conftest import FEBRUARY

    for _ in range(3):
        order(cast)
    draw_sample(FEBRUARY, actor=cast.inspector)
    first = Inspection.objects.order_by("pk").first()
    for i in Inspection.objects.all():
        inspect(i, [Entry(criteria["TITLE"], 2, "标题")] if i.pk == first.pk else [], "", cast.inspector)
    _as(client, UserFactory(role=Role.LEADER))
    assert "33.3%" in client.get(REPORT, {"month": "2025-02"}).content.decode()
    body = b"".join(client.get(REPORT, {"month": "2025-02", "format": "csv"}).streaming_content).decode()
    assert ",33.3%," in body or body.rstrip().endswith("33.3%")


def test_my_results_say_how_many_are_open_for_appeal_and_until_when(client: Client, scored: Inspection) -> None:
    _as(client, scored.agent)
    text = client.get(MINE).content.decode()
    assert "有 1 条评分仍可申诉，截止 2025-03-" in text
    appeal(scored, "不服", scored.agent)
    assert "目前没有可申诉的评分" in client.get(MINE).content.decode()


def test_the_tabs_offer_my_results_to_intake_agents_only(client: Client, scored: Inspection) -> None:
    _as(client, scored.cast.supervisor)
    for url in (LIST, REPORT, _page(scored)):
        text = client.get(url).content.decode()
        assert "质检月报</a>" in text and "我的质检结果</a>" not in text, url
    assert f'href="{LIST}" aria-current="page">质检列表' in client.get(LIST).content.decode()
    _as(client, scored.agent)
    text = client.get(_page(scored)).content.decode()
    assert "我的质检结果</a>" in text and "质检月报</a>" not in text
