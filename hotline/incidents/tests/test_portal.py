"""The portal shows published incidents that have a public notice (title, notice, times) on its home and submit
pages, and nothing the staff keep to themselves (script, keywords, calls)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.incidents import services
from hotline.incidents.models import Incident
from hotline.incidents.tests.conftest import NOTICE, SCRIPT
from hotline.tickets.tests.factories import NOW

pytestmark = pytest.mark.django_db

PAGES = (reverse("portal:home"), reverse("portal:submit"))


def test_a_published_notice_is_shown_without_staff_only_fields(frozen_now: datetime,
                                                                make_incident: Callable[..., Incident]) -> None:
    make_incident(keywords="停水 水压低")
    for url in PAGES:
        body = Client().get(url).content.decode()
        assert "突发事件公告" in body and "桂花坪街道因管网抢修停水" in body and NOTICE in body, url
        assert "2025-03-04 20:00" in body  # the expected end
        assert SCRIPT not in body and "水压低" not in body and "来电" not in body.split("突发事件公告")[1][:400]


def test_drafts_ended_ones_and_those_without_a_notice_are_not_shown(
        frozen_now: datetime, make_incident: Callable[..., Incident], manager: User) -> None:
    make_incident(publish=False, title="草稿停水")
    make_incident(public_notice="", title="无公告停水")
    services.end(make_incident(title="已结束停水"), note="已恢复", actor=manager)
    body = Client().get(PAGES[0]).content.decode()
    assert "突发事件公告" not in body and "停水" not in body


def test_a_planned_outage_shows_its_start_and_an_overrunning_one_stays(make_incident: Callable[..., Incident],
                                                                       manager: User) -> None:
    """Past its expected end an incident still published is still going on: the notice stays until it is ended."""
    incident = make_incident(at=NOW, starts_at=NOW + timedelta(days=1), expected_end=NOW + timedelta(days=1, hours=6))
    with time_machine.travel(NOW, tick=False):
        body = Client().get(PAGES[0]).content.decode()
    assert "开始时间" in body and "2025-03-05 10:00" in body
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert "突发事件公告" in Client().get(PAGES[0]).content.decode()
        services.end(incident, note="已恢复供水", actor=manager)
        assert "突发事件公告" not in Client().get(PAGES[0]).content.decode()


def test_the_notice_is_translated(frozen_now: datetime, make_incident: Callable[..., Incident]) -> None:
    make_incident()
    body = Client(headers={"accept-language": "en"}).get(PAGES[0]).content.decode()
    assert "Incident notices" in body and "Expected end" in body
