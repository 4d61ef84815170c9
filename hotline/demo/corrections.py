"""工单更正 in the demo: the dispatcher puts right how a few open orders were recorded.

Through the real service, as the dispatcher does from the order page: for a few orders an agent registered,
the caller, called back, names the neighbouring community of the same street (the agent had picked the
wrong one from the list); and orders awaiting dispatch whose callers spoke of old people or children are
raised from 一般 to 较急. The oldest open orders come first, so last month's inspection sample can show the
targeted pick 分类或地点被更正. Loading the demo again changes nothing: once any order has a correction, this
step is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.transitions import OPEN

logger = logging.getLogger(__name__)

#: How many orders get their community corrected, and at most how many a higher urgency.
PLACES, URGENCIES = 4, 2
#: Words in a description that make an order more pressing than 一般.
VULNERABLE = ("老人", "孩子", "小孩", "学生")


def _at_or_after_last_step(ticket: Ticket, moment: datetime) -> datetime:
    last = ticket.timeline.order_by("-seq").values_list("at", flat=True).first()
    return max(moment, last) if last else moment


def load_corrections(*, now: datetime | None = None) -> int:
    """Record the demo's corrections (once); returns how many were made."""
    if TimelineEvent.objects.filter(action=Action.CORRECT).exists():
        return 0
    dispatcher = User.objects.filter(username="dispatcher", is_active=True).first()
    if dispatcher is None:
        return 0
    now = now or clock.now()
    agents_orders = (Ticket.objects.from_citizens().filter(status__in=OPEN, registered_by__role=Role.INTAKE)
                     .order_by("registered_at", "pk"))
    made = 0
    for ticket in agents_orders.filter(community__isnull=False).select_related("community")[:PLACES * 3]:
        neighbours = list(HandlingUnit.objects.filter(parent_id=ticket.street_id, kind=UnitKind.COMMUNITY,
                                                      is_active=True).exclude(pk=ticket.community_id)
                          .order_by("path")[:1])
        if not neighbours:
            continue
        made += _correct(ticket, dispatcher, now, community=neighbours[0],
                         reason=f"回拨来电人核实：事发地点在{neighbours[0].name}，登记时误选{ticket.community.name}")
        if made >= PLACES:
            break
    raised = 0
    for ticket in agents_orders.filter(status=Status.PENDING_DISPATCH, urgency=Urgency.NORMAL)[:50]:
        if raised >= URGENCIES or not any(word in ticket.description for word in VULNERABLE):
            continue
        done = _correct(ticket, dispatcher, now, urgency=Urgency.PRESSING,
                        reason="诉求涉及老人、儿童出行安全，提高紧急程度")
        raised += done
    return made + raised


def _correct(ticket: Ticket, actor: User, now: datetime, **changes: object) -> int:
    try:
        with clock.frozen(_at_or_after_last_step(ticket, now - timedelta(hours=2))):
            services.correct(ticket, actor=actor, **changes)
    except DomainError as exc:  # an order the demo left where no correction is allowed
        logger.info("demo correction skipped on %s: %s", ticket.number, exc.message)
        return 0
    return 1
