"""改派 on the order page: offered to the dispatch desk on a dispatched order, never to a unit; a bad post keeps
what was typed and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Action, AssignmentStatus, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(number: str) -> str:
    return reverse("order-act", args=[number, Action.REASSIGN])


def test_the_dispatcher_reassigns_from_the_order_page(frozen_now: Any) -> None:
    cast = Cast.build()
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name="景山街道")
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    desk = _client(cast.dispatcher)

    page = desk.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-reassign"' in page
    for field in ("reassign-reason", "reassign-lead", "reassign-assisting", "reassign-designate"):
        assert f'name="{field}"' in page
    unit_page = _client(cast.lead_handler).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-reassign"' not in unit_page

    done = desk.post(_url(ticket.number), {"version": ticket.version, "reassign-reason": "派单有误，属景山街道",
                                           "reassign-lead": spare.pk, "reassign-designate": "on"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.assignments.get(unit=cast.lead).status == AssignmentStatus.WITHDRAWN
    assert ticket.assignments.get(unit=spare).is_designated
    assert list(ticket.timeline.order_by("-seq").values_list("action", flat=True)[:2]) == [
        Action.DESIGNATE, Action.REASSIGN]


@pytest.mark.parametrize("case", ["no reason", "same lead"])
def test_a_bad_post_keeps_what_was_typed(frozen_now: Any, case: str) -> None:
    cast = Cast.build()
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    before = stored(ticket)
    post = {"version": ticket.version, "reassign-reason": "原单位已撤并（请核对）", "reassign-lead": spare.pk}
    if case == "no reason":
        post["reassign-reason"] = ""
    else:
        post["reassign-lead"] = cast.lead.pk

    refused = _client(cast.dispatcher).post(_url(ticket.number), post)

    assert refused.status_code in (200, 400, 409)
    body = refused.content.decode()
    if case == "same lead":
        assert "已是该工单的主办单位" in body and "原单位已撤并（请核对）" in body
    else:
        assert 'name="reassign-reason"' in body
    assert stored(ticket) == before


def test_a_unit_cannot_post_it(frozen_now: Any) -> None:
    cast = Cast.build()
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(ticket)
    refused = _client(cast.lead_handler).post(_url(ticket.number), {
        "version": ticket.version, "reassign-reason": "x", "reassign-lead": spare.pk})
    assert refused.status_code in (302, 403, 404, 409)
    assert stored(ticket) == before
