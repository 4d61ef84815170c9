"""The calendar warning (`sla.W001`) where administrators look: the admin index and the SLA admin pages.

On Mon 2026-11-23 the official calendar (chinesecalendar) knows 2026 but not 2027: until the State Council's
arrangement for 2027 is entered as overrides (工作日历调整), deadlines in 2027 miss 春节 and 调休. The check
warns only at `migrate`; the banner says it on the pages, Chinese first, computed once per process and day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from hotline.core import workcalendar
from hotline.sla.checks import calendar_gaps, calendar_warnings, forget_calendar_gaps
from hotline.sla.models import CalendarOverride

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOVEMBER_2026 = datetime(2026, 11, 23, 9, tzinfo=SH)
JUNE_2025 = datetime(2025, 6, 2, 9, tzinfo=SH)
BANNER = "工作日历缺少2027年的官方放假安排"


@pytest.fixture(autouse=True)
def _fresh_gaps() -> Iterator[None]:
    forget_calendar_gaps()
    workcalendar.invalidate_overrides()
    yield
    forget_calendar_gaps()


def _page(client, url: str) -> str:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


PAGES = ["admin:index", "admin:sla_calendaroverride_changelist", "admin:sla_slapolicy_changelist",
         "admin:sla_calendaroverride_add"]


@pytest.mark.parametrize("page", PAGES)
def test_the_admin_shows_a_year_without_calendar(admin_client, page: str) -> None:
    with time_machine.travel(NOVEMBER_2026, tick=False):
        html = _page(admin_client, reverse(page))
    assert BANNER in html
    assert html.count(BANNER) == 1
    assert '<li class="warning">' in html


def test_the_policy_page_shows_it_too(admin_client) -> None:
    from hotline.sla.models import SlaPolicy

    with time_machine.travel(NOVEMBER_2026, tick=False):
        html = _page(admin_client, reverse("admin:sla_slapolicy_change", args=[SlaPolicy.objects.first().pk]))
    assert BANNER in html


def test_the_acceptance_limit_page_shows_it_too(admin_client) -> None:
    """网上受理时限 is a one-row setting: its list leads to its form, which carries the banner."""
    with time_machine.travel(NOVEMBER_2026, tick=False):
        response = admin_client.get(reverse("admin:sla_acceptancesettings_changelist"), follow=True)
    assert response.status_code == 200 and BANNER in response.content.decode()


def test_no_banner_when_both_years_are_known(admin_client) -> None:
    with time_machine.travel(JUNE_2025, tick=False):  # 2025 and 2026: both in the official calendar
        assert calendar_gaps() == []
        assert "工作日历缺少" not in _page(admin_client, reverse("admin:index"))


def test_an_override_for_the_year_takes_the_banner_away_at_once(admin_client) -> None:
    with time_machine.travel(NOVEMBER_2026, tick=False):
        assert calendar_gaps() == [2027]
        CalendarOverride.objects.create(date=date(2027, 2, 11), is_working_day=False, note="春节")
        assert calendar_gaps() == []
        assert BANNER not in _page(admin_client, reverse("admin:index"))
        CalendarOverride.objects.all().delete()
        assert calendar_gaps() == [2027]


def test_computed_once_per_process_and_day(django_assert_num_queries) -> None:  # noqa: ANN001
    with time_machine.travel(NOVEMBER_2026, tick=False) as traveller:
        assert calendar_gaps() == [2027]
        workcalendar.invalidate_overrides()  # the calendar would read its overrides again…
        with django_assert_num_queries(0):  # …but the warning is not asked again the same day
            assert calendar_gaps() == [2027]
        CalendarOverride.objects.bulk_create([CalendarOverride(date=date(2027, 2, 11), is_working_day=False)])
        assert calendar_gaps() == [2027]  # written without the admin's signal: seen the next day
        traveller.move_to(datetime(2026, 11, 24, 0, 1, tzinfo=SH))
        assert calendar_gaps() == []


def test_the_warning_in_english() -> None:
    with time_machine.travel(NOVEMBER_2026, tick=False), translation.override("en"):
        (warning,) = calendar_warnings()
    assert warning.startswith("The working calendar has no official holiday arrangement for 2027")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in warning)
