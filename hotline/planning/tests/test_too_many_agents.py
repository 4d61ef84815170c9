"""Parameters the form accepts one by one but no plan can staff (a 2-hour handle time at ≤ 1 % occupancy needs
more agents than `staffing.MAX_AGENTS`) give the planner page again with the reason, translated, not a 500."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.calls.selectors import IntervalMetrics
from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st
from hotline.planning import history
from hotline.planning.calendar import day_type
from hotline.planning.planner import PlanParams, build_plan, staffing_error_text
from hotline.planning.tests.conftest import FIRST_DAY, NOW, roster
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/planning/"
#: Both within the form's ranges (handle time ≤ 7200 s, occupancy ≥ 1 %), together out of reach.
OUT_OF_REACH = {"days": "14", "aht": "7200", "max_occupancy": "1"}
TOO_MANY_ZH = "按当前目标，有的半小时可能需要超过 100000 名坐席，超出可测算的范围：请检查平均处理时长和最高占用率"
TOO_MANY_EN = ("With these targets some half-hours may need more than 100000 agents, more than can be planned "
               "for: check the average handle time and the maximum occupancy.")


@pytest.fixture
def busier_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `fake_history`, with 6,000 calls on an average Monday instead of 5,000 (the review's case): at a
    2-hour handle time the busiest half-hours pass 1,000 Erlangs, 100,000 agents at 1 % occupancy."""
    rows = fc.synthetic_history(FIRST_DAY, (NOW.date() - FIRST_DAY).days + 1, 6000, day_type, seed=8)

    def offered_history(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        return [(s, n) for s, n in rows if start <= s < end and s + timedelta(minutes=30) <= NOW]

    def interval_metrics(start: datetime, end: datetime) -> list[IntervalMetrics]:
        return [IntervalMetrics(start=s, offered=n, answered=n, answered_within_15s=n, abandoned=0,
                                short_abandoned=0, asa_seconds=8.0, avg_abandon_seconds=None, aht_seconds=285.0,
                                agents_staffed=roster(s), occupancy=0.8)
                for s, n in rows if start <= s < end and s < NOW]

    monkeypatch.setattr(history, "offered_history", offered_history)
    monkeypatch.setattr(history, "interval_metrics", interval_metrics)


def _supervisor() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    return client


def test_the_page_says_the_plan_is_out_of_reach_instead_of_a_500(now: datetime, busier_history: None) -> None:
    started = time.monotonic()
    response = _supervisor().get(URL, OUT_OF_REACH)
    assert time.monotonic() - started < 10  # refused before any Erlang B table is built
    html = response.content.decode()
    assert response.status_code == 200 and TOO_MANY_ZH in html
    assert "plan" not in response.context and "<svg" not in html
    assert 'name="aht" value="7200' in html and 'name="max_occupancy" value="1' in html  # the form, as typed


def test_the_reason_is_in_the_readers_language(now: datetime, busier_history: None) -> None:
    client = _supervisor()
    client.cookies["django_language"] = "en"
    html = client.get(URL, OUT_OF_REACH, headers={"accept-language": "en"}).content.decode()
    assert TOO_MANY_EN in html


def test_build_plan_gives_the_reason_and_no_rows(now: datetime, busier_history: None) -> None:
    targets = st.Targets(0.8, 15, connect=0.95, max_occupancy=0.01, shrinkage=0.3)
    params = PlanParams(start=date(2026, 11, 26), days=1, targets=targets, aht=7200.0)
    with translation.override("zh-hans"):
        plan = build_plan(params, NOW)
    assert plan.staffing_error == TOO_MANY_ZH and plan.error == "" and plan.rows == [] and plan.days == []
    with translation.override("en"):
        assert build_plan(params, NOW).staffing_error == TOO_MANY_EN
    reachable = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=targets, aht=285.0), NOW)
    assert reachable.staffing_error == "" and len(reachable.rows) == 48  # 1 % occupancy alone is planned


def test_each_refusal_has_its_own_words() -> None:
    with pytest.raises(st.StaffingError) as load:
        st.required_agents([1e12], [240], st.Targets())
    with translation.override("zh-hans"):
        assert staffing_error_text(load.value) == "预测话务量乘以平均处理时长超出可测算的范围：请检查平均处理时长"
        assert staffing_error_text(st.StaffingError("something else")) == "按当前参数无法测算所需坐席：请检查规划参数"
    with translation.override("en"):
        assert staffing_error_text(load.value) == (
            "The forecast calls times the average handle time are more than can be planned for: "
            "check the average handle time.")


def test_the_reason_is_an_alert_card_beside_the_form_not_a_passing_message(now: datetime, busier_history: None) -> None:
    response = _supervisor().get(URL, OUT_OF_REACH)
    html = response.content.decode()
    assert response.context["staffing_error"] == TOO_MANY_ZH
    assert f'<section class="card" role="alert"><p class="empty">{TOO_MANY_ZH}</p></section>' in html
    assert [str(m) for m in response.context["messages"]] == []  # said once, on the page, not in the message bar
