"""Running the pure reply check with the platform's working calendar (工作日历)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from hotline.core import workcalendar
from hotline.intelligence.reply_quality import GRADES, PENALTY, Finding, ReplyFindings, check_reply

#: Default reply limit in working days (济南/潍坊: 5 working days for ordinary requests).
LIMIT_WORKING_DAYS = 5.0

#: The evidence of a late reply judged by the assignment's deadline, kept in Chinese as the record and
#: shown in the UI language by `labels.evidence` (the msgids are these templates).
LATE_OVERDUE = gettext_noop("用时 %(days)s 个工作日，时限 %(limit)s 个工作日；"
                            "该派单已记答复超期（此前轮次或延期前已超过答复时限）")
LATE_AFTER_DUE = gettext_noop("用时 %(days)s 个工作日，时限 %(limit)s 个工作日；%(replied)s 答复，晚于时限 %(due)s")


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days between two aware moments on the official calendar, 调休 and overrides included."""
    return round(workcalendar.working_seconds_between(start, end) / workcalendar.WORKING_DAY_SECONDS, 2)


def check(request_text: str, reply_text: str, *, requested_at: datetime | None, replied_at: datetime | None,
          title: str = "", citizen_phone: str = "", limit_working_days: float = LIMIT_WORKING_DAYS,
          due: datetime | None = None, overdue: bool | None = None) -> ReplyFindings:
    """The reply-quality findings, with timeliness counted on the working calendar.

    With `due` (the 答复时限 of the handling round that started at `requested_at`) the limit is the working
    days up to it. `overdue` is the assignment's verdict when known (答复超期, as 按时办结率 reads it):
    the reply is then late exactly when it is True; unknown (None), when the reply came after `due`.
    """
    if due is not None and requested_at is not None and due >= requested_at:
        limit_working_days = working_days_between(requested_at, due)
    found = check_reply(request_text, reply_text, requested_at=requested_at, replied_at=replied_at,
                        working_days_between=working_days_between, limit_working_days=limit_working_days,
                        title=title, citizen_phone=citizen_phone)
    if found.working_days is None or (due is None and overdue is None) or "bad_dates" in found.codes:
        return found
    late = overdue if overdue is not None else replied_at > due
    flagged = [f for f in found.findings if f.code in ("late", "very_late")]
    if not late and flagged:
        found.findings = [f for f in found.findings if f not in flagged]
    elif late and not flagged:
        params = {"days": f"{found.working_days:g}", "limit": f"{limit_working_days:g}"}
        if due is None or replied_at <= due:
            evidence = LATE_OVERDUE % params
        else:
            evidence = LATE_AFTER_DUE % {**params, "replied": f"{timezone.localtime(replied_at):%m-%d %H:%M}",
                                         "due": f"{timezone.localtime(due):%m-%d %H:%M}"}
        found.findings.append(Finding("late", "medium", "答复超时", evidence))
    else:
        return found
    found.score = max(0, 100 - sum(PENALTY[f.severity] for f in found.findings))
    found.grade = next(label for floor, label in GRADES if found.score >= floor)
    return found
