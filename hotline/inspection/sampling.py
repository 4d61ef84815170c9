"""Drawing the month's sample (抽取质检样本) of the intake agents' orders.

For every person who registered citizens' orders in the month (`registered_by`; proactive 未诉先办 and
imported orders are nobody's intake work), `max(minimum, ⌈rate × n⌉)` of their n orders are picked at random
(随机抽检) — reproducibly: the order is a shuffle seeded by the month and the agent — plus every order whose
later life points at intake (定向抽检): a unit's return (退单) accepted as 诉求或地址不清, a direct answer
(直接答复) reopened later, or one whose valid return visit (有效回访) said not resolved or 不满意.

Drawing a month again adds only what is missing: an order is sampled once (unique per order), and the
random picks of an agent are topped up to the quota (a month drawn before its end has more orders later).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.inspection.choices import EventKind, InspectionStatus, SampleReason
from hotline.inspection.models import Inspection, InspectionEvent, InspectionSettings
from hotline.inspection.permissions import may_inspect
from hotline.kpis.periods import Period
from hotline.kpis.visits import valid_visit
from hotline.tickets.choices import Action, Decision, ReturnReason, Satisfaction
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.models import ReturnRequest, ReturnVisit, Ticket, TimelineEvent


@dataclass
class AgentDraw:
    """One agent's part of a draw: their orders, the random quota, what this draw added and the total sampled."""

    agent: User
    orders: int = 0
    quota: int = 0
    random_added: int = 0
    targeted_added: int = 0
    sampled: int = 0

    @property
    def added(self) -> int:
        return self.random_added + self.targeted_added


@dataclass
class SampleResult:
    """What `draw_sample` did for a month; `partial` when the month was not over yet."""

    period: Period
    partial: bool
    agents: list[AgentDraw] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(a.added for a in self.agents)


def intake_orders(period: Period) -> QuerySet[Ticket]:
    """The citizens' orders a person registered in the month (no proactive, no imported order)."""
    return Ticket.objects.from_citizens().filter(
        registered_at__gte=period.start, registered_at__lt=period.end, registered_by__isnull=False,
        imported_from__isnull=True)


def quota(orders: int, rate: Decimal, minimum: int) -> int:
    """How many of an agent's `orders` are picked at random: max(minimum, ⌈rate % × orders⌉), at most all."""
    wanted = math.ceil(Decimal(rate) * orders / 100)
    return min(orders, max(minimum, wanted))


def targeted(orders: QuerySet[Ticket]) -> dict[int, str]:
    """Order id → targeted reason, for the orders whose later life points at the agent's work."""
    answered = orders.filter(Exists(TimelineEvent.objects.filter(ticket=OuterRef("pk"),
                                                                 action=Action.ANSWER_DIRECTLY)))
    bad_visit = ReturnVisit.objects.filter(valid_visit(), ticket=OuterRef("pk")).filter(
        Q(resolved=False) | Q(satisfaction=Satisfaction.UNSATISFIED))
    found: dict[int, str] = {}
    for pk in answered.filter(reopen_count__gt=0).values_list("pk", flat=True):
        found[pk] = SampleReason.ANSWER_REOPENED
    for pk in answered.filter(Exists(bad_visit)).values_list("pk", flat=True):
        found[pk] = SampleReason.ANSWER_UNRESOLVED
    unclear = ReturnRequest.objects.filter(ticket__in=orders.values("pk"), reason_code=ReturnReason.UNCLEAR,
                                           status=Decision.APPROVED)
    for pk in unclear.values_list("ticket_id", flat=True):
        found[pk] = SampleReason.RETURN_UNCLEAR
    return found


def shuffled(ids: list[int], period: Period, agent_id: int) -> list[int]:
    """The agent's order ids in the month's reproducible random order (seeded by month and agent)."""
    order = sorted(ids)
    random.Random(f"{period.label}:{agent_id}").shuffle(order)  # noqa: S311 - a sample, not a secret
    return order


@transaction.atomic
def draw_sample(period: Period, *, actor: User | None) -> SampleResult:
    """Draw the month's sample (抽取质检样本): random and targeted picks per agent, each logged as sampled.

    `actor` None is the command line. Refused: someone who may not inspect (`NotPermitted`), a month not
    begun (`RuleViolation`). A month not over is drawn as far as it goes (`partial`).
    """
    if actor is not None and not may_inspect(actor):
        raise NotPermitted(_("只有质检员和系统管理员可以抽取质检样本"))
    now = clock.now()
    if period.start > now:
        raise RuleViolation(_("%(month)s 尚未开始，不能抽取样本") % {"month": period.label})
    settings = InspectionSettings.current()
    InspectionSettings.objects.select_for_update().filter(pk=1).first()  # one draw at a time
    result = SampleResult(period=period, partial=period.end > now)
    orders = intake_orders(period)
    by_agent: dict[int, list[int]] = defaultdict(list)
    for pk, agent_id in orders.order_by("pk").values_list("pk", "registered_by_id"):
        by_agent[agent_id].append(pk)
    if not by_agent:
        return result
    picks = targeted(orders)
    taken = set(Inspection.objects.filter(ticket__in=orders.values("pk")).values_list("ticket_id", flat=True))
    random_had = dict(Inspection.objects.filter(month=period.first_day, reason=SampleReason.RANDOM)
                      .order_by().values_list("agent_id").annotate(n=Count("id")))
    agents = User.objects.in_bulk(list(by_agent))
    new: list[Inspection] = []
    for agent_id in sorted(by_agent, key=lambda pk: (agents[pk].username, pk)):
        ids = by_agent[agent_id]
        draw = AgentDraw(agent=agents[agent_id], orders=len(ids),
                         quota=quota(len(ids), settings.sample_rate, settings.minimum_per_agent))
        for pk in ids:
            if pk in picks and pk not in taken:
                new.append(_sample(pk, agent_id, period, picks[pk], now))
                taken.add(pk)
                draw.targeted_added += 1
        need = draw.quota - random_had.get(agent_id, 0)
        for pk in shuffled(ids, period, agent_id):
            if need <= 0:
                break
            if pk not in taken:
                new.append(_sample(pk, agent_id, period, SampleReason.RANDOM, now))
                taken.add(pk)
                draw.random_added += 1
                need -= 1
        draw.sampled = sum(1 for pk in ids if pk in taken)
        result.agents.append(draw)
    _write(new, actor, now, partial=result.partial)
    return result


def _sample(ticket_id: int, agent_id: int, period: Period, reason: str, now: object) -> Inspection:
    return Inspection(ticket_id=ticket_id, agent_id=agent_id, month=period.first_day, reason=reason,
                      status=InspectionStatus.PENDING, sampled_at=now, version=1)


def _write(new: list[Inspection], actor: User | None, now: object, *, partial: bool) -> None:
    """Write the sampled orders and their first log entry (抽取样本)."""
    for inspection in new:  # one by one: every database returns the id, and a month's sample is small
        inspection.save(force_insert=True)
    InspectionEvent.objects.bulk_create([
        InspectionEvent(inspection=i, seq=1, at=now, actor=actor, kind=EventKind.SAMPLED, from_status="",
                        to_status=InspectionStatus.PENDING, data={"reason": i.reason, "partial": partial})
        for i in new])
