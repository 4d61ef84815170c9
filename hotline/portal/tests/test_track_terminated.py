"""The tracking page of a terminated order (终止办理): its status and the reason's label, nothing internal."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_the_citizen_reads_the_status_and_the_reason(frozen_now: datetime, client: Client, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    t = services.apply_termination(t, actor=cast.lead_handler, reason_code="legal_channel",
                                   reason="群众已向区法院起诉物业公司，案号（2025）沪0101民初123号")
    t = services.decide_termination(t, actor=cast.supervisor, approve=True, note="起诉材料已核验")
    page = client.post(reverse("portal:track"), {"number": t.number, "query_code": t.query_code},
                       follow=True).content.decode()
    assert "已终止办理" in page
    assert "经热线中心审核，终止办理：已进入诉讼/仲裁/信访等法定途径" in page
    assert "案号" not in page and "起诉材料已核验" not in page
