"""Concurrency on PostgreSQL through a real gunicorn: racing steps and racing retries on one order."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key
from hotline.api.models import IdempotencyRecord
from hotline.bench.intake_env import Request, Server, run_clients
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 50
RETRIES = 20


def test_fifty_simultaneous_signs_one_wins_the_rest_get_409(web: Server) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    _, raw = create_key("并发签收", ["read", "act"], unit=cast.lead)
    events_before = ticket.timeline.count()
    path = f"/api/v1/orders/{ticket.number}/actions/sign"

    outcomes = run_clients(web.port, lambda client, seq: Request("POST", path, {"version": ticket.version}),
                           clients=RACERS, per_client=1, headers={"Authorization": f"Bearer {raw}"}, timeout=60)

    statuses = sorted(o.status for o in outcomes)
    assert len(outcomes) == RACERS
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == RACERS - 1, statuses
    for loser in (o for o in outcomes if o.status == 409):
        assert loser.body["error"]["code"] in {"conflict", "invalid_transition"}, loser.body
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.timeline.count() == events_before + 1
    assert ticket.timeline.filter(action=Action.SIGN).count() == 1
    assert ticket.version == events_before + 1
    winner = next(o for o in outcomes if o.status == 200)
    assert winner.body["version"] == ticket.version


def test_twenty_concurrent_retries_of_one_creation_make_one_order(web: Server) -> None:
    _, raw = create_key("重试网关", ["read", "create"])
    body = {"request_type": "help", "description": "小区停水两天了，请尽快处理", "caller_phone": "13800001111",
            "channel": "wechat", "decision": "dispatch"}
    before = Ticket.objects.count()

    outcomes = run_clients(
        web.port, lambda client, seq: Request("POST", "/api/v1/orders", body, {"Idempotency-Key": "wx-retry-0001"}),
        clients=RETRIES, per_client=1, headers={"Authorization": f"Bearer {raw}"}, timeout=60)

    assert len(outcomes) == RETRIES
    assert {o.status for o in outcomes} == {201}, [(o.status, o.body) for o in outcomes]
    assert len({o.body["number"] for o in outcomes}) == 1
    assert all(o.body == outcomes[0].body for o in outcomes)  # every response equal: the winner's, replayed
    assert Ticket.objects.count() == before + 1
    order = Ticket.objects.get(number=outcomes[0].body["number"])
    assert order.status == Status.PENDING_DISPATCH
    assert order.timeline.count() == 2  # registered, sent to dispatch: once
    assert IdempotencyRecord.objects.filter(key="wx-retry-0001").count() == 1
