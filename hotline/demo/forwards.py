"""下派 in the demo: districts and streets hand a few of their orders down to where the matter happened.

Through the real service, as a unit's handler does from the order page: open orders (待签收 or 办理中) a
district leads that name one of its streets go to that street, and orders a street leads that name one of
its communities go to that community (its grid workers check on site), with the instructions; the last one
is returned (不属于本辖区) and the unit above takes it back, so the demo shows both ways.
The oldest orders come first. Loading the demo again changes nothing: once any order was handed down, this
step is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F

from hotline.core import clock
from hotline.demo.users import UnitStaff
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, ReturnReason, Status
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: How many orders the districts hand down.
FORWARDS = 4


def load_forwards(*, now: datetime | None = None) -> int:
    """Hand a few district orders down to their streets (once); returns how many were handed down."""
    if TimelineEvent.objects.filter(action=Action.FORWARD).exists():
        return 0
    now = now or clock.now()
    running = (Assignment.objects.filter(role=AssignmentRole.LEAD, ticket__is_confidential=False,
                                         status__in=[AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED],
                                         ticket__status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
               .select_related("unit", "ticket__street", "ticket__community")
               .order_by("ticket__registered_at", "ticket_id"))
    # A district's order goes to the order's street; a street's to the order's community (社区网格员 on site).
    candidates = [*((a, a.ticket.street) for a in running.filter(unit__kind=UnitKind.DISTRICT,
                                                                 ticket__street__parent=F("unit"))[:FORWARDS * 3]),
                  *((a, a.ticket.community) for a in running.filter(unit__kind=UnitKind.STREET,
                                                                    ticket__community__parent=F("unit"))[:FORWARDS * 3])]
    staff, done = UnitStaff(), []
    for assignment, below in candidates:
        note = f"经核实，事发地点在{below.name}辖区，请安排人员现场核实处理，并答复群众"
        if _step(assignment.ticket, now - timedelta(hours=3), services.forward, actor=staff.handler(assignment.unit),
                 to=below, note=note):
            done.append((assignment.ticket, below))
        if len(done) >= FORWARDS:
            break
    if done:  # the unit below finds the last one is not its own: back to the unit above at once
        ticket, below = done[-1]
        _step(ticket, now - timedelta(hours=1), services.return_order, actor=staff.handler(below),
              reason_code=ReturnReason.NOT_OUR_AREA, reason="经现场核实，该地址属相邻辖区，退回上级重新下派")
    return len(done)


def _step(ticket: Ticket, moment: datetime, service, **kwargs: object) -> bool:  # noqa: ANN001
    last = ticket.timeline.order_by("-seq").values_list("at", flat=True).first()
    try:
        with clock.frozen(max(moment, last) if last else moment):
            service(ticket, **kwargs)
    except DomainError as exc:  # an order the demo left where the step is not allowed
        logger.info("demo %s skipped on %s: %s", service.__name__, ticket.number, exc.message)
        return False
    return True
