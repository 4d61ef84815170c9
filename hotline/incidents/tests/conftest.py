"""Shared test data of incidents: a published water outage in one street, and registering calls with the
after-commit receivers run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.incidents import services
from hotline.incidents.models import Incident
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, UserFactory, make_ticket

SCRIPT = "您好，桂花坪街道因供水管网抢修临时停水，预计今晚八点恢复供水，请提前储水。"
NOTICE = "桂花坪街道部分区域停水，预计今晚八点恢复。"


def incident_data(**changes: Any) -> services.IncidentData:
    """A water outage's data: keywords, script, notice, from an hour ago for ten hours (areas given by the test)."""
    values: dict[str, Any] = {
        "title": "桂花坪街道因管网抢修停水", "script": SCRIPT, "public_notice": NOTICE, "keywords": "停水 没水，水压低",
        "starts_at": NOW - timedelta(hours=1), "expected_end": NOW + timedelta(hours=10)}
    return services.IncidentData(**(values | changes))


@pytest.fixture
def manager(db: None) -> User:
    """A dispatcher (派单员), who may manage incidents."""
    return UserFactory(role=Role.DISPATCHER)


@pytest.fixture
def make_incident(manager: User) -> Callable[..., Incident]:
    """Create an incident (published unless `publish=False`) with the data above changed by keyword arguments."""

    def _make(*, publish: bool = True, at: datetime = NOW, **changes: Any) -> Incident:
        with time_machine.travel(at, tick=False):
            incident = services.create_incident(incident_data(**changes), actor=manager)
            return services.publish(incident, actor=manager) if publish else incident

    return _make


@pytest.fixture
def call(django_capture_on_commit_callbacks, org) -> Callable[..., Ticket]:  # noqa: ANN001
    """Register a call in `org.street_a` (through the real services) and run the after-commit receivers."""
    cast = Cast.build(lead=org.street_a)

    def _call(description: str = "家里从早上开始停水了，什么时候恢复？", *, status: str = "registered",
              at: datetime = NOW, **draft: Any) -> Ticket:
        for name, unit in (("community", org.community_a), ("street", org.street_a), ("district", org.district)):
            draft.setdefault(name, unit)
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(status, cast=cast, at=at, description=description, **draft)

    _call.cast = cast  # type: ignore[attr-defined]
    return _call
