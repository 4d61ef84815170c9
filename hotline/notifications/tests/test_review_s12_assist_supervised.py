"""An assisting unit (协办) on an order waiting for the return visit (待回访) can no longer sign or reply
(协办签收 / 协办答复 closed there): neither a 督办 nor its frozen light texts it.

Reviewer's finding (rv11): a 督办 in 待回访 texted 「请抓紧办理」 to the assisting unit, though docs/portal.md
alerts only units "still to sign or reply". The rule is the sweep's own (`sla.sweep.assist_moot`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from hotline.notifications import unit_alerts
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.models import UnitAlertSettings
from hotline.notifications.services import muted
from hotline.orgs.choices import UnitKind
from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status, SupervisionKind
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE, ASSIST_PHONE = "13900000001", "13900000002"


@pytest.fixture
def team(db: None) -> Cast:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    assisting = [HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=ASSIST_PHONE)]
    return Cast.build(lead=lead, assisting=assisting)


def sent_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def test_supervision_in_awaiting_visit_does_not_text_an_assisting_unit_that_can_no_longer_act(
        frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    # The assisting unit signed but never gave its opinion; the lead replied and the centre approved it.
    with on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=team)
    assist = Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)
    assert assist.status == AssignmentStatus.SIGNED  # moot: 协办答复 is closed in 待回访
    MemoryNotifier.sent.clear()
    with on_commit():
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=2,
                           note="回访前督办")
    assert sent_to(ASSIST_PHONE) == []


def test_supervision_while_the_assisting_unit_may_still_reply_texts_it(
        frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    with on_commit():
        ticket = make_ticket(Status.REPLIED, cast=team)  # 答复待审: 协办答复 still open
    MemoryNotifier.sent.clear()
    with on_commit():
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=2, note="督办")
    assert len(sent_to(ASSIST_PHONE)) == 1


def test_a_moot_assisting_light_is_not_texted(traveller: time_machine.Coordinates, team: Cast) -> None:
    """The light turned yellow while the unit could reply; no alert run came before the order reached 待回访."""
    UnitAlertSettings.current()
    with muted():
        ticket = make_ticket(Status.IN_PROGRESS, cast=team)
    assist = Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)
    traveller.move_to(assist.reply_due - timedelta(hours=1))
    sweep()
    assist.refresh_from_db()
    assert assist.light == Light.YELLOW
    with muted():
        services.reply(ticket, actor=team.lead_handler, unit=team.lead, content="已修复", public_reply="已修复",
                       contacted=True, resolved=True, is_truthful=True)
        services.approve_reply(ticket, actor=team.inspector)
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_VISIT
    MemoryNotifier.sent.clear()
    unit_alerts.alert_lights()
    assert sent_to(ASSIST_PHONE) == []
