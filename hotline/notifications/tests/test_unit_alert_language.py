"""Unit alerts are in Chinese whatever the page language of the staff member whose step sent them: the whole
text, the supervision's level included, is built in `LANGUAGE_CODE` (review rv5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import translation

from hotline.notifications.backends import MemoryNotifier
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Status, SupervisionKind, SupervisionLevel
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE = "13900000001"


@pytest.mark.parametrize(("level", "words"), [(SupervisionLevel.DISTRICT, "区政府督办"),
                                              (SupervisionLevel.CITY, "市政府督办")])
def test_a_supervision_alert_is_chinese_whatever_the_supervisors_page_language(
        frozen_now: datetime, on_commit: Any, level: int, words: str) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    cast = Cast.build(lead=lead)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    MemoryNotifier.sent.clear()

    with translation.override("en"), on_commit():
        services.supervise(ticket, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="请尽快办理",
                           level=level)

    [alert] = [m for m in MemoryNotifier.sent if m.to == LEAD_PHONE]
    assert words in alert.body and "government" not in alert.body.lower(), alert.body
