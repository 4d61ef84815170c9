"""拆单 over the API (`/orders/{number}/actions/split`, the workbench step's form as a flat JSON body)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db

PENSION = "另外咨询一下退休人员养老金调整什么时候发放"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def test_the_api_offers_and_takes_a_split(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    api = _api(cast.intake)
    offered = api.get(f"/api/v1/orders/{ticket.number}/actions").json()
    assert Action.SPLIT in [a["action"] for a in offered]
    r = _post(api, f"/orders/{ticket.number}/actions/split",
              {"version": ticket.version, "c1_description": PENSION, "c1_request_type": "consult",
               "c2_description": "还有楼道灯坏了", "note": "一次来电反映多件事"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.REGISTERED
    children = list(Ticket.objects.filter(split_from=ticket).order_by("pk"))
    assert [c.description for c in children] == [PENSION, "还有楼道灯坏了"]
    assert children[0].request_type == "consult"


def test_the_api_refuses_as_the_page_does(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    before = stored(ticket)
    api = _api(cast.intake)
    path = f"/orders/{ticket.number}/actions/split"
    same = _post(api, path, {"version": ticket.version, "c1_description": PENSION, "c2_description": PENSION})
    assert same.status_code == 400 and "c2_description" in same.json()["error"]["details"]
    stale = _post(api, path, {"version": ticket.version + 1, "c1_description": PENSION})
    assert stale.status_code == 409
    unknown = _post(api, path, {"version": ticket.version, "children": [PENSION]})
    assert unknown.status_code in (400, 422)
    inspector = _post(_api(cast.inspector), path, {"version": ticket.version, "c1_description": PENSION})
    assert inspector.status_code == 403
    assert stored(ticket) == before and not Ticket.objects.filter(split_from=ticket).exists()
    dispatched = make_ticket(Status.DISPATCHED, cast=cast)
    late = _post(_api(cast.dispatcher), f"/orders/{dispatched.number}/actions/split",
                 {"version": dispatched.version, "c1_description": PENSION})
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_transition"


def test_the_openapi_schema_describes_the_split_body(cast: Cast) -> None:
    schema = _api(cast.intake).get("/api/v1/openapi.json").json()
    assert "/api/v1/orders/{number}/actions/split" in schema["paths"]
    body = schema["components"]["schemas"]["SplitStep"]["properties"]
    assert {"version", "note", "c1_description", "c5_description", "c1_attachments", "c1_district"} <= set(body)
