"""The metrics page says when the date asked for was not understood or out of range, and never fails."""

from __future__ import annotations

import pytest

from hotline.tickets.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # today: 2025-03-04


@pytest.mark.parametrize(("value", "message"), [
    ("0001-01-01", "0001-01-01 超出范围（年份须在 2000 至 2100 之间）"),
    ("9999-12-31", "9999-12-31 超出范围（年份须在 2000 至 2100 之间）"),
    ("2026-13-01", "无法识别的日期 2026-13-01（格式：2025-11-01）"),
    ("yesterday", "无法识别的日期 yesterday"),
])
def test_a_bad_date_shows_today_with_a_message(client, value: str, message: str) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role="supervisor"))
    page = client.get("/calls/metrics/", {"date": value})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="alert"' in html and message in html
    assert "显示的是 2025-03-04 的指标" in html


@pytest.mark.parametrize(("value", "gone"), [("2000-01-01", "前一天"), ("2100-12-31", "后一天")])
def test_the_first_and_last_days_are_shown_without_a_link_past_them(client, value: str, gone: str) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role="supervisor"))
    page = client.get("/calls/metrics/", {"date": value})
    html = page.content.decode()
    assert page.status_code == 200 and 'role="alert"' not in html
    assert f"话务指标 · {value}" in html and gone not in html


def test_a_good_date_has_no_message(client) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role="supervisor"))
    html = client.get("/calls/metrics/", {"date": "2025-03-01"}).content.decode()
    assert 'role="alert"' not in html and "话务指标 · 2025-03-01" in html
