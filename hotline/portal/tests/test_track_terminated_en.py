"""The English tracking page of a terminated order (终止办理) reads the reason in English; the SMS stays Chinese."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_the_reason_is_told_in_the_readers_language(frozen_now: datetime, client: Client, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    t = services.apply_termination(t, actor=cast.lead_handler, reason_code="withdrawn", reason="群众来电撤回")
    t = services.decide_termination(t, actor=cast.supervisor, approve=True, note="核实录音")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(reverse("portal:track"), {"number": t.number, "query_code": t.query_code},
                       follow=True).content.decode()
    assert "handling has been terminated: Withdrawn by the citizen" in page
    assert "经热线中心审核" not in page and "群众来电撤回" not in page
    assert t.timeline.last().note == "经热线中心审核，终止办理：诉求人撤回"  # what SMS and exports keep
