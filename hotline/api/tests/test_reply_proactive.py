"""The reply step over the API (`POST …/actions/reply`): a proactive order (主动发现, no caller) is replied
without `contacted` (recorded False, whatever the body says); a citizen's order still needs it. The timeline's
`action_label` names a check 现场核查."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.tickets.choices import Action, Channel, Status, VisitMethod
from hotline.tickets.models import Reply, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _as(user: Any, api_client: Any) -> Any:
    client = Client()
    client.force_login(user)
    return api_client(client=client)


def _reply(api: Any, ticket: Ticket, **body: Any) -> Any:
    return api.post(f"/orders/{ticket.number}/actions/reply", {"version": ticket.version, **body})


def test_a_proactive_order_is_replied_without_contact(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    r = _reply(_as(cast.lead_handler, api_client), ticket, content="已修复路面", resolved=True)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.REPLIED
    assert [(x["contacted"], x["resolved"]) for x in r.json()["replies"]] == [(False, True)]


def test_a_proactive_orders_reply_ignores_a_contact_sent_anyway(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    r = _reply(_as(cast.lead_handler, api_client), ticket, content="已修复路面", contacted=True, resolved=True)
    assert r.status_code == 200, r.content
    assert Reply.objects.get(ticket=ticket).contacted is False


def test_a_citizens_order_still_needs_contacted(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13800001111")
    api = _as(cast.lead_handler, api_client)
    before = stored(ticket)
    r = _reply(api, ticket, content="已处理", resolved=True)
    assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"
    assert "contacted" in r.json()["error"]["details"]
    assert stored(ticket) == before and not Reply.objects.filter(ticket=ticket).exists()
    r = _reply(api, ticket, content="已处理", contacted=True, resolved=True)
    assert r.status_code == 200, r.content
    assert Reply.objects.get(ticket=ticket).contacted is True


def test_the_timeline_names_a_check(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    inspector = _as(cast.inspector, api_client)
    r = inspector.post(f"/orders/{ticket.number}/actions/return_visit",
                       {"version": ticket.version, "method": VisitMethod.VERIFY, "resolved": True})
    assert r.status_code == 200, r.content
    timeline = inspector.get(f"/orders/{ticket.number}/timeline").json()
    [check] = [e for e in timeline if e["action"] == Action.RETURN_VISIT]
    assert check["action_label"] == "现场核查"
