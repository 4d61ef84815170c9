"""System checks of the SLA clock: a year the working calendar knows only by its fallback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

from hotline.core import clock, workcalendar


@checks.register(checks.Tags.database)
def calendar_coverage(app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None,
                      **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when this year or the next has no official calendar data and no override (`sla.W001`).

    Overrides live in the database, so like Django's other database checks this one runs only when
    databases are named: at `migrate` and `check --database default`.
    """
    if not databases:
        return []
    this_year = clock.now().astimezone(workcalendar.CALENDAR_TZ).year
    return [
        checks.Warning(
            f"The working calendar has no data for {year}: deadlines in {year} count Monday to Friday "
            "less 元旦 (1 Jan), 劳动节 (1–2 May) and 国庆节 (1–3 Oct); 春节, 清明, 端午, 中秋 and 调休 are missing.",
            hint="Upgrade chinesecalendar, or enter the State Council's arrangement for the year as "
                 "calendar overrides (工作日历调整) in the admin (docs/sla.md §4).",
            id="sla.W001",
        )
        for year in workcalendar.uncovered_years([this_year, this_year + 1])
    ]
