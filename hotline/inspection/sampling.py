"""Drawing the month's sample (抽取质检样本) of the intake agents' orders.

The population is the intake agents' own work: citizens' orders registered in the month by a person whose
role is 受理员 (`registered_by`), never by an API key's or a partner platform's service account, and neither
proactive 未诉先办 nor imported orders. For every agent, `max(minimum, ⌈rate × n⌉)` of their n orders are
picked at random (随机抽检) — reproducibly: the order is a shuffle seeded by the month and the agent — plus
every order whose later life points at intake (定向抽检): a unit's return (退单) accepted as 诉求或地址不清, a
direct answer (直接答复) the agent took as the first decision and that was reopened (重启) later, or an order
whose category or place someone else corrected (工单更正).

A month not over gets the targeted picks only (its random part would all fall on its first days); the random
part is drawn once the month has ended. Drawing a month again adds only what is missing: an order is sampled
once (unique per order), and an agent's random picks are topped up to the quota.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.api.models import ApiKey
from hotline.core import clock
from hotline.inspection.choices import Decision, EventKind, InspectionStatus, SampleReason
from hotline.inspection.models import Inspection, InspectionEvent, InspectionSettings
from hotline.inspection.permissions import may_inspect
from hotline.inspection.selectors import DECISIONS
from hotline.kpis.periods import Period
from hotline.tickets.choices import Action, ReturnReason
from hotline.tickets.choices import Decision as ReturnDecision
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.models import ReturnRequest, Ticket, TimelineEvent

#: Said wherever a draw of a month not over reports (page message, command output).
TARGETED_ONLY = gettext_lazy("本月未结束，仅抽取定向样本；随机样本在月末后抽取")


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
    """What `draw_sample` did for a month; `partial` when the month was not over yet (targeted picks only)."""

    period: Period
    partial: bool
    agents: list[AgentDraw] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(a.added for a in self.agents)


def service_account(user: str = "pk") -> Exists:
    """The condition "this person is a service account": the account an API key acts as, or its intake account
    (a partner platform of `hotline/interop` acts through its key's accounts too). `user` names the person's id
    on the outer query, e.g. "registered_by"."""
    return Exists(ApiKey.objects.filter(Q(user=OuterRef(user)) | Q(intake_user=OuterRef(user))))


def intake_orders(period: Period) -> QuerySet[Ticket]:
    """The citizens' orders an intake agent (受理员) registered in the month: no proactive or imported order, and
    none registered by a service account (an API key's or a partner platform's, which acts through its key)."""
    return Ticket.objects.from_citizens().filter(
        registered_at__gte=period.start, registered_at__lt=period.end, registered_by__role=Role.INTAKE,
        imported_from__isnull=True).exclude(service_account("registered_by"))


def with_first_decision(orders: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The orders annotated with their first decision after registration (`first_action`, `first_actor`,
    `first_seq`; None when none yet), as `selectors.first_decision` reads it."""
    first = TimelineEvent.objects.filter(ticket=OuterRef("pk"), action__in=list(DECISIONS), seq__gt=1).order_by("seq")
    return orders.annotate(first_action=Subquery(first.values("action")[:1]),
                           first_actor=Subquery(first.values("actor")[:1]),
                           first_seq=Subquery(first.values("seq")[:1]))


def quota(orders: int, rate: Decimal, minimum: int) -> int:
    """How many of an agent's `orders` are picked at random: max(minimum, ⌈rate % × orders⌉), at most all."""
    wanted = math.ceil(Decimal(rate) * orders / 100)
    return min(orders, max(minimum, wanted))


def corrected_by_others() -> Exists:
    """The condition "someone other than the agent who registered the order corrected its category or place"
    (工单更正 with `category_or_place`), on an outer query of orders."""
    return Exists(TimelineEvent.objects.filter(ticket=OuterRef("pk"), action=Action.CORRECT,
                                               data__category_or_place=True).exclude(actor=OuterRef("registered_by")))


def targeted(orders: QuerySet[Ticket]) -> dict[int, str]:
    """Order id → targeted reason, for the orders whose later life points at the agent's work.

    分类或地点被更正: someone else corrected the order's category or place (工单更正); a later reason below
    takes precedence when an order has several.

    直接答复后重启: the first decision is a direct answer taken by the agent who registered the order, and the
    order was reopened after it. 退单：诉求或地址不清: a unit's return with that reason, accepted by the centre.
    """
    reopened_after = TimelineEvent.objects.filter(ticket=OuterRef("pk"), action=Action.REOPEN,
                                                  seq__gt=OuterRef("first_seq"))
    reopened = with_first_decision(orders).filter(first_action=Action.ANSWER_DIRECTLY,
                                                  first_actor=F("registered_by")).filter(Exists(reopened_after))
    found: dict[int, str] = {pk: SampleReason.CORRECTED
                              for pk in orders.filter(corrected_by_others()).values_list("pk", flat=True)}
    for pk in reopened.values_list("pk", flat=True):
        found[pk] = SampleReason.ANSWER_REOPENED
    unclear = ReturnRequest.objects.filter(ticket__in=orders.values("pk"), reason_code=ReturnReason.UNCLEAR,
                                           status=ReturnDecision.APPROVED)
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
    begun (`RuleViolation`). A month not over gets its targeted picks only (`partial`); the random part is
    drawn after it ends.
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
    decisions: dict[int, str] = {}
    for pk, agent_id, action in with_first_decision(orders).order_by("pk").values_list(
            "pk", "registered_by_id", "first_action"):
        by_agent[agent_id].append(pk)
        decisions[pk] = DECISIONS.get(action, Decision.NONE)
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
                new.append(_sample(pk, agent_id, period, picks[pk], decisions[pk], now))
                taken.add(pk)
                draw.targeted_added += 1
        need = 0 if result.partial else draw.quota - random_had.get(agent_id, 0)
        for pk in shuffled(ids, period, agent_id):
            if need <= 0:
                break
            if pk not in taken:
                new.append(_sample(pk, agent_id, period, SampleReason.RANDOM, decisions[pk], now))
                taken.add(pk)
                draw.random_added += 1
                need -= 1
        draw.sampled = sum(1 for pk in ids if pk in taken)
        result.agents.append(draw)
    _write(new, actor, now, partial=result.partial)
    return result


def _sample(ticket_id: int, agent_id: int, period: Period, reason: str, decision: str, now: object) -> Inspection:
    return Inspection(ticket_id=ticket_id, agent_id=agent_id, month=period.first_day, reason=reason,
                      decision=decision, status=InspectionStatus.PENDING, sampled_at=now, version=1)


def _write(new: list[Inspection], actor: User | None, now: object, *, partial: bool) -> None:
    """Write the sampled orders and their first log entry (抽取样本)."""
    for inspection in new:  # one by one: every database returns the id, and a month's sample is small
        inspection.save(force_insert=True)
    InspectionEvent.objects.bulk_create([
        InspectionEvent(inspection=i, seq=1, at=now, actor=actor, kind=EventKind.SAMPLED, from_status="",
                        to_status=InspectionStatus.PENDING, data={"reason": i.reason, "partial": partial})
        for i in new])
