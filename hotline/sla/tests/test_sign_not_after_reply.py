"""A sign deadline (签收时限) is never later than the reply deadline (答复时限) of the same assignment (docs/sla.md §6).

A custom policy may count them on different axes: sign within 1 working day, reply within 48 wall-clock hours.
Dispatched Tue 2025-09-30 17:00, the eve of the National Day holiday (10-01 … 10-08): 1 working day runs to
Thu 10-09 17:00, while 48 hours run to Thu 10-02 17:00. The unit must then sign by 10-02 17:00 as well, as a
hand-down (下派) already caps it (`forwarding`): it cannot be asked to reply before it has to sign.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.sla import services as sla
from hotline.sla.choices import Basis, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
EVE = datetime(2025, 9, 30, 17, tzinfo=SH)
REPLY_DUE = datetime(2025, 10, 2, 17, tzinfo=SH)  # 48 wall-clock hours
SIGN_UNCAPPED = datetime(2025, 10, 9, 17, tzinfo=SH)  # 1 working day: 7 h on 09-30, 17 h on 10-09


def _policy() -> SlaPolicy:
    ensure_default_policies()
    return SlaPolicy.objects.create(name="测试：签收按工作日、答复按小时", priority=100,
                                    sign_amount=1, sign_unit=LimitUnit.WORKING_DAYS,
                                    reply_amount=48, reply_unit=LimitUnit.HOURS,
                                    close_amount=7, close_unit=LimitUnit.DAYS)


def test_snapshot_caps_the_sign_deadline_at_the_reply_deadline() -> None:
    policy = _policy()
    assignment = Assignment(dispatched_at=EVE)
    sla.snapshot_assignment(assignment, policy, EVE)
    assert assignment.reply_due == REPLY_DUE
    assert assignment.sign_due == REPLY_DUE  # not SIGN_UNCAPPED
    # The capped sign deadline is the reply deadline, on its axis: a pause shifts both alike.
    assert assignment.sign_basis == assignment.reply_basis == Basis.CLOCK
    assert assignment.phase_due == REPLY_DUE


def test_a_sign_deadline_within_the_reply_deadline_is_left_as_counted() -> None:
    policy = _policy()
    policy.reply_amount = 240  # 10 days: the working day to sign ends first
    assignment = Assignment(dispatched_at=EVE)
    sla.snapshot_assignment(assignment, policy, EVE)
    assert (assignment.sign_due, assignment.sign_basis) == (SIGN_UNCAPPED, Basis.WORKING)


def test_a_dispatch_before_the_holiday_never_asks_to_sign_after_the_reply_is_due() -> None:
    _policy()
    ticket = make_ticket(Status.DISPATCHED, at=EVE)
    lead = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)
    assert lead.reply_due == REPLY_DUE
    assert lead.sign_due == REPLY_DUE
    assert lead.sign_due <= lead.reply_due
