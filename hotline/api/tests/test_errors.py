"""Refusals over the API: JSON errors with stable codes; a refused step leaves the order and its timeline as they were."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import (
    Cast,
    HandlingUnitFactory,
    ensure_default_policies,
    make_ticket,
    stored,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(frozen_now, api_client):  # noqa: ANN001, ANN201
    ensure_default_policies()
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.DISPATCHED, cast=cast, assist_signs=False)
    _, raw = create_key("街道", ["read", "act"], unit=cast.lead)
    return cast, ticket, api_client(raw)




def test_a_stale_version_is_409_and_changes_nothing(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    before, events = stored(ticket), ticket.timeline.count()
    response = client.post(f"/orders/{ticket.number}/actions/sign", {"version": ticket.version - 1})
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "conflict" and body["details"]["current_version"] == ticket.version
    assert stored(ticket) == before and ticket.timeline.count() == events


def test_a_step_not_allowed_in_the_status_is_409_and_changes_nothing(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    before, events = stored(ticket), ticket.timeline.count()
    response = client.post(f"/orders/{ticket.number}/actions/reply", {
        "version": ticket.version, "content": "已处理", "contacted": True, "resolved": True})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert stored(ticket) == before and ticket.timeline.count() == events


def test_a_role_that_may_not_take_the_step_is_403(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    before = stored(ticket)
    response = client.post(f"/orders/{ticket.number}/actions/supervise", {
        "version": ticket.version, "kind": "remind", "level": 1, "note": "请加快"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_permitted"
    assert stored(ticket) == before


def test_a_unit_key_acting_on_another_units_order_is_403(setup, api_client) -> None:  # noqa: ANN001
    cast, ticket, _ = setup
    # The district above the street sees the street's orders, but the order is the street's to sign.
    _, raw = create_key("区", ["read", "act"], unit=cast.lead.parent)
    district = api_client(raw)
    assert district.get(f"/orders/{ticket.number}").status_code == 200
    before, events = stored(ticket), ticket.timeline.count()
    response = district.post(f"/orders/{ticket.number}/actions/sign", {"version": ticket.version})
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_permitted"
    assert stored(ticket) == before and ticket.timeline.count() == events
    # The assisting street may not sign as the lead either (it has its own step, sign_assist).
    _, raw = create_key("协办", ["read", "act"], unit=cast.assisting[0])
    response = api_client(raw).post(f"/orders/{ticket.number}/actions/sign", {"version": ticket.version})
    assert response.status_code == 403


def test_orders_a_key_may_not_see_are_404_like_missing_ones(setup, api_client) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    _, raw = create_key("别的街道", ["read", "act"], unit=HandlingUnitFactory())
    other = api_client(raw)
    missing = other.get("/orders/209901010000001")
    hidden = other.get(f"/orders/{ticket.number}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()
    assert other.post(f"/orders/{ticket.number}/actions/sign", {"version": ticket.version}).status_code == 404
    assert other.get(f"/orders/{ticket.number}/timeline").status_code == 404
    assert other.get("/orders").json()["count"] == 0


def test_confidential_orders_never_leave_the_centre(frozen_now, api_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    _, raw = create_key("中心读取", ["read"])
    client = api_client(raw)
    assert client.get(f"/orders/{secret.number}").status_code == 404
    assert secret.number not in [o["number"] for o in client.get("/orders").json()["results"]]
    # Centre staff signed in through the browser see it, as on the pages.
    session = Client()
    session.force_login(cast.dispatcher)
    assert api_client(client=session).get(f"/orders/{secret.number}").status_code == 200


def test_validation_errors_are_400_with_details(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    response = client.post(f"/orders/{ticket.number}/actions/return", {"version": ticket.version,
                                                                       "reason_code": "nonsense"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"]
    response = client.post(f"/orders/{ticket.number}/actions/return", {
        "version": ticket.version, "reason_code": "other", "reason": "x", "suggested_unit": "NO-SUCH-UNIT"})
    assert response.status_code == 400 and "suggested_unit" in response.json()["error"]["details"]
    bad_json = client.client.post(f"/api/v1/orders/{ticket.number}/actions/sign", data="{not json",
                                  content_type="application/json", headers=client.headers)
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"]


def test_a_boolean_is_not_a_number(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    before, events = stored(ticket), ticket.timeline.count()
    for body in ({"version": True}, {"version": ticket.version, "days": True, "reason": "需要协调"}):
        response = client.post(f"/orders/{ticket.number}/actions/request_extension", body)
        assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert stored(ticket) == before and ticket.timeline.count() == events


def test_a_key_without_the_scope_is_403(setup, api_client) -> None:  # noqa: ANN001
    cast, ticket, _ = setup
    _, raw = create_key("只读街道", ["read"], unit=cast.lead)
    response = api_client(raw).post(f"/orders/{ticket.number}/actions/sign", {"version": ticket.version})
    assert response.status_code == 403 and response.json()["error"]["code"] == "insufficient_scope"
    _, raw = create_key("只建", ["create"])
    assert api_client(raw).get("/orders").status_code == 403


def test_unknown_api_paths_are_json_404(api_client) -> None:  # noqa: ANN001
    response = api_client().get("/no/such/thing")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_api_root_is_a_json_404_pointing_to_the_docs() -> None:
    response = Client().get("/api/v1/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found" and "/api/v1/docs" in response.json()["error"]["message"]


def test_a_method_a_path_does_not_take_is_a_json_405_with_allow(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    response = client.client.delete(f"/api/v1/orders/{ticket.number}", headers=client.headers)
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed" and "GET" in response["Allow"] and "DELETE" in error["message"]


def test_extreme_dates_in_the_order_filters_are_400_not_500(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    for name, value in (("registered_to", "9999-12-31"), ("registered_from", "0001-01-01")):
        response = client.get("/orders", {name: value})
        assert response.status_code == 400, (name, response.content)
        assert response.json()["error"]["code"] == "validation_error"


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(setup, monkeypatch) -> None:  # noqa: ANN001
    cast, ticket, client = setup

    def explode(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret internals")

    monkeypatch.setattr("hotline.api.serialize.order_detail", explode)
    response = client.get(f"/orders/{ticket.number}")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


def _database_gone() -> Exception:
    """What Django raises when PostgreSQL went away under a request: its OperationalError from psycopg's."""
    import psycopg
    from django.db import utils as db_utils

    try:
        try:
            raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
        except psycopg.OperationalError as exc:
            raise db_utils.OperationalError(*exc.args) from exc
    except db_utils.OperationalError as wrapped:
        return wrapped


