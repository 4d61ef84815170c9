"""System checks of the SLA clock: a year the working calendar knows only by its fallback.

The same gap is shown where the people who can fill it look (`calendar_warnings`): a banner on the admin
index and on the SLA admin pages (时限规则, 工作日历调整, …), not only in the output of `migrate`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext as _

from hotline.core import clock, workcalendar

_gaps_lock = threading.Lock()
#: (the Beijing day it was computed on, the uncovered years): `calendar_gaps` asks once per process and day.
_gaps: tuple[date, list[int]] | None = None


def _years_to_cover() -> list[int]:
    this_year = clock.now().astimezone(workcalendar.CALENDAR_TZ).year
    return [this_year, this_year + 1]


@checks.register(checks.Tags.database)
def calendar_coverage(app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None,
                      **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when this year or the next has no official calendar data and no override (`sla.W001`).

    Overrides live in the database, so like Django's other database checks this one runs only when
    databases are named: at `migrate` and `check --database default`.
    """
    if not databases:
        return []
    return [
        checks.Warning(
            f"The working calendar has no data for {year}: deadlines in {year} count Monday to Friday "
            "less 元旦 (1 Jan), 劳动节 (1–2 May) and 国庆节 (1–3 Oct); 春节, 清明, 端午, 中秋 and 调休 are missing.",
            hint="Upgrade chinesecalendar, or enter the State Council's arrangement for the year as "
                 "calendar overrides (工作日历调整) in the admin (docs/sla.md §4).",
            id="sla.W001",
        )
        for year in workcalendar.uncovered_years(_years_to_cover())
    ]


def calendar_gaps() -> list[int]:
    """This year and the next (Beijing time) when they have neither official calendar data nor an override.

    The check `sla.W001` in a cheap form for pages: computed once per process and day, and again at once in
    the process that saves or deletes an override (`forget_calendar_gaps`, called by the signals); other
    processes see the change the next day.
    """
    global _gaps
    today = clock.now().astimezone(workcalendar.CALENDAR_TZ).date()
    cached = _gaps
    if cached is not None and cached[0] == today:
        return cached[1]
    with _gaps_lock:
        years = workcalendar.uncovered_years(_years_to_cover())
        _gaps = (today, years)
    return years


def forget_calendar_gaps() -> None:
    """The overrides changed: `calendar_gaps` asks again at its next call."""
    global _gaps
    with _gaps_lock:
        _gaps = None


def calendar_warnings() -> list[str]:
    """The banner of `calendar_gaps` for administrators, in the active language (Chinese first)."""
    return [
        _("工作日历缺少%(year)s年的官方放假安排：该年的时限暂按周一至周五（除元旦、劳动节、国庆节）计算，"
          "春节、清明、端午、中秋和调休均未计入。请在「工作日历调整」中录入国务院办公厅公布的%(year)s年放假安排，"
          "或升级日历数据（chinesecalendar）。") % {"year": year}
        for year in calendar_gaps()
    ]
