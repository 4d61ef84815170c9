"""The demo publishes one water outage in A2区桂花坪街道 through the services, once."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.demo.orgs import build_units
from hotline.incidents.choices import EventKind, IncidentStatus
from hotline.incidents.demo import load_incidents
from hotline.incidents.models import Incident
from hotline.incidents.selectors import is_live, public_notices
from hotline.taxonomy.services import load_taxonomy
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_one_outage_once(frozen_now: datetime) -> None:
    load_taxonomy()
    city = build_units()
    UserFactory(username="dispatcher", role="dispatcher")
    incident = load_incidents(now=frozen_now)
    assert incident is not None and incident.status == IncidentStatus.PUBLISHED and is_live(incident, frozen_now)
    assert list(incident.areas.all()) == [city["S-A2-01"]] and incident.lead_unit == city["UTIL-WATER"]
    assert incident.category is not None and incident.category.name == "自来水供应"
    assert list(incident.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.PUBLISHED]
    assert [n.title for n in public_notices(frozen_now)] == [incident.title]
    assert load_incidents(now=frozen_now) is None and Incident.objects.count() == 1
