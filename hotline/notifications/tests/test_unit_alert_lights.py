"""Alerts to the handling units' duty phones when a deadline turns yellow (即将超期) or red (已超期).

The SLA sweep turns the lights; `alert_lights` (the `alert_units` task, every minute after the sweep) reads
them: once per assignment, kind and running deadline, one SMS per unit and run, a crash neither loses nor
doubles a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hotline.celery import app
from hotline.notifications import unit_alerts
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import AlertScope, DeliveryStatus, Recipient, Template, UnitAlertKind
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.notifications.services import muted
from hotline.ops import scheduler
from hotline.orgs.choices import UnitKind
from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tasks import tasks
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE, ASSIST_PHONE = "13900000011", "13900000012"
NOTHING = {"overdue": 0, "due_soon": 0, "messages": 0, "redelivered": 0, "interrupted": 0}



@pytest.fixture(autouse=True)
def _alerts_on(traveller: time_machine.Coordinates) -> None:
    """The alerts were switched on (the settings row made) at the start, before any deadline passed."""
    UnitAlertSettings.current()


@pytest.fixture
def team(db: None) -> Cast:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    return Cast.build(lead=lead, assisting=[HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone=ASSIST_PHONE)])


def order(cast: Cast, **draft: Any) -> tuple[Ticket, Assignment]:
    """A dispatched order (its citizen messages muted) and its lead assignment."""
    with muted():
        ticket = make_ticket(Status.DISPATCHED, cast=cast, **draft)
    return ticket, Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)


def run_at(traveller: time_machine.Coordinates, moment: datetime) -> dict[str, int]:
    """Move the clock, sweep the lights, alert the units (as the two periodic jobs do every minute)."""
    traveller.move_to(moment)
    sweep()
    return unit_alerts.alert_lights()


def sent_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def test_yellow_then_red_each_once_per_assignment(traveller: time_machine.Coordinates, team: Cast) -> None:
    ticket, lead = order(team)
    minute = timedelta(minutes=1)
    assert run_at(traveller, lead.phase_yellow_at - minute) == NOTHING  # still green
    assert run_at(traveller, lead.phase_yellow_at + minute) == {**NOTHING, "due_soon": 2, "messages": 2}
    assert run_at(traveller, lead.phase_yellow_at + 2 * minute) == NOTHING  # the second run sends nothing new
    [soon] = sent_to(LEAD_PHONE)
    assert soon == (f"即将超期：工单{ticket.number}「投诉」须于{local(lead.phase_due)}前签收，请抓紧办理。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert len(sent_to(ASSIST_PHONE)) == 1  # the assisting unit's own deadline
    assert run_at(traveller, lead.phase_due + minute) == {**NOTHING, "overdue": 2, "messages": 2}
    assert run_at(traveller, lead.phase_due + 2 * minute) == NOTHING
    late = sent_to(LEAD_PHONE)[1]
    assert late.startswith(f"已超期：工单{ticket.number}「投诉」已超过签收时限（{local(lead.phase_due)}），请立即办理。")
    notes = Notification.objects.filter(recipient=Recipient.UNIT, unit=team.lead).order_by("id")
    assert [(n.template, n.status, n.ticket_id) for n in notes] == [
        (Template.UNIT_DUE_SOON, DeliveryStatus.SENT, ticket.pk), (Template.UNIT_OVERDUE, DeliveryStatus.SENT, ticket.pk)]


def test_the_reply_deadline_is_alerted_again_after_signing(traveller: time_machine.Coordinates, team: Cast) -> None:
    _ticket, lead = order(team)
    run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))
    with muted():
        services.sign(Ticket.objects.get(pk=lead.ticket_id), actor=team.lead_handler, unit=team.lead)
    lead.refresh_from_db()
    assert lead.light == Light.GREEN
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))["due_soon"] == 1  # the lead's reply
    assert "前答复" in sent_to(LEAD_PHONE)[-1]
    phases = UnitAlert.objects.filter(assignment=lead, kind=UnitAlertKind.DUE_SOON).values_list("phase", flat=True)
    assert len(set(phases)) == 2


def test_many_orders_of_one_unit_go_in_one_sms(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build(lead=HandlingUnitFactory(phone=LEAD_PHONE))
    orders = [order(cast) for _ in range(5)]
    first = orders[0][1]
    assert run_at(traveller, first.phase_yellow_at + timedelta(minutes=1)) == {**NOTHING, "due_soon": 5, "messages": 1}
    [text] = sent_to(LEAD_PHONE)
    listed = "；".join(f"{t.number}「投诉」{local(a.phase_due)}前签收" for t, a in orders[:3])
    assert text == (f"即将超期：您单位有5件工单即将超过时限：{listed}等。"
                    "详见：https://12345.example.cn/work/inbox/?tab=soon")
    note = Notification.objects.get(recipient=Recipient.UNIT)
    assert note.ticket is None and note.unit == cast.lead
    assert {a.assignment_id for a in note.unit_alerts.all()} == {a.pk for _t, a in orders}


def test_a_few_overdue_orders_are_listed_in_full(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build(lead=HandlingUnitFactory(phone=LEAD_PHONE))
    orders = [order(cast) for _ in range(2)]
    run_at(traveller, orders[0][1].phase_due + timedelta(minutes=1))
    [text] = sent_to(LEAD_PHONE)
    listed = "；".join(f"{t.number}「投诉」签收时限{local(a.phase_due)}" for t, a in orders)
    assert text == f"已超期：您单位有2件工单已超过时限：{listed}。详见：https://12345.example.cn/work/inbox/?tab=overdue"


def test_a_deadline_missed_straight_away_is_alerted_overdue_only(traveller: time_machine.Coordinates,
                                                                 team: Cast) -> None:
    _ticket, lead = order(team)
    assert run_at(traveller, lead.phase_due + timedelta(minutes=5)) == {**NOTHING, "overdue": 2, "messages": 2}
    assert not UnitAlert.objects.filter(kind=UnitAlertKind.DUE_SOON).exists()


def test_a_deadline_moved_by_an_extension_is_a_new_deadline(traveller: time_machine.Coordinates,
                                                            team: Cast) -> None:
    """Overdue, then an approved extension: the extended deadline's yellow and red are news again (once each)."""
    ticket, lead = order(team)
    with muted():
        services.sign(ticket, actor=team.lead_handler, unit=team.lead)
    lead.refresh_from_db()
    run_at(traveller, lead.phase_due + timedelta(minutes=1))  # the lead's reply and the assisting unit's signing
    assert UnitAlert.objects.filter(assignment=lead, kind=UnitAlertKind.OVERDUE).count() == 1
    with muted():
        services.request_extension(Ticket.objects.get(pk=ticket.pk), actor=team.lead_handler, unit=team.lead,
                                   days=2, reason="需协调管网施工")
        services.approve_extension(Ticket.objects.get(pk=ticket.pk), actor=team.dispatcher, note="同意")
    lead.refresh_from_db()
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))["due_soon"] == 1
    assert run_at(traveller, lead.phase_due + timedelta(minutes=1))["overdue"] == 1
    assert run_at(traveller, lead.phase_due + timedelta(minutes=2)) == NOTHING
    assert UnitAlert.objects.filter(assignment=lead, kind=UnitAlertKind.OVERDUE).count() == 2


