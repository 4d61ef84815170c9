"""A formal supervision (督办) alerts the units holding the order, with its level; a plain 催办 does not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import AlertScope, Template, UnitAlertKind
from hotline.notifications.models import UnitAlert, UnitAlertSettings
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, Status, SupervisionKind
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE, ASSIST_PHONE, DISTRICT_PHONE = "13900000001", "13900000002", "13900000009"


@pytest.fixture
def team(db: None) -> Cast:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, phone=DISTRICT_PHONE)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    assisting = [HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=ASSIST_PHONE)]
    return Cast.build(lead=lead, assisting=assisting)


def sent_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def in_progress(team: Cast, on_commit: Any) -> Ticket:
    with on_commit():
        ticket = make_ticket(Status.IN_PROGRESS, cast=team)
    MemoryNotifier.sent.clear()
    return ticket


def test_a_district_supervision_alerts_every_unit_still_handling_with_its_level(frozen_now: datetime, team: Cast,
                                                                                on_commit: Any) -> None:
    ticket = in_progress(team, on_commit)
    with on_commit():
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=2,
                           note="超期未办，提级至区政府督办（内部意见）")
    [text] = sent_to(LEAD_PHONE)
    due = timezone.localtime(Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD).reply_due)
    assert text == (f"督办：工单{ticket.number}「投诉」已列为区政府督办事项，请抓紧办理，答复时限{due:%m-%d %H:%M}。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert len(sent_to(ASSIST_PHONE)) == 1 and "区政府督办" in sent_to(ASSIST_PHONE)[0]
    assert not sent_to(DISTRICT_PHONE)  # the supervising government is not the unit that must act
    assert "内部意见" not in text
    alerts = UnitAlert.objects.filter(kind=UnitAlertKind.SUPERVISED)
    assert alerts.count() == 2 and {a.notification.subject for a in alerts} == {str(Template.UNIT_SUPERVISED.label)}

    event = ticket.timeline.get(action=Action.SUPERVISE)  # a re-delivered signal sends nothing new
    ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action)
    assert len(sent_to(LEAD_PHONE)) == 1 and UnitAlert.objects.count() == 2

    with on_commit():  # escalated again: news again, at the new level
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=3, note="市政府督办")
    assert "已列为市政府督办事项" in sent_to(LEAD_PHONE)[1]


def test_a_supervision_naming_one_unit_alerts_that_unit_only(frozen_now: datetime, team: Cast,
                                                            on_commit: Any) -> None:
    ticket = in_progress(team, on_commit)
    with on_commit():
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=1,
                           note="协办单位迟迟未反馈", unit=team.assisting[0])
    assert len(sent_to(ASSIST_PHONE)) == 1 and "已列为热线中心督办事项" in sent_to(ASSIST_PHONE)[0]
    assert not sent_to(LEAD_PHONE)


def test_a_centres_plain_reminder_alerts_nobody(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    ticket = in_progress(team, on_commit)
    with on_commit():
        services.supervise(ticket, actor=team.supervisor, kind=SupervisionKind.REMIND, note="请加快办理")
    assert not MemoryNotifier.sent and not UnitAlert.objects.exists()


def test_a_unit_that_replied_is_not_alerted_and_the_centre_may_switch_it_off(frozen_now: datetime, team: Cast,
                                                                        on_commit: Any) -> None:
    with on_commit():
        replied = make_ticket(Status.REPLIED, cast=team)
        other = make_ticket(Status.IN_PROGRESS, cast=team)
    MemoryNotifier.sent.clear()
    with on_commit():
        services.supervise(replied, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=2, note="督办")
    assert not sent_to(LEAD_PHONE)  # the lead has replied: the centre reviews its reply now
    assert len(sent_to(ASSIST_PHONE)) == 1  # the assisting unit has not replied yet: it still holds the order
    MemoryNotifier.sent.clear()
    row = UnitAlertSettings.current()
    row.supervised = AlertScope.OFF
    row.save()
    with on_commit():
        services.supervise(other, actor=team.supervisor, kind=SupervisionKind.SUPERVISE, level=2, note="督办")
    assert not MemoryNotifier.sent
