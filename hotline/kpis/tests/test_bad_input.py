"""Bad input on the indicator pages and `hotline report`: a clear message, nothing written half, no filter ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kpis.tests.scenario import Month, build
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def month() -> Month:
    return build()


def _leader() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    return client


# --- hotline report ------------------------------------------------------------------------------


def test_report_refuses_a_folder_or_an_empty_output(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--output：.* 是文件夹"):
        call_command("report", "--month", "2025-03", "--format", "pdf", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="--output：输出文件路径为空"):
        call_command("report", "--month", "2025-03", "--format", "pdf", "--output", "")


def test_report_refuses_a_format_the_file_name_contradicts(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"--format xlsx 与输出文件的扩展名 \.pdf 不一致"):
        call_command("report", "--month", "2025-03", "--format", "xlsx", "--output", str(tmp_path / "r.pdf"))
    assert list(tmp_path.iterdir()) == []


def test_report_refuses_an_empty_month(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--month 为空"):
        call_command("report", "--month", "", "--output", str(tmp_path / "r.pdf"))


def test_report_replaces_the_file_whole_and_keeps_it_when_rendering_fails(
        month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"last month's bulletin")

    def broken(period, fmt):  # noqa: ANN001, ANN202
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("hotline.kpis.management.commands.report.render", broken)
    with pytest.raises(RuntimeError):
        call_command("report", "--month", "2025-03", "--output", str(out))
    assert out.read_bytes() == b"last month's bulletin"
    monkeypatch.undo()
    call_command("report", "--month", "2025-03", "--output", str(out))
    assert out.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]  # no temporary file left


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("params, label", [({"unit": "abc"}, "承办单位"), ({"by": "bogus"}, "分维度")])
def test_an_invalid_filter_is_announced_above_the_figures(month: Month, params: dict, label: str) -> None:
    response = _leader().get(reverse("kpis"), {"month": "2025-03", **params})
    assert response.status_code == 200
    body = response.content.decode()
    alert = body[body.index('class="error-summary" role="alert"'):]
    alert = alert[:alert.index("</div>")]
    assert "以下筛选条件无效" in alert and f"{label}：" in alert
    name = next(iter(params))
    assert f'id="id_{name}_error"' in body  # what aria-describedby points at exists


def test_drill_down_refuses_an_invalid_cut_instead_of_listing_the_whole_city(month: Month) -> None:
    response = _leader().get(reverse("kpis-orders"), {"kpi": "on_time", "month": "2025-03", "unit": "abc"})
    assert response.status_code == 400
    assert "承办单位：" in response.content.decode()


def test_unknown_indicator_says_so(month: Month) -> None:
    client = _leader()
    response = client.get(reverse("kpis-orders"), {"kpi": "bogus"})
    assert response.status_code == 404
    assert "没有这个指标：bogus" in response.content.decode()
    telephony = client.get(reverse("kpis-orders"), {"kpi": "connect"})
    assert telephony.status_code == 404 and "没有对应的工单" in telephony.content.decode()
    client.cookies["django_language"] = "en"
    assert "No such indicator: bogus" in client.get(reverse("kpis-orders"), {"kpi": "bogus"}).content.decode()
