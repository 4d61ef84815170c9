"""What the public Open311 interface withholds beyond names and numbers (docs/open311.md, Privacy).

- **Exact coordinates.** A 12345 call is very often about the caller's own home (noise next door, a leaking
  flat): a point is published snapped to a grid of 0.001° (`COORDINATE_GRID`, about 100 m), the same point
  always to the same value. The centre's pages and the authenticated API keep the exact point.
- **Requests the centre has not accepted (网上受理).** An online request (`Ticket.accept_due` set) waits in
  已登记 for the centre's first decision; until then its words are the citizen's, unread by anyone. It is not
  listed; its number (held by whoever submitted it) answers with its status and a neutral note only. An online
  request refused (不予受理), at acceptance or later, was never taken up: it stays so, told by its refusal's label
  (what a centre refuses is often no matter for the public: abuse, a private dispute, a duplicate).
- **The place of a 举报** (report of wrongdoing): its address, area, coordinates and photo often identify the
  person reported or the reporter, and its answers quote the report: only its number, status and service.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from hotline.open311.constants import COORDINATE_GRID
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

_GRID = Decimal(COORDINATE_GRID)


def coarse(value: Decimal | float | None) -> float | None:
    """A coordinate as published: rounded (half up) to the grid, so a point always gives the same value."""
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return float(exact.quantize(_GRID, rounding=ROUND_HALF_UP))


def unreviewed_q(prefix: str = "") -> Q:
    """Online requests the centre has not taken up: still waiting for acceptance, or refused (不予受理).
    `prefix` reaches the order through a relation (`"ticket__"`)."""
    online = Q(**{f"{prefix}accept_due__isnull": False})
    waiting = Q(**{f"{prefix}accepted_at__isnull": True})
    refused = Q(**{f"{prefix}status": Status.NOT_ACCEPTED})
    return online & (waiting | refused)


def unreviewed(ticket: Ticket) -> bool:
    """`unreviewed_q` for one order already read."""
    if ticket.accept_due is None:
        return False
    return ticket.accepted_at is None or ticket.status == Status.NOT_ACCEPTED


def is_report(ticket: Ticket) -> bool:
    """Whether the order is a 举报: published by its number, status and service alone."""
    return ticket.request_type == RequestType.REPORT
