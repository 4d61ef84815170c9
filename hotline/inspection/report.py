"""The monthly quality table (质检月报): per agent, how many orders were sampled and scored, the average score,
fatal errors, how often each checklist item lost points, appeals filed and revised, and the rank."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.inspection.choices import SCORED, InspectionStatus, Scope
from hotline.inspection.models import Criterion, Deduction, Inspection
from hotline.inspection.selectors import DECISION_SCOPE
from hotline.kpis.periods import Period
from hotline.workbench.queues.export import defuse


@dataclass
class AgentRow:
    """One agent's line of the table; `rates` follow the report's criteria (share of the scored orders the item
    applies to that lost points on it, None when none was scored)."""

    agent: User | None
    sampled: int = 0
    inspected: int = 0
    average: float | None = None
    fatal: int = 0
    appeals: int = 0
    revised: int = 0
    rates: list[float | None] = field(default_factory=list)
    rank: int | None = None

    @property
    def percents(self) -> list[str]:
        """The rates as shown on the page and in the CSV: one decimal and a percent sign ("" for none)."""
        return [_percent(r) for r in self.rates]


@dataclass
class Report:
    """The month's table, its checklist columns and the centre's line (全中心)."""

    period: Period
    criteria: list[Criterion]
    rows: list[AgentRow]
    centre: AgentRow


def _applies(criterion: Criterion, by_decision: dict[str, int]) -> int:
    """How many of the scored orders (counted by the agent's first decision) the item applies to."""
    if criterion.applies_to == Scope.ALL:
        return sum(by_decision.values())
    return sum(n for decision, n in by_decision.items() if DECISION_SCOPE.get(decision) == criterion.applies_to)


def _row(agent: User | None, counts: dict, per_criterion: dict[int, int], by_decision: dict[str, int],
         criteria: list[Criterion]) -> AgentRow:
    avg = counts.get("average")
    rates = []
    for c in criteria:
        applies = _applies(c, by_decision)
        rates.append(per_criterion.get(c.pk, 0) / applies if applies else None)
    return AgentRow(agent=agent, sampled=counts.get("sampled", 0), inspected=counts.get("inspected", 0),
                    average=round(float(avg), 1) if avg is not None else None, fatal=counts.get("fatal", 0),
                    appeals=counts.get("appeals", 0), revised=counts.get("revised", 0), rates=rates)


def monthly_report(period: Period) -> Report:
    """The table of `period` (a month), agents ranked by average score (ties share a rank).

    An item's deduction rate divides the scored orders that lost points on it by the scored orders it applies
    to (a direct-answer item: the direct answers only), by the first decision each inspection noted (a
    deduction kept on an order the item no longer applies to is left out of the rate). Six queries, however
    many agents and items."""
    month = Inspection.objects.filter(month=period.first_day)
    scored = Q(status__in=SCORED)
    figures = dict(
        sampled=Count("id"), inspected=Count("id", filter=scored), average=Avg("score", filter=scored),
        fatal=Count("id", filter=scored & Q(is_fatal=True)), appeals=Count("id", filter=Q(appealed_at__isnull=False)),
        revised=Count("id", filter=Q(status=InspectionStatus.REVISED)))
    per_agent = {r["agent"]: r for r in month.order_by().values("agent").annotate(**figures)}
    centre = month.order_by().aggregate(**figures)
    lost = (Deduction.objects.filter(inspection__month=period.first_day, inspection__status__in=SCORED, points__gt=0)
            .order_by().values_list("inspection__agent", "criterion", "criterion__applies_to", "inspection__decision")
            .annotate(n=Count("id")))
    decided: dict[int, dict[str, int]] = {}
    for agent_id, decision, n in month.filter(scored).order_by().values_list("agent", "decision").annotate(
            n=Count("id")):
        decided.setdefault(agent_id, {})[decision] = n
    by_agent: dict[int, dict[int, int]] = {}
    for agent_id, criterion_id, scope, decision, n in lost:
        if scope == Scope.ALL or DECISION_SCOPE.get(decision) == scope:  # over the orders it applies to
            counts = by_agent.setdefault(agent_id, {})
            counts[criterion_id] = counts.get(criterion_id, 0) + n
    used = {c for counts in by_agent.values() for c in counts}
    criteria = list(Criterion.objects.filter(Q(is_active=True) | Q(pk__in=used)).order_by("sort_order", "id"))
    agents = User.objects.in_bulk(list(per_agent))
    rows = [_row(agents[pk], per_agent[pk], by_agent.get(pk, {}), decided.get(pk, {}), criteria) for pk in per_agent]
    rows.sort(key=lambda r: (r.average is None, -(r.average or 0), r.agent.username))
    rank, last = 0, None
    for position, row in enumerate((r for r in rows if r.average is not None), start=1):
        if row.average != last:
            rank, last = position, row.average
        row.rank = rank
    totals: dict[int, int] = {}
    for counts in by_agent.values():
        for pk, n in counts.items():
            totals[pk] = totals.get(pk, 0) + n
    centre_decided: dict[str, int] = {}
    for counts in decided.values():
        for decision, n in counts.items():
            centre_decided[decision] = centre_decided.get(decision, 0) + n
    return Report(period=period, criteria=criteria, rows=rows,
                  centre=_row(None, centre, totals, centre_decided, criteria))


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def csv_lines(report: Report) -> Iterator[str]:
    """The table as CSV lines (UTF-8 with a BOM first, so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [_("排名"), _("受理员"), _("抽检件数"), _("已质检"), _("平均分"), _("严重差错"), _("申诉"), _("改判")]
    writer.writerow(header + [defuse(_("扣分率：%(name)s") % {"name": c.name}) for c in report.criteria])
    for row in [*report.rows, report.centre]:
        name = (row.agent.display_name or row.agent.username) if row.agent else _("全中心")
        writer.writerow([row.rank or "", defuse(name), row.sampled, row.inspected,
                         "" if row.average is None else f"{row.average:.1f}", row.fatal, row.appeals, row.revised,
                         *row.percents])
    yield "\ufeff" + buffer.getvalue()
