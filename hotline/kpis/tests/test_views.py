"""The indicator pages: who may open them, figures linked to the orders behind them, the bulletin download."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kpis.tests.scenario import Month, build
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["kpis", "kpis-assessment", "kpis-bulletin"]


@pytest.fixture
def month() -> Month:
    return build()


def _client(role: str, **kwargs) -> Client:  # noqa: ANN003
    client = Client()
    client.force_login(UserFactory(role=role, **kwargs))
    return client


@pytest.mark.parametrize("name", [*PAGES, "kpis-orders"])
def test_intake_agents_are_refused(month: Month, name: str) -> None:
    response = _client(Role.INTAKE).get(reverse(name), {"kpi": "on_time", "month": "2025-03"})
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["kpis-assessment", "kpis-bulletin"])
@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_unit_staff_may_not_open_the_ranking_or_the_bulletin_preview(month: Month, name: str, role: str) -> None:
    """The ranking and a bulletin computed now are the centre's; unit staff read the published editions
    (test_publication.py)."""
    response = _client(role, units=[month.cast.lead]).get(reverse(name), {"month": "2025-03", "format": "pdf"})
    assert response.status_code == 403


def test_unit_staff_without_a_unit_are_refused(month: Month) -> None:
    assert _client(Role.UNIT_HANDLER).get(reverse("kpis")).status_code == 403


def test_unit_staff_see_only_their_own_units_figures(month: Month) -> None:
    client = _client(Role.UNIT_ADMIN, units=[month.cast.lead])
    response = client.get(reverse("kpis"), {"month": "2025-03"})
    assert response.status_code == 200
    assert response.context["cut"].unit == month.cast.lead
    codes = {c["kpi"].code: c["figure"] for c in response.context["cells"]}
    assert (codes["on_time"].numerator, codes["on_time"].denominator) == (2, 5)  # U's, not the city's 2 / 6
    assert "direct_answer" not in codes and "connect" not in codes  # no unit, no cut
    assert reverse("kpis-assessment") not in response.content.decode()
    # Another unit, asked for by hand: refused. A bad month does not lift the restriction.
    assert client.get(reverse("kpis"), {"month": "2025-03", "unit": month.other.pk}).status_code == 403
    bad = client.get(reverse("kpis"), {"month": "2025-13"})
    assert bad.status_code == 200 and bad.context["cut"].unit == month.cast.lead


def test_unit_staff_drill_down_stays_inside_their_units(month: Month) -> None:
    client = _client(Role.UNIT_HANDLER, units=[month.cast.lead])
    mine = client.get(reverse("kpis-orders"), {"kpi": "on_time", "part": "den", "month": "2025-03"})
    assert mine.status_code == 200 and mine.context["page"].paginator.count == 5
    other = client.get(reverse("kpis-orders"), {"kpi": "on_time", "month": "2025-03", "unit": month.other.pk})
    assert other.status_code == 403
    other_handler = Client()
    other_handler.force_login(month.other_handler)
    theirs = other_handler.get(reverse("kpis-orders"), {"kpi": "on_time", "part": "den", "month": "2025-03"})
    assert [t.number for t in theirs.context["orders"]] == [month.tickets["t6"].number]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.DISPATCHER])
def test_centre_roles_see_the_figures(month: Month, role: str) -> None:
    response = _client(role).get(reverse("kpis"), {"month": "2025-03"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "按时办结率" in body and "33.33%" in body  # 2 / 6
    assert "满意率 =（满意 + 折算系数 × 基本满意）÷ 有效回访" in body  # the tooltip formula


def test_cuts_and_breakdowns_render(month: Month) -> None:
    client = _client(Role.LEADER)
    unit = month.cast.lead
    response = client.get(reverse("kpis"), {"month": "2025-03", "unit": unit.pk, "exact": "on", "by": "channel"})
    assert response.status_code == 200
    assert "40.00%" in response.content.decode()  # U's on-time rate 2 / 5
    for by in ("unit", "request_type", "district", "category"):
        assert client.get(reverse("kpis"), {"month": "2025-03", "by": by, "scope": "assessment"}).status_code == 200
    week = client.get(reverse("kpis"), {"start": "2025-03-03", "end": "2025-03-09"})
    assert week.status_code == 200 and "2025-03-03 ~ 2025-03-09" in week.content.decode()


def test_bad_period_falls_back_with_a_message(month: Month) -> None:
    response = _client(Role.LEADER).get(reverse("kpis"), {"month": "2025-13"})
    assert response.status_code == 200
    assert "月份无效" in response.content.decode()


def test_drill_down_lists_the_orders_behind_the_figure(month: Month) -> None:
    client = _client(Role.SUPERVISOR)
    unit = month.cast.lead
    params = {"kpi": "on_time", "month": "2025-03", "unit": unit.pk, "exact": "1"}
    num = client.get(reverse("kpis-orders"), {**params, "part": "num"})
    den = client.get(reverse("kpis-orders"), {**params, "part": "den"})
    assert num.status_code == den.status_code == 200
    assert num.context["page"].paginator.count == 2
    assert den.context["page"].paginator.count == 5
    numbers = {t.number for t in num.context["orders"]}
    assert numbers == {month.tickets["t1"].number, month.tickets["t8"].number}


def test_figure_links_reach_the_same_counts(month: Month) -> None:
    client = _client(Role.LEADER)
    page = client.get(reverse("kpis"), {"month": "2025-03"})
    for cell in page.context["cells"]:
        if not cell["den_url"]:
            continue
        listed = client.get(cell["den_url"]).context["page"].paginator.count
        if cell["kpi"].code in ("sign_timely", "return"):  # rows per unit assignment: t6 went to two units
            assert listed <= cell["figure"].denominator
        else:
            assert listed == cell["figure"].denominator, cell["kpi"].code


def test_unknown_indicator_is_404(month: Month) -> None:
    assert _client(Role.LEADER).get(reverse("kpis-orders"), {"kpi": "nope"}).status_code == 404


def test_assessment_page_ranks_and_links(month: Month) -> None:
    from hotline.kpis.models import AssessmentSettings

    settings = AssessmentSettings.current()
    settings.min_volume = 1
    settings.save()
    response = _client(Role.LEADER).get(reverse("kpis-assessment"), {"month": "2025-03"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "街道/乡镇" in body and month.cast.lead.name in body
    tier = response.context["tiers"][0]
    row = next(r for r in tier["rows"] if r["result"].unit == month.cast.lead)
    link = next(c["den_url"] for c in row["cells"] if c["kpi"].code == "on_time")
    query = parse_qs(urlparse(link).query)
    assert query["scope"] == ["assessment"] and query["exact"] == ["1"] and query["unit"] == [str(month.cast.lead.pk)]


def test_bulletin_download(month: Month) -> None:
    client = _client(Role.LEADER)
    assert client.get(reverse("kpis-bulletin")).status_code == 200
    pdf = client.get(reverse("kpis-bulletin"), {"month": "2025-03", "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert 'filename="bulletin-2025-03.pdf"' in pdf["Content-Disposition"]
    xlsx = client.get(reverse("kpis-bulletin"), {"month": "2025-03", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = client.get(reverse("kpis-bulletin"), {"month": "2025-13", "format": "pdf"})
    assert bad.status_code == 400 and "月份无效" in bad.content.decode()
    ancient = client.get(reverse("kpis-bulletin"), {"month": "0000-01", "format": "pdf"})
    assert ancient.status_code == 400 and "年之间：0000-01" in ancient.content.decode()


def test_settings_are_editable_in_the_admin(month: Month) -> None:
    from hotline.kpis.models import AssessmentSettings

    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    settings = AssessmentSettings.current()
    url = reverse("admin:kpis_assessmentsettings_change", args=[settings.pk])
    page = client.get(url)
    assert page.status_code == 200 and "指标权重" in page.content.decode()
    rows = list(settings.weight_rows.order_by("pk"))
    data = {"basic_factor": "0.8", "min_volume": "3", "repeat_window_days": "14",
            "weight_rows-TOTAL_FORMS": str(len(rows)), "weight_rows-INITIAL_FORMS": str(len(rows)),
            "weight_rows-MIN_NUM_FORMS": "0", "weight_rows-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data |= {f"weight_rows-{i}-id": str(row.pk), f"weight_rows-{i}-settings": str(settings.pk),
                 f"weight_rows-{i}-indicator": row.indicator, f"weight_rows-{i}-weight": str(row.weight)}
    data["weight_rows-0-weight"] = "0.5"
    assert client.post(url, data).status_code == 302
    settings.refresh_from_db()
    assert (settings.basic_factor, settings.min_volume, settings.repeat_window_days) == (
        Decimal("0.80"), 3, 14)
    assert settings.weight_rows.get(pk=rows[0].pk).weight == Decimal("0.5")


def test_the_page_speaks_english(month: Month) -> None:
    client = _client(Role.LEADER)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("kpis"), {"month": "2025-03"}).content.decode()
    assert "On-time completion rate" in body and "Satisfaction rate = (satisfied" in body


@pytest.mark.parametrize("name", ["kpis", "kpis-assessment", "kpis-orders"])
@pytest.mark.parametrize("dates", [{"start": "9999-12-25", "end": "9999-12-31"},
                                   {"start": "0001-01-01", "end": "0001-01-07"}])
def test_out_of_range_dates_are_a_form_error_not_a_crash(month: Month, name: str, dates: dict) -> None:
    response = _client(Role.SUPERVISOR).get(reverse(name), {"kpi": "on_time", **dates})
    assert response.status_code == (400 if name == "kpis-orders" else 200)
    assert "日期须在 2000 至 2100 年之间" in response.content.decode()


def test_one_invalid_field_keeps_the_valid_ones(month: Month) -> None:
    response = _client(Role.SUPERVISOR).get(reverse("kpis"), {"month": "2025-03", "district": "999999",
                                                             "unit": month.cast.lead.pk, "exact": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"district"}
    assert response.context["period"].label == "2025-03"  # not the last full month
    assert response.context["cut"].unit == month.cast.lead and response.context["cut"].subtree is False


def test_the_city_page_reads_the_call_queue_once(month: Month, monkeypatch: pytest.MonkeyPatch) -> None:
    """接通率 and 15 秒应答率 come from one queue summary (it is the page's slowest query on a big centre)."""
    from hotline.calls import selectors

    calls = []
    real = selectors.queue_summary
    monkeypatch.setattr(selectors, "queue_summary", lambda start, end: calls.append(start) or real(start, end))
    response = _client(Role.LEADER).get(reverse("kpis"), {"month": "2025-03"})
    codes = {c["kpi"].code for c in response.context["cells"]}
    assert {"connect", "service_level"} <= codes
    assert len(calls) == 1


def test_the_unit_filter_is_grouped_and_filterable(month: Month) -> None:
    """Hundreds of units: grouped by district and kind, with the type-to-filter box of the dispatch forms."""
    body = _client(Role.LEADER).get(reverse("kpis")).content.decode()
    assert '<optgroup label=' in body and 'class="unit-filter"' in body
