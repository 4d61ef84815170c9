"""下派: a hand-down caps the unit below's sign deadline at the carried reply deadline, on the reply deadline's axis
(docs/sla.md §6, as `sla.snapshot_assignment` does at dispatch), so a pause moves both alike. Review s12 (rv9)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from hotline.accounts.choices import Role
from hotline.core import workcalendar
from hotline.orgs.choices import UnitKind
from hotline.sla.choices import Basis, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.tests.factories import (
    Cast,
    HandlingUnitFactory,
    UserFactory,
    ensure_default_policies,
    make_ticket,
)

SH = ZoneInfo("Asia/Shanghai")


def test_hand_down_caps_sign_deadline_on_the_reply_axis(db: None, traveller: time_machine.Coordinates) -> None:
    ensure_default_policies()
    policy = SlaPolicy.objects.create(name="签收按小时、答复按工作日", priority=100,
                                      sign_amount=24, sign_unit=LimitUnit.HOURS,
                                      reply_amount=5, reply_unit=LimitUnit.WORKING_DAYS,
                                      close_amount=7, close_unit=LimitUnit.WORKING_DAYS)
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    UserFactory(role=Role.UNIT_HANDLER, units=[street])
    cast = Cast.build(lead=district)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)  # Tue 2025-03-04 10:00
    held = ticket.assignments.get(role=AssignmentRole.LEAD)
    assert held.reply_due == datetime(2025, 3, 11, 10, tzinfo=SH)
    handed_down = datetime(2025, 3, 10, 17, tzinfo=SH)  # Mon 17:00: 24 hours would run past the reply deadline
    traveller.move_to(handed_down)
    services.forward(ticket, actor=cast.lead_handler, to=street, note="请街道现场核实处理")
    below = ticket.assignments.filter(role=AssignmentRole.LEAD).order_by("id").last()
    assert below.sign_due == below.reply_due == held.reply_due
    # The capped sign deadline is the reply deadline on its axis (working time), so a pause moves both alike,
    assert below.sign_basis == below.reply_basis == Basis.WORKING
    # and its running phase counts its yellow mark on that axis too.
    assert below.phase_due == below.sign_due
    assert below.phase_yellow_at == workcalendar.yellow_at(handed_down, below.sign_due, float(policy.yellow_ratio),
                                                           Basis.WORKING)
