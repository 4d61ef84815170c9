"""The monthly agent table (坐席绩效月报): one line per intake agent — volume, first decisions, calls, quality.

A supervisor (值班长) reads it for 坐席考核; an agent sees their own line. Every figure is a count or an
average the other pages already define (docs/inspection.md "坐席绩效月报"), gathered here for one month:

- 受理量 and the first decisions: `sampling.intake_orders` (citizens' orders an intake agent registered, no
  service account, no proactive or imported order), each by the first decision after registration as
  `selectors.first_decision` reads it, counted in one grouped query;
- 催办/补充 recorded: the agent's `chase` / `supplement` timeline events in the month;
- calls: `calls.selectors.agent_figures` over the month, added up over the agent's extensions (blank when
  there is no extension or no call data on it that month);
- quality: this app's scored inspections of the month, and 被更正: the agent's orders of the month whose
  category or place someone else corrected (工单更正, counted in the same grouped query as the decisions).

There is no composite score: how much each part weighs is the centre's policy, so the table shows the parts.
A fixed number of queries, however many agents and orders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.calls.models import Agent
from hotline.calls.selectors import agent_figures
from hotline.inspection.choices import SCORED, Decision
from hotline.inspection.models import Inspection
from hotline.inspection.sampling import (
    corrected_by_others,
    intake_orders,
    service_account,
    with_first_decision,
)
from hotline.inspection.selectors import DECISIONS
from hotline.kpis.periods import Period
from hotline.tickets.choices import Action
from hotline.tickets.models import TimelineEvent
from hotline.workbench.queues.export import defuse

#: The table's decision column for each first-decision action (转派单 takes every way of sending an order on).
COLUMN_OF: dict[str, str] = {
    Action.ANSWER_DIRECTLY: "direct", Action.TRANSFER: "transfer", Action.NOT_ACCEPT: "refused",
    **{action: "dispatch" for action, kind in DECISIONS.items() if kind == Decision.DISPATCH},
}


@dataclass
class Line:
    """One agent's month (or the whole centre's, `agent` None). Call figures are None (blank, not zero) for an
    agent without an extension (工号/分机) and for one whose extensions had no calls and no logged-in time in
    the month (no call data); 0 calls means logged in but answered none."""

    agent: User | None
    orders: int = 0       # 受理量
    direct: int = 0       # 直接答复
    dispatch: int = 0     # 转派单 (send to dispatch, dispatch, designate, consult)
    transfer: int = 0     # 转应急
    refused: int = 0      # 不予受理
    undecided: int = 0    # 仅登记 (no decision yet)
    corrected: int = 0    # 被更正: category or place corrected by someone else
    chases: int = 0       # 群众催办 recorded
    supplements: int = 0  # 补充诉求 recorded
    calls: int | None = None
    handled: float = 0.0  # sum of AHT × calls, for the average over several extensions
    timed: int = 0        # the calls that average is over
    busy: float = 0.0     # seconds of talk + wrap-up
    free: float = 0.0     # seconds logged in and not in not-ready
    scored: int = 0
    points: int = 0       # the scores added up

    @property
    def name(self) -> str:
        return (self.agent.display_name or self.agent.username) if self.agent else _("全中心")

    @property
    def direct_share(self) -> float | None:
        """直接答复 ÷ 受理量."""
        return self.direct / self.orders if self.orders else None

    @property
    def aht(self) -> float | None:
        """平均处理时长 in seconds: talk + wrap-up of the answered calls, averaged."""
        return self.handled / self.timed if self.timed else None

    @property
    def occupancy(self) -> float | None:
        """占用率 = (talk + wrap-up) ÷ (logged in − not ready)."""
        return self.busy / self.free if self.free > 0 else None

    @property
    def average(self) -> float | None:
        """质检平均分, one decimal."""
        return round(self.points / self.scored, 1) if self.scored else None

    def add(self, other: Line) -> None:
        """Add another line's counts to this one (the centre's line)."""
        for f in fields(self):
            if f.name == "agent":
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if theirs is not None:
                setattr(self, f.name, (mine or 0) + theirs)


@dataclass
class Performance:
    """The month's table: agents by 受理量 (most first) and the centre's line (the rows added up)."""

    period: Period
    rows: list[Line] = field(default_factory=list)
    centre: Line = field(default_factory=lambda: Line(agent=None))


def monthly_performance(period: Period, *, agent: User | None = None) -> Performance:
    """The table of `period` (a month); with `agent`, only that agent's line (their own view).

    Rows: every intake agent (受理员, never an API key's or a partner platform's service account) who
    registered citizens' orders in the month, answered calls in it (on an extension mapped to them) or
    recorded a chase or supplement. Eight queries, however many agents and orders."""
    lines: dict[int, Line] = {}

    def line(pk: int) -> Line:
        return lines.setdefault(pk, Line(agent=None))

    orders = with_first_decision(intake_orders(period)).annotate(corrected=corrected_by_others())
    chases = TimelineEvent.objects.filter(
        action__in=[Action.CHASE, Action.SUPPLEMENT], at__gte=period.start, at__lt=period.end,
        actor__role=Role.INTAKE).exclude(service_account("actor"))
    if agent is not None:
        orders, chases = orders.filter(registered_by=agent), chases.filter(actor=agent)
    grouped = orders.order_by().values_list("registered_by", "first_action", "corrected").annotate(n=Count("pk"))
    for pk, action, corrected, n in grouped:
        row = line(pk)
        row.orders += n
        row.corrected += n if corrected else 0
        column = COLUMN_OF.get(action, "undecided")
        setattr(row, column, getattr(row, column) + n)
    for pk, action, n in chases.order_by().values_list("actor", "action").annotate(n=Count("pk")):
        if action == Action.CHASE:
            line(pk).chases += n
        else:
            line(pk).supplements += n
    by_person = _calls(period, agent)
    for pk, figures in by_person.items():
        if figures.calls:
            line(pk)
    for pk, row in lines.items():
        figures = by_person.get(pk)  # none: no extension, or no call data on it this month
        if figures is not None:
            row.calls, row.handled, row.timed = figures.calls, figures.handled, figures.timed
            row.busy, row.free = figures.busy, figures.free
    people = User.objects.filter(pk__in=list(lines), role=Role.INTAKE).exclude(service_account()).in_bulk()
    scores = Inspection.objects.filter(month=period.first_day, status__in=SCORED, agent__in=list(people))
    for pk, n, points in scores.order_by().values_list("agent").annotate(n=Count("pk"), points=Sum("score")):
        lines[pk].scored, lines[pk].points = n, points or 0
    result = Performance(period=period)
    for pk, row in lines.items():
        if pk in people:
            row.agent = people[pk]
            result.rows.append(row)
            result.centre.add(row)
    result.rows.sort(key=lambda r: (-r.orders, -(r.calls or 0), r.name, r.agent.pk))
    return result


def _calls(period: Period, agent: User | None) -> dict[int, Line]:
    """Each person's call figures over the month, added up over their extensions (only those people whose
    extensions logged in or answered calls in the month).

    The average handle time of several extensions is weighted by their calls."""
    extensions = Agent.objects.filter(user__isnull=False)
    if agent is not None:
        extensions = extensions.filter(user=agent)
    pairs = list(extensions.values_list("pk", "user_id"))
    with_extension = {user_id for _pk, user_id in pairs}
    by_person: dict[int, Line] = {}
    only = None if agent is None else [pk for pk, _user in pairs]  # one agent: read only their extensions
    for figures in agent_figures(period.start, period.end, agents=only):
        pk = figures.agent.user_id
        if pk not in with_extension:
            continue
        row = by_person.setdefault(pk, Line(agent=None, calls=0))
        row.calls += figures.calls
        if figures.aht_seconds is not None:
            row.handled += figures.aht_seconds * figures.calls
            row.timed += figures.calls
        row.busy += figures.talk_seconds + figures.wrap_seconds
        row.free += figures.logged_in_seconds - figures.not_ready_seconds
    return by_person


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def cells(row: Line) -> list[str | int]:
    """A line's figures as the page and the CSV show them, in `HEADER` order after the name ("" for blank)."""
    return [row.calls if row.calls is not None else "", row.orders, row.chases, row.supplements,
            row.direct, _percent(row.direct_share), row.dispatch, row.transfer, row.refused, row.undecided,
            _number(row.aht), _percent(row.occupancy), row.corrected, row.scored, _number(row.average, 1)]


def header() -> list[str]:
    """The table's column names, the agent first (the decision columns in the "坐席绩效" context: as column
    names they count orders, they do not name the step)."""
    return [_("受理员"), _("接听来电"), _("受理量"), _("催办记录"), _("补充记录"), pgettext("坐席绩效", "直接答复"),
            _("直接答复率"), pgettext("坐席绩效", "转派单"), pgettext("坐席绩效", "转应急"),
            pgettext("坐席绩效", "不予受理"), pgettext("坐席绩效", "仅登记"), _("平均处理时长（秒）"), _("占用率"),
            _("被更正"), _("质检件数"), _("质检平均分")]


def csv_lines(table: Performance) -> Iterator[str]:
    """The table as CSV lines (UTF-8 with a BOM first, so spreadsheet programs read the Chinese); names are
    defused (a name starting like a formula is shown, never run)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    for row in [*table.rows, table.centre]:
        writer.writerow([defuse(row.name), *cells(row)])
    yield "\ufeff" + buffer.getvalue()