def test_a_database_outage_is_a_503_with_retry_after(setup, monkeypatch) -> None:  # noqa: ANN001
    cast, ticket, client = setup

    def gone(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise _database_gone()

    monkeypatch.setattr("hotline.api.serialize.order_detail", gone)
    response = client.get(f"/orders/{ticket.number}")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "service_unavailable" and "稍后重试" in error["message"]
    assert b"Traceback" not in response.content and b"server closed" not in response.content


def test_a_merge_into_an_order_the_key_may_not_see_reads_as_an_unknown_number(frozen_now, org, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    cast = Cast.build()
    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    pending = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    _, raw = create_key("中心派单", ["read", "act"], unit=org.centre, role="dispatcher")
    client = api_client(raw)
    before, events = stored(secret), secret.timeline.count()

    def merge(number: str):  # noqa: ANN202
        return client.post(f"/orders/{pending.number}/actions/merge", {"version": pending.version,
                                                                       "master_number": number})

    hidden, unknown = merge(secret.number), merge("209901019999999")
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json()["error"]["details"] == unknown.json()["error"]["details"] == {
        "master_number": ["找不到该工单"]}
    assert stored(secret) == before and secret.timeline.count() == events


def test_field_errors_speak_chinese_first_and_english_on_request(setup) -> None:  # noqa: ANN001
    cast, ticket, client = setup
    body = {"description": 5, "channel": "fax", "request_type": "complaint", "unknown": 1}
    details = {tuple(d["loc"][-1:]): d for d in client.post("/orders", body).json()["error"]["details"]}
    assert details[("description",)]["msg"] == "须为字符串"
    assert details[("channel",)]["msg"].startswith("取值须为以下之一：") and "'phone'" in details[("channel",)]["msg"]
    assert details[("unknown",)]["msg"] == "不接受此字段" and details[("unknown",)]["type"] == "extra_forbidden"
    paging = client.get("/orders", {"page": "abc"}).json()["error"]["details"]
    assert [d["msg"] for d in paging] == ["须为整数"]
    english = client.post("/orders", body, **{"Accept-Language": "en"}).json()["error"]
    assert {d["msg"] for d in english["details"]} >= {"Input should be a valid string", "Extra inputs are not permitted"}
    extension = client.post(f"/orders/{ticket.number}/actions/request_extension",
                            {"version": True}).json()["error"]["details"]
    assert not any(d["msg"].startswith("Value error") for d in extension)
