"""A 会商 opinion's 职责依据 is a unit's own words: on the order page another invited unit reads the citizen's
number in it masked, as the API and the timeline do (docs/security.md "Texts units wrote"); the unit that wrote
it reads it as written."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Stance, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"
BASIS = "已电话联系群众（{}），属消防监管职责"


def _page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number])).content.decode()


def test_another_invited_unit_reads_the_citizens_number_in_an_opinion_masked(cast: Cast) -> None:
    fire = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市消防救援支队")
    fire_handler = UserFactory(role=Role.UNIT_HANDLER, units=[fire])
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=NOW, caller_phone=PHONE)
    with time_machine.travel(NOW, tick=False):
        t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, fire], question="职责不清")
        t = services.give_opinion(t, actor=cast.lead_handler, stance=Stance.values[0], basis=BASIS.format(PHONE))
        other = _page(fire_handler, t)
        own = _page(cast.lead_handler, t)
    assert BASIS.format(MASKED) in other
    assert PHONE not in other
    assert BASIS.format(PHONE) in own
