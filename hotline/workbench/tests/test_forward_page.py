"""下派 on the order page and in the unit's 待办: the form lists only the units below, the district follows
the orders it handed down in its 已下派 tab, the order page says who handed the order down."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_district_hands_an_order_down_from_the_order_page(frozen_now: Any) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    elsewhere = HandlingUnitFactory(kind=UnitKind.STREET, name="外区街道")
    cast = Cast.build(lead=district)
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    district_client = _client(cast.lead_handler)

    page = district_client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-forward"' in page
    choices = page[page.index('name="forward-to"'):]
    choices = choices[:choices.index("</select>")]
    assert "东华门街道" in choices and "外区街道" not in choices and "东城区" not in choices

    before = stored(ticket)
    refused = district_client.post(reverse("order-act", args=[ticket.number, Action.FORWARD]),
                                   {"version": ticket.version, "forward-to": elsewhere.pk, "forward-note": "请处理"})
    assert refused.status_code in (200, 400) and stored(ticket) == before

    done = district_client.post(reverse("order-act", args=[ticket.number, Action.FORWARD]),
                                {"version": ticket.version, "forward-to": street.pk, "forward-note": "请现场核实"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED

    handed = district_client.get(reverse("queue-inbox"), {"tab": "forwarded"}).content.decode()
    assert ticket.number in handed and "下派于" in handed
    # The street's deadline shows in the district's 待签收 too (its unit below): the row names the street.
    to_sign = district_client.get(reverse("queue-inbox"), {"tab": "sign"}).content.decode()
    assert "主办 · 东华门街道 · 待签收" in to_sign
    street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    waiting = _client(street_handler).get(reverse("queue-inbox"), {"tab": "sign"}).content.decode()
    assert ticket.number in waiting
    order_page = _client(street_handler).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "由东城区下派" in order_page and 'id="step-return"' in order_page
