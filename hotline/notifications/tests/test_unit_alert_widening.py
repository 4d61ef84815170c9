"""承办单位提醒设置: widening a kind from 「仅紧急、较急和水电气热工单」 to 「全部工单」 switches it on for the ordinary
orders; like switching it on from 「不发送」, it must not flood the duty phones with their old overdue deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.notifications.choices import AlertScope
from hotline.notifications.models import UnitAlertSettings
from hotline.notifications.tests.test_unit_alert_lights import NOTHING, order, run_at, team  # noqa: F401
from hotline.tickets.tests.factories import Cast

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]


def test_widening_the_scope_does_not_send_old_overdue_orders(traveller: time_machine.Coordinates,
                                                              team: Cast) -> None:  # noqa: F811
    row = UnitAlertSettings.current()  # installed at the start; the centre alerts pressing orders only
    row.overdue = AlertScope.PRESSING
    row.due_soon = AlertScope.PRESSING
    row.save()
    _ticket, lead = order(team)  # an ordinary order (一般, not a utility)
    assert run_at(traveller, lead.phase_due + timedelta(minutes=1)) == NOTHING  # out of scope: no SMS
    traveller.move_to(lead.phase_due + timedelta(days=20))
    row = UnitAlertSettings.objects.get(pk=row.pk)
    row.overdue = AlertScope.ALL  # 20 days later the centre widens the alerts to every order
    row.due_soon = AlertScope.ALL
    row.save()
    assert run_at(traveller, lead.phase_due + timedelta(days=20, minutes=1)) == NOTHING, \
        "an SMS about a deadline that passed 20 days before the alert was switched on for such orders"
