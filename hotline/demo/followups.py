"""群众催办 and 补充诉求 in the demo: citizens who called again about orders still being handled.

The oldest open citizens' orders held by units (those most likely to be chased) get one to three chases,
and a few of them a supplement, recorded by the demo's intake agents through the real services, as an
agent does from the intake pop-up. Confidential (保密) orders are left out. Loading the demo again changes
nothing: once any order has a chase, this step is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hotline.accounts.models import User
from hotline.core import clock
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: The agents who take the repeat calls.
AGENTS = ("agent1", "agent2")
#: Orders chased, and how often each is chased (in turn).
ORDERS, CHASES = 12, (3, 2, 1, 1, 2, 1)
#: What the agent wrote down on a chase: what the citizen said and what they were told.
CHASE_NOTES = (
    "群众来电询问办理进度，已告知工单正在办理中，承办单位将在时限内答复",
    "群众反映问题仍未解决，再次来电催促，已告知将督促承办单位尽快处理",
    "群众询问何时有人上门查看，已告知当前办理进度并记录催办",
)
#: New facts some citizens add (补充诉求).
SUPPLEMENTS = (
    "问题位置在小区3号楼东侧，晚上8点以后最严重",
    "已向物业反映两次无果，物业电话一直无人接听",
    "现场积水约20厘米，影响老人和孩子出行，希望尽快处理",
)
#: Statuses in which a unit holds the order and should act (a chase there is counted against the unit).
HELD = (Status.DISPATCHED, Status.IN_PROGRESS)


def _not_before_last_step(ticket: Ticket, moment: datetime) -> datetime:
    """`moment`, or the order's last step's time if that is later (a timeline never goes back in time)."""
    last = ticket.timeline.order_by("-seq").values_list("at", flat=True).first()
    return max(moment, last) if last else moment


def load_followups(*, now: datetime | None = None) -> int:
    """Record the demo's chases and supplements (once); returns how many steps were taken."""
    if TimelineEvent.objects.filter(action__in=(Action.CHASE, Action.SUPPLEMENT)).exists():
        return 0
    agents = list(User.objects.filter(username__in=AGENTS, is_active=True).order_by("username"))
    if not agents:
        return 0
    now = now or clock.now()
    orders = list(Ticket.objects.from_citizens().filter(status__in=HELD, is_confidential=False)
                  .order_by("registered_at", "pk")[:ORDERS])
    steps = 0
    for n, ticket in enumerate(orders):
        agent = agents[n % len(agents)]
        moments = [now - timedelta(hours=6 * (k + 1)) for k in reversed(range(CHASES[n % len(CHASES)]))]
        try:
            for k, moment in enumerate(moments):
                with clock.frozen(_not_before_last_step(ticket, moment)):
                    services.chase(ticket, actor=agent, note=CHASE_NOTES[(n + k) % len(CHASE_NOTES)])
                steps += 1
            if n % 4 == 0:
                with clock.frozen(_not_before_last_step(ticket, now - timedelta(hours=1))):
                    services.supplement(ticket, actor=agent, text=SUPPLEMENTS[(n // 4) % len(SUPPLEMENTS)])
                steps += 1
        except DomainError as exc:  # an order the demo's walk left where no chase is allowed
            logger.info("demo chase skipped on %s: %s", ticket.number, exc.message)
    return steps
