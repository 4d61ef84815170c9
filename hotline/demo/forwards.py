"""下派 in the demo, the way back: a street returns an order its district handed down (不属于本辖区).

The walk (`hotline/demo/walk.py`) has the districts hand every other order sent to them down to the street
where it happened. Here, through the real service, the street of the oldest such order it has not signed yet
returns it, and the district takes it back at once, so the demo shows both ways. Nothing goes down to a
community (`ForwardSettings`: not by default). Loading the demo again changes nothing: once an order came
back up, this step is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hotline.core import clock
from hotline.demo.users import UnitStaff
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, ReturnReason
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, TimelineEvent

logger = logging.getLogger(__name__)


def load_return_up(*, now: datetime | None = None) -> bool:
    """The street returns the oldest unsigned order handed down to it (once); whether one came back up."""
    if TimelineEvent.objects.filter(action=Action.RETURN, data__to_unit__isnull=False).exists():
        return False
    below = (Assignment.objects.filter(role=AssignmentRole.LEAD, forwarded_from__isnull=False,
                                       status=AssignmentStatus.PENDING_SIGN)
             .select_related("unit", "ticket").order_by("dispatched_at", "pk").first())
    if below is None:
        return False
    ticket = below.ticket
    moment = max((now or clock.now()) - timedelta(hours=1), below.dispatched_at + timedelta(minutes=30))
    try:
        with clock.frozen(moment):
            services.return_order(ticket, actor=UnitStaff().handler(below.unit), reason_code=ReturnReason.NOT_OUR_AREA,
                                  reason="经现场核实，该地址属相邻街道管辖，退回区级重新下派")
    except DomainError as exc:  # past its return window, say
        logger.info("demo return to the district skipped on %s: %s", ticket.number, exc.message)
        return False
    return True
