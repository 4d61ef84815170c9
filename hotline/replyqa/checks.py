"""Running the pure reply check with the platform's working calendar (工作日历)."""

from __future__ import annotations

from datetime import datetime

from hotline.core import workcalendar
from hotline.intelligence.reply_quality import ReplyFindings, check_reply

#: Default reply limit in working days (济南/潍坊: 5 working days for ordinary requests).
LIMIT_WORKING_DAYS = 5.0


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days between two aware moments on the official calendar, 调休 and overrides included."""
    return round(workcalendar.working_seconds_between(start, end) / workcalendar.WORKING_DAY_SECONDS, 2)


def check(request_text: str, reply_text: str, *, requested_at: datetime | None, replied_at: datetime | None,
          title: str = "", citizen_phone: str = "", limit_working_days: float = LIMIT_WORKING_DAYS) -> ReplyFindings:
    """The reply-quality findings, with timeliness counted on the working calendar."""
    return check_reply(request_text, reply_text, requested_at=requested_at, replied_at=replied_at,
                       working_days_between=working_days_between, limit_working_days=limit_working_days,
                       title=title, citizen_phone=citizen_phone)
