"""Two integrations taking the same step at the same moment: one wins, the other gets a clean 409."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_now")]


def test_racing_steps_on_one_order_make_one_change() -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    _, raw = create_key("并发办理", ["read", "act"], unit=cast.lead)
    bodies = {
        "reply": {"version": ticket.version, "content": "已处理", "contacted": True, "resolved": True},
        "request_info": {"version": ticket.version, "question": "请补充门牌号"},
    }
    barrier = threading.Barrier(len(bodies))
    results: dict[str, tuple[int, dict]] = {}

    def post(action: str) -> None:
        try:
            client = Client(headers={"Authorization": f"Bearer {raw}"})
            barrier.wait(timeout=30)
            response = client.post(f"/api/v1/orders/{ticket.number}/actions/{action}",
                                   data=json.dumps(bodies[action]), content_type="application/json")
            results[action] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(a,)) for a in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()

    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    loser = next(body for status, body in results.values() if status == 409)
    assert loser["error"]["code"] in {"conflict", "invalid_transition"}
    ticket.refresh_from_db()
    assert ticket.timeline.count() == ticket.version
    assert ticket.status in {Status.REPLIED, Status.AWAITING_CITIZEN}
    assert ticket.timeline.filter(action__in=list(bodies)).count() == 1
