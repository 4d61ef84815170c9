"""A switched-off unit (停用) keeps its unfinished orders until the centre reassigns them (docs/lifecycle.md), and
its duty phone is still alerted about them: so the settings page's 「无手机号码的承办单位」 names such a unit
without a mobile, while one that holds nothing (or only confidential orders, which no alert names) is not named."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from hotline.notifications import unit_alerts
from hotline.notifications.models import UnitAlert, UnitAlertSettings
from hotline.notifications.services import muted
from hotline.orgs.models import HandlingUnit
from hotline.sla.sweep import sweep
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]


def _switch_off(*units: HandlingUnit) -> None:
    HandlingUnit.objects.filter(pk__in=[u.pk for u in units]).update(is_active=False)


def _holding(name: str, status: str = Status.IN_PROGRESS, *, confidential: bool = False) -> HandlingUnit:
    """A street without a mobile (a landline only) leading one order in `status` (marked confidential after the
    dispatch, with `confidential`: never dispatched so, as the other alert tests do)."""
    unit = HandlingUnitFactory(name=name, phone="0731-88990005")
    with muted():
        ticket = make_ticket(status, cast=Cast.build(lead=unit))
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=confidential)
    return unit


def test_a_switched_off_unit_still_holding_orders_is_named(traveller: time_machine.Coordinates) -> None:
    holding = _holding("撤并街道")
    finished = _holding("已办完街道", Status.CLOSED)
    secret = _holding("保密街道", confidential=True)
    _switch_off(holding, finished, secret)
    assert set(unit_alerts.units_without_mobile()) == {holding}


def test_an_active_unit_without_a_mobile_is_still_named(traveller: time_machine.Coordinates) -> None:
    idle = HandlingUnitFactory(name="空闲街道", phone="")
    reached = _holding("有手机街道")
    HandlingUnit.objects.filter(pk=reached.pk).update(phone="13900000031", is_active=False)
    assert set(unit_alerts.units_without_mobile()) == {idle}


def test_the_settings_page_names_the_switched_off_unit(traveller: time_machine.Coordinates,
                                                       admin_client: Client) -> None:
    _switch_off(_holding("撤并街道"), _holding("已办完街道", Status.CLOSED))
    html = admin_client.get("/admin/notifications/unitalertsettings/", follow=True).content.decode()
    assert "1 个单位收不到提醒短信" in html and "撤并街道" in html and "已办完街道" not in html


def test_a_switched_off_unit_is_still_alerted_about_its_orders(traveller: time_machine.Coordinates) -> None:
    """Why it belongs in the list: its deadlines still run and their alerts are still written for it."""
    UnitAlertSettings.current()  # the alerts switched on before any deadline passed
    unit = HandlingUnitFactory(phone="")
    with muted():
        ticket = make_ticket(Status.DISPATCHED, cast=Cast.build(lead=unit))
    _switch_off(unit)
    lead = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)
    traveller.move_to(lead.phase_due + timedelta(minutes=1))
    sweep()
    unit_alerts.alert_lights()
    alert = UnitAlert.objects.get(assignment=lead)
    assert alert.notification is None  # recorded, but it reached no phone
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED
    assert unit in set(unit_alerts.units_without_mobile())
