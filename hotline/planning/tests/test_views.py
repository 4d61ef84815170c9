"""The planner page: who may open it, what it shows, its parameters, and real call history."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.intelligence import forecast as fc
from hotline.planning.tests.conftest import NOW
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/planning/"


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_the_url_is_named() -> None:
    assert reverse("planner") == URL


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.INTAKE, Role.INSPECTOR, Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_other_roles_are_refused(role: str, now: datetime, fake_history: dict) -> None:
    assert _client(role).get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN])
def test_supervisors_and_shift_leads_see_the_week(role: str, now: datetime, fake_history: dict) -> None:
    response = _client(role).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 3 and "<polyline" in html and "<rect" in html  # forecast, seats, gap
    assert html.count('<details class="plan-day">') == 7
    assert "2026-11-26" in html and "2026-12-02" in html
    assert 'name="start" value="2026-11-26"' in html  # the default first day: tomorrow
    assert f'href="{URL}"' in html  # the nav link
    plan = response.context["plan"]
    assert plan.params.targets.shrinkage == pytest.approx(0.3) and plan.params.targets.connect == pytest.approx(0.95)
    assert "WAPE" in html


def test_parameters_change_the_plan(now: datetime, fake_history: dict) -> None:
    client = _client(Role.SUPERVISOR)
    plan = client.get(URL, {"start": "2026-11-30", "days": "2", "shrinkage": "0", "service_level": "90",
                            "answer_within": "20", "connect": "97", "max_occupancy": "90", "patience": "60",
                            "aht": "300", "model": "erlang-c", "basis": "answered"}).context["plan"]
    assert len(plan.rows) == 96 and plan.rows[0].start.date() == date(2026, 11, 30)
    t = plan.params.targets
    assert (t.service_level, t.answer_within, t.connect, t.max_occupancy, t.shrinkage) == pytest.approx(
        (0.9, 20, 0.97, 0.9, 0.0))
    assert t.service_level_basis == "answered"
    assert plan.patience == 60 and plan.aht == 300
    assert all(r.erlang_c.seats == r.erlang_c.agents for r in plan.rows)  # no shrinkage
    assert all(r.gap == pytest.approx(r.staffed - r.erlang_c.agents) for r in plan.rows if r.staffed is not None)


@pytest.mark.parametrize("params", [{"service_level": "150"}, {"days": "0"}, {"start": "2026-13-01"},
                                    {"shrinkage": "-5"}, {"model": "erlang-x"}])
def test_bad_parameters_show_errors_and_no_plan(params: dict, now: datetime, fake_history: dict) -> None:
    response = _client(Role.SUPERVISOR).get(URL, params)
    assert response.status_code == 200
    assert "plan" not in response.context and 'class="errorlist' in response.content.decode()


@pytest.mark.parametrize("start", ["9999-12-25", "0001-01-01"])
def test_out_of_range_start_is_a_form_error_not_a_crash(start: str, now: datetime, fake_history: dict) -> None:
    response = _client(Role.SUPERVISOR).get(URL, {"start": start, "days": "14"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "plan" not in response.context and "日期须在 2000 至 2100 年之间" in html


def test_without_history_the_page_says_so(now: datetime) -> None:
    html = _client(Role.SUPERVISOR).get(URL).content.decode()
    assert "历史话务不足" in html and "<svg" not in html


def test_english_page(now: datetime, fake_history: dict) -> None:
    client = _client(Role.SUPERVISOR)
    client.cookies["django_language"] = "en"
    html = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "Staffing planner" in html and "Required agents" in html


def test_real_call_history_from_the_calls_app() -> None:
    """Eight simulated days through the calls app's intake: forecast, actual staffing and AHT from them."""
    from hotline.calls.ingest import replay_fresh
    from hotline.calls.simulate import simulator_source
    from hotline.intelligence.callsim import SimParams, plan_day

    source = simulator_source()
    first = NOW.date() - timedelta(days=8)
    for i in range(9):  # eight whole days and today's morning
        day = first + timedelta(days=i)
        events = plan_day(SimParams(day=day, calls=160, seats=6, seed=i)).events
        end = min(NOW, timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time())))
        with clock.frozen(end):
            replay_fresh(source, [e for e in events if datetime.fromisoformat(e["at"]) <= end])
    with clock.frozen(NOW):
        response = _client(Role.SUPERVISOR).get(URL, {"start": str(NOW.date() - timedelta(days=1)), "days": "2"})
    plan = response.context["plan"]
    assert plan.error == "" and plan.history_days == 7  # whole days before the plan's first day
    assert plan.backtest is None and "未回测" in plan.backtest_error
    assert plan.aht_from_history and 200 < plan.aht < 400  # talk ≈ 240 s + wrap-up ≈ 45 s
    yesterday = plan.rows[:48]
    assert sum(r.actual_offered for r in yesterday) > 100  # 160 calls less IVR-only and short abandons
    assert max(r.staffed for r in yesterday) > 1 and all(r.staffed_source == "actual" for r in yesterday)
    later_today = [r for r in plan.rows[48:] if r.start >= NOW]
    assert later_today and all(r.staffed_source == "last_week" or r.staffed is None for r in later_today)
    assert re.search(r"WAPE|未回测", response.content.decode())
    assert all(r.day_type in fc.DAY_TYPES for r in plan.rows)
