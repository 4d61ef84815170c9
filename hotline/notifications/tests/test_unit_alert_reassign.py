"""改派 (the centre's reassignment) and the handling units' duty phones (承办单位提醒).

Every unit the 改派 withdrew is told it need not act any more (「改派：工单…已由热线中心改派，您单位无需继续
办理。」, no caller, no description), under the 新派单 switch as 收回下派; the new units get the dispatch's
ordinary 新派单; a unit withdrawn and sent the order again hears only the 新派单.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from hotline.notifications import unit_alerts
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import AlertScope, DeliveryStatus, Recipient, Template, UnitAlertKind
from hotline.notifications.constants import REDELIVER_AFTER
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentStatus, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE, ASSIST_PHONE, NEW_PHONE = "13900000011", "13900000012", "13900000013"
CALLER_NAME, CALLER_PHONE = "王秀英", "13811112222"
DESCRIPTION = "小区东门燃气管道有刺鼻气味，家中老人不敢做饭"


@pytest.fixture
def team(db: None) -> Cast:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE, name="东华门街道")
    assisting = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=ASSIST_PHONE, name="景山街道")
    return Cast.build(lead=lead, assisting=[assisting])


@pytest.fixture
def fresh(team: Cast) -> HandlingUnit:
    return HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone=NEW_PHONE, name="市燃气公司")


def sent_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def order(team: Cast, on_commit: Any, status: str = Status.DISPATCHED, **draft: Any) -> Ticket:
    draft = {"urgency": Urgency.URGENT, "title": "燃气管道疑似泄漏", "caller_name": CALLER_NAME,
             "caller_phone": CALLER_PHONE, "description": DESCRIPTION} | draft
    with on_commit():
        return make_ticket(status, cast=team, **draft)


def reassign(ticket: Ticket, team: Cast, on_commit: Any, lead: HandlingUnit, **kw: Any) -> Ticket:
    with on_commit():
        return services.reassign(ticket, actor=team.dispatcher, reason="派单有误，属燃气公司职责", lead=lead, **kw)


def withdrawn_text(ticket: Ticket) -> str:
    return (f"改派：工单{ticket.number}「燃气管道疑似泄漏」已由热线中心改派，您单位无需继续办理。"
            f"详见：https://12345.example.cn/orders/{ticket.number}/")


def test_every_withdrawn_unit_is_told_and_the_new_lead_gets_the_dispatch(frozen_now: datetime, team: Cast,
                                                                         fresh: HandlingUnit, on_commit: Any) -> None:
    ticket = order(team, on_commit)
    assert [len(sent_to(LEAD_PHONE)), len(sent_to(ASSIST_PHONE))] == [1, 1]  # 新派单 of the first dispatch

    ticket = reassign(ticket, team, on_commit, fresh)

    for phone in (LEAD_PHONE, ASSIST_PHONE):
        first, withdrawn = sent_to(phone)
        assert first.startswith(f"新派单（紧急）：工单{ticket.number}")
        assert withdrawn == withdrawn_text(ticket)
        for secret in (CALLER_NAME, CALLER_PHONE, DESCRIPTION[:6]):
            assert secret not in withdrawn
    [new] = sent_to(NEW_PHONE)
    sign_due = Assignment.objects.get(ticket=ticket, unit=fresh).sign_due
    assert new.startswith(f"新派单（紧急）：工单{ticket.number}「燃气管道疑似泄漏」已派至您单位（主办），请于")
    assert sign_due is not None and "前签收" in new
    event = ticket.timeline.get(action=Action.REASSIGN)
    notes = list(Notification.objects.filter(recipient=Recipient.UNIT, unit_alerts__event=event))
    assert {(n.template, n.subject, n.status, n.ticket_id) for n in notes} == {
        (Template.UNIT_DISPATCHED, "单位提醒：工单已改派", DeliveryStatus.SENT, ticket.pk)}
    assert {n.unit for n in notes} == {team.lead, *team.assisting}
    assert set(UnitAlert.objects.filter(event=event).values_list("kind", "assignment__status")) == {
        (UnitAlertKind.DISPATCHED, AssignmentStatus.WITHDRAWN)}


def test_a_signed_unit_is_told_too(frozen_now: datetime, team: Cast, fresh: HandlingUnit, on_commit: Any) -> None:
    """Handling already: it is the unit that most needs to hear it may stop."""
    ticket = order(team, on_commit, Status.IN_PROGRESS)
    ticket = reassign(ticket, team, on_commit, fresh)
    assert sent_to(LEAD_PHONE)[-1] == withdrawn_text(ticket)
    assert sent_to(ASSIST_PHONE)[-1] == withdrawn_text(ticket)


def test_a_unit_sent_the_order_again_hears_only_the_new_dispatch(frozen_now: datetime, team: Cast,
                                                                  on_commit: Any) -> None:
    """The assisting unit becomes the lead: 「无需继续办理」 would contradict the 新派单 that follows."""
    ticket = order(team, on_commit)
    [assisting] = team.assisting
    ticket = reassign(ticket, team, on_commit, assisting)

    assert sent_to(LEAD_PHONE)[-1] == withdrawn_text(ticket)
    first, again = sent_to(ASSIST_PHONE)
    assert "（协办）" in first and again.startswith(f"新派单（紧急）：工单{ticket.number}") and "（主办）" in again


def test_the_new_assisting_units_get_the_dispatch(frozen_now: datetime, team: Cast, fresh: HandlingUnit,
                                                  on_commit: Any) -> None:
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone="13900000014")
    ticket = order(team, on_commit)
    reassign(ticket, team, on_commit, fresh, assisting=[other])
    [text] = sent_to("13900000014")
    assert "（协办）" in text and text.startswith("新派单（紧急）")


@pytest.mark.parametrize(("switch", "draft", "alerted"), [
    (AlertScope.PRESSING, {"urgency": Urgency.NORMAL}, False),
    (AlertScope.ALL, {"urgency": Urgency.NORMAL}, True),
    (AlertScope.OFF, {}, False),
])
def test_the_new_order_switch_decides(frozen_now: datetime, team: Cast, fresh: HandlingUnit, on_commit: Any,
                                      switch: str, draft: dict, alerted: bool) -> None:
    """The 新派单 switch (UnitAlertSettings.dispatched) governs both: a unit told of the order is told it is gone."""
    row = UnitAlertSettings.current()
    row.dispatched = switch
    row.save()
    ticket = order(team, on_commit, **draft)
    reassign(ticket, team, on_commit, fresh)
    assert (withdrawn_text(ticket) in sent_to(LEAD_PHONE)) is alerted
    assert len(sent_to(NEW_PHONE)) == int(alerted)
    assert UnitAlert.objects.filter(event__action=Action.REASSIGN).exists() is alerted


def test_a_re_delivered_signal_sends_nothing_new(frozen_now: datetime, team: Cast, fresh: HandlingUnit,
                                                 on_commit: Any) -> None:
    ticket = reassign(order(team, on_commit), team, on_commit, fresh)
    event = ticket.timeline.get(action=Action.REASSIGN)
    before = len(MemoryNotifier.sent)
    ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                        from_status=event.from_status, to_status=event.to_status)
    assert len(MemoryNotifier.sent) == before


def test_a_queued_notice_left_by_a_crash_is_sent_while_still_true(traveller: time_machine.Coordinates, team: Cast,
                                                                  fresh: HandlingUnit, on_commit: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Still news while the unit does not hold the order again; not once the centre sent it back to that unit."""
    ticket = order(team, on_commit)
    with monkeypatch.context() as crash:
        crash.setattr(unit_alerts, "deliver_claimed", lambda note: None)
        ticket = reassign(ticket, team, on_commit, fresh)
    queued = Notification.objects.filter(status=DeliveryStatus.QUEUED, subject="单位提醒：工单已改派")
    assert queued.count() == 2
    reassign(ticket, team, on_commit, team.lead)  # the lead's notice is no longer true: it holds the order again
    traveller.shift(REDELIVER_AFTER + timedelta(minutes=1))

    assert unit_alerts.redeliver_queued() == 1
    assert sent_to(ASSIST_PHONE)[-1] == withdrawn_text(ticket)
    lead_note = Notification.objects.get(subject="单位提醒：工单已改派", unit=team.lead)
    assert (lead_note.status, lead_note.error) == (DeliveryStatus.FAILED, "所涉工单已不在本单位办理，不再补发")
    assert withdrawn_text(ticket) not in sent_to(LEAD_PHONE)