def test_deadlines_passed_before_the_alerts_were_switched_on_are_no_news(traveller: time_machine.Coordinates,
                                                                         team: Cast) -> None:
    """Switching the alerts on does not flood the duty phones with old overdue orders."""
    _ticket, lead = order(team)
    traveller.move_to(lead.phase_due + timedelta(days=2))
    row = UnitAlertSettings.current()
    row.overdue = AlertScope.OFF
    row.save()
    row.overdue = AlertScope.ALL  # switched on now: `since` moves to now
    row.save()
    assert run_at(traveller, lead.phase_due + timedelta(days=2, minutes=1)) == NOTHING


def test_after_a_worker_outage_the_deadlines_passed_meanwhile_are_alerted(traveller: time_machine.Coordinates,
                                                                          team: Cast) -> None:
    """A deadline that passed two days ago while no alert ran (the worker was down) is still news, once."""
    _ticket, lead = order(team)
    assert run_at(traveller, lead.phase_due + timedelta(days=2))["overdue"] == 2
    assert run_at(traveller, lead.phase_due + timedelta(days=2, minutes=1)) == NOTHING


def test_a_late_queued_alert_is_not_sent_when_it_is_no_longer_news(traveller: time_machine.Coordinates, team: Cast,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Left queued by a crash: not sent once the unit no longer holds the order, nor after an hour."""
    _ticket, lead = order(team)
    with monkeypatch.context() as crash:
        crash.setattr(unit_alerts, "deliver_claimed", lambda note: None)
        run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))
    Assignment.objects.filter(pk=lead.pk).update(status=AssignmentStatus.WITHDRAWN)
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=4))["redelivered"] == 1  # the assisting one
    lead_note = Notification.objects.get(recipient=Recipient.UNIT, unit=team.lead)
    assert (lead_note.status, lead_note.error) == (DeliveryStatus.FAILED, "所涉工单已不在本单位办理，不再补发")
    assert not sent_to(LEAD_PHONE)
    other, late = order(team)
    with monkeypatch.context() as crash:
        crash.setattr(unit_alerts, "deliver_claimed", lambda note: None)
        run_at(traveller, late.phase_due + timedelta(minutes=1))
    assert run_at(traveller, late.phase_due + timedelta(hours=2))["redelivered"] == 0
    assert set(Notification.objects.filter(ticket=other).values_list("status", "error")) == {
        (DeliveryStatus.FAILED, "未及时发送，已过时效，不再补发")}


def test_an_alert_whose_sender_died_mid_send_is_reported_not_resent(traveller: time_machine.Coordinates,
                                                                    team: Cast,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _ticket, lead = order(team)
    with monkeypatch.context() as crash:
        crash.setattr(unit_alerts, "deliver", lambda note, message: None)  # died inside the gateway call
        run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))
    sending = Notification.objects.filter(recipient=Recipient.UNIT, status=DeliveryStatus.SENDING)
    assert sending.count() == 2 and not MemoryNotifier.sent
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=5))["interrupted"] == 0
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=15))["interrupted"] == 2
    assert not MemoryNotifier.sent and not sending.exists()
    assert set(Notification.objects.filter(recipient=Recipient.UNIT).values_list("status", flat=True)) == {
        DeliveryStatus.FAILED}


def test_by_default_every_order_and_on_request_only_pressing_ones(traveller: time_machine.Coordinates,
                                                                   team: Cast) -> None:
    row = UnitAlertSettings.current()
    row.due_soon, row.overdue = AlertScope.PRESSING, AlertScope.OFF
    row.save()
    _ordinary, slow = order(team)
    urgent, fast = order(team, urgency=Urgency.URGENT)
    leak = CategoryFactory(parent=CategoryFactory(parent=CategoryFactory(name="供水", is_utility=True)))
    water, utility = order(team, category=leak)  # the flag two levels up
    assert local(fast.phase_due) == "03-04 10:15" and local(fast.phase_yellow_at) == "03-04 10:12"
    assert run_at(traveller, fast.phase_yellow_at + timedelta(seconds=30))["due_soon"] == 2
    assert all(urgent.number in text for text in sent_to(LEAD_PHONE) + sent_to(ASSIST_PHONE))
    assert local(utility.phase_yellow_at) == "03-04 10:24"  # 水电气热: signed within 30 minutes
    assert run_at(traveller, utility.phase_yellow_at + timedelta(seconds=30))["due_soon"] == 2
    assert water.number in sent_to(LEAD_PHONE)[-1]
    assert run_at(traveller, slow.phase_due + timedelta(minutes=1)) == NOTHING  # overdue off, the rest not pressing


def test_a_unit_without_a_mobile_is_recorded_once_and_sent_nothing(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build(lead=HandlingUnitFactory(phone="0731-88990003"))
    _ticket, lead = order(cast)
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1)) == {**NOTHING, "due_soon": 1}
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=2)) == NOTHING
    assert UnitAlert.objects.get().notification is None and not Notification.objects.filter(recipient="unit")


def test_a_confidential_order_is_never_alerted(traveller: time_machine.Coordinates, team: Cast) -> None:
    ticket, lead = order(team)
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)
    assert run_at(traveller, lead.phase_due + timedelta(minutes=1)) == NOTHING


def test_an_order_waiting_for_the_citizen_is_not_alerted(traveller: time_machine.Coordinates, team: Cast) -> None:
    """The clock is paused (待群众补充): the light stays as it was and nobody is chased for it."""
    with muted():
        ticket = make_ticket(Status.AWAITING_CITIZEN, cast=team)
    lead = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)
    Assignment.objects.filter(pk=lead.pk).update(light=Light.YELLOW)
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))["due_soon"] == 0


def test_a_crash_between_recording_and_sending_neither_loses_nor_doubles(traveller: time_machine.Coordinates,
                                                                        team: Cast,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _ticket, lead = order(team)
    with monkeypatch.context() as crash:
        crash.setattr(unit_alerts, "deliver_claimed", lambda note: None)  # the process died after the commit
        run_at(traveller, lead.phase_yellow_at + timedelta(minutes=1))
    queued = Notification.objects.filter(recipient=Recipient.UNIT, status=DeliveryStatus.QUEUED)
    assert queued.count() == 2 and not MemoryNotifier.sent
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=2)) == NOTHING  # no new alert for the same light
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=4)) == {**NOTHING, "redelivered": 2}
    assert len(sent_to(LEAD_PHONE)) == 1 and len(sent_to(ASSIST_PHONE)) == 1
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=6)) == NOTHING
    note = Notification.objects.filter(recipient=Recipient.UNIT).first()
    assert note.status == DeliveryStatus.SENT
    assert unit_alerts.deliver_claimed(note) is None  # claimed (and sent) already: never sent twice


def test_the_task_and_both_schedulers_run_the_alerts(traveller: time_machine.Coordinates, team: Cast,
                                                     settings: Any) -> None:
    _ticket, lead = order(team)
    traveller.move_to(lead.phase_yellow_at + timedelta(minutes=1))
    sweep()
    assert tasks.alert_units((lead.phase_yellow_at + timedelta(minutes=1)).isoformat())["due_soon"] == 2
    entry = settings.CELERY_BEAT_SCHEDULE["unit-alerts"]
    assert entry["task"] == tasks.alert_units.name == "hotline.tasks.alert_units" and entry["schedule"] == 60.0
    # The embedded profile's scheduler runs the same beat entry in the web process.
    traveller.move_to(lead.phase_due + timedelta(minutes=1))
    sweep()
    job = next(j for j in scheduler.jobs() if j.name == "unit-alerts")
    job.last_run = app.now() - timedelta(seconds=61)
    scheduler.run_due([job])
    assert UnitAlert.objects.filter(kind=UnitAlertKind.OVERDUE).count() == 2
