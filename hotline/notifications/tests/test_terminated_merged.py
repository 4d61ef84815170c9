"""A master terminated for a reason about the matter (终止办理, 并单): the merged orders' callers are told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.tickets import services
from hotline.tickets.choices import Status, TerminationReason
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_the_merged_orders_caller_is_told(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone="13955556666")
    services.merge(merged, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    Notification.objects.all().delete()
    with on_commit():
        master = services.apply_termination(master, actor=cast.lead_handler,
                                            reason_code=TerminationReason.LEGAL_CHANNEL, reason="已起诉")
        services.decide_termination(master, actor=cast.dispatcher, approve=True, note="核实属实")
    got = list(Notification.objects.filter(ticket=merged).values_list("template", "body"))
    assert [t for t, _ in got] == [Template.TERMINATED]
    assert merged.number in got[0][1] and "终止办理" in got[0][1] and "已起诉" not in got[0][1]
