"""How a deadline is named as a day (期限日): for texts that print a date without the time of day.

A deadline at the end of a working day is stored as 00:00 of the next calendar day (docs/sla.md §3: 24:00
is 00:00 of the day after). Printed as a date that would name a day the unit is no longer bound by, so a
deadline at exactly 00:00 Beijing time names the day before. Every date-only display of a deadline uses
`deadline_date` (the citizen's extension notice, and with it the SMS, the tracking page and Open311);
displays with the time of day print the stored moment as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hotline.core.workcalendar import CALENDAR_TZ


def deadline_day(due: datetime) -> date:
    """The last day a deadline leaves, in Beijing time: the day before when it falls at exactly 00:00."""
    local = due.astimezone(CALENDAR_TZ)
    return local.date() - timedelta(days=1) if local.time() == time(0) else local.date()


def deadline_date(due: datetime | None) -> str:
    """`deadline_day` as the citizen reads it (2025-11-26); empty for no deadline."""
    return deadline_day(due).strftime("%Y-%m-%d") if due is not None else ""
