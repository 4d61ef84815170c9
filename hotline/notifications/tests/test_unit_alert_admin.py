"""Where the centre sees the alerts to units: the notification log (filter by recipient and kind), the alert
list (sent, or not for lack of a mobile), and the settings page naming the units no alert can reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.notifications.choices import AlertScope
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import Urgency
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_the_log_lists_unit_alerts_by_kind_with_their_orders(frozen_now: Any, admin_client: Client,
                                                             on_commit: Any) -> None:
    cast = Cast.build(lead=HandlingUnitFactory(name="东华门街道", phone="13900000021"),
                      assisting=[HandlingUnitFactory(name="无手机街道", phone="")])
    with on_commit():
        ticket = make_ticket(Status.DISPATCHED, cast=cast, urgency=Urgency.URGENT)
    page = admin_client.get("/admin/notifications/notification/?recipient__exact=unit&template__exact=unit_dispatched")
    html = page.content.decode()
    assert page.status_code == 200 and "东华门街道" in html and "139****0021" in html and "13900000021" not in html
    note = Notification.objects.get(recipient="unit")
    detail = admin_client.get(f"/admin/notifications/notification/{note.pk}/change/").content.decode()
    assert ticket.number in detail and "新派单" in detail
    alerts = admin_client.get("/admin/notifications/unitalert/?notification__isempty=1").content.decode()
    assert "无手机街道" in alerts and "未发送：单位无手机号码" in alerts and UnitAlert.objects.count() == 2


def test_the_settings_page_edits_the_switches_and_names_units_without_a_mobile(admin_client: Client) -> None:
    HandlingUnitFactory(kind=UnitKind.CENTRE, name="热线中心", phone="")  # takes no orders: not named
    HandlingUnitFactory(name="座机街道", phone="0731-88990004")
    HandlingUnitFactory(name="手机街道", phone="13900000022")
    page = admin_client.get("/admin/notifications/unitalertsettings/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and "1 个单位收不到提醒短信" in html and "座机街道" in html
    assert "手机街道" not in html and "热线中心" not in html
    saved = admin_client.post("/admin/notifications/unitalertsettings/1/change/", {
        "dispatched": AlertScope.ALL, "due_soon": AlertScope.PRESSING, "overdue": AlertScope.ALL,
        "chased": AlertScope.OFF, "rehandle": AlertScope.ALL, "supervised": AlertScope.PRESSING, "_save": "1"})
    assert saved.status_code == 302
    row = UnitAlertSettings.current()
    assert (row.dispatched, row.due_soon, row.overdue, row.chased, row.rehandle, row.supervised) == (
        "all", "pressing", "all", "off", "all", "pressing")
