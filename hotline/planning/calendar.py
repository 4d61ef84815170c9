"""Day types for the forecast (工作日 / 调休上班 / 周末 / 节假日) from the working calendar."""

from __future__ import annotations

from datetime import date

import chinese_calendar

from hotline.core.workcalendar import is_working_day
from hotline.intelligence.forecast import ADJUSTED_WORKDAY, HOLIDAY, WEEKEND, WORKDAY


def day_type(d: date) -> str:
    """The forecast's day type of `d`: overrides and the official calendar, 调休 included.

    A working Saturday or Sunday is an adjusted workday (调休上班); a weekday off is a holiday; a
    weekend day inside a statutory holiday break is a holiday, other weekend days are weekends.
    """
    weekend = d.weekday() >= 5
    if is_working_day(d):
        return ADJUSTED_WORKDAY if weekend else WORKDAY
    if not weekend:
        return HOLIDAY
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:  # a year the package does not know: an ordinary weekend
        return WEEKEND
    return HOLIDAY if on_holiday and name else WEEKEND
