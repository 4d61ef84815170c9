"""The CTI endpoint: signature and authentication failures, malformed events, batches, duplicates."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.calls.models import Call, CallEvent, PbxSource
from hotline.calls.signing import signature, signed_headers
from hotline.calls.tests.conftest import at, ev
from hotline.core import clock

pytestmark = pytest.mark.usefixtures("frozen_now")

GOOD = [ev("e1", "call.offered", at(0), call_id="c1", caller="13812345678"),
        ev("e2", "call.queued", at(0, 10), call_id="c1"),
        ev("e3", "call.answered", at(0, 20), call_id="c1", agent="8001")]


def test_a_signed_batch_is_stored_and_derived(post) -> None:
    response = post({"events": GOOD})
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "duplicates": 0, "rejected": [], "calls_updated": 1}
    call = Call.objects.get(call_id="c1")
    assert call.disposition == "answered" and call.wait_seconds == 10 and call.agent.extension == "8001"


def test_one_event_or_a_list_is_accepted_too(post) -> None:
    assert post(GOOD[0]).status_code == 200
    assert post(GOOD[1:]).status_code == 200
    assert CallEvent.objects.count() == 3


@pytest.mark.parametrize("change", ["missing", "unknown_key", "bad_signature", "stale", "future", "not_digits"])
def test_requests_not_signed_by_a_source_get_401(post, source, change) -> None:
    body = json.dumps(GOOD).encode()
    if change == "missing":
        response = post(GOOD, headers={})
    elif change == "unknown_key":
        response = post(GOOD, key="nobody")
    elif change == "bad_signature":
        response = post(GOOD, secret="wrong-secret")
    elif change == "stale":
        response = post(GOOD, timestamp=int(clock.now().timestamp()) - 301)
    elif change == "future":
        response = post(GOOD, timestamp=int(clock.now().timestamp()) + 301)
    else:
        response = post(GOOD, headers={"X-Hotline-Key": source.key, "X-Hotline-Timestamp": "soon",
                                       "X-Hotline-Signature": signature(source.secret, "soon", body)})
    assert response.status_code == 401
    assert response.json()["error"]
    assert CallEvent.objects.count() == 0


def test_a_body_changed_after_signing_is_refused(client, source) -> None:
    body = json.dumps(GOOD).encode()
    headers = signed_headers(source.key, source.secret, body)
    tampered = body.replace(b"8001", b"8002")
    response = client.post("/cti/v1/events", data=tampered, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert CallEvent.objects.count() == 0


def test_a_disabled_source_gets_403(post, source) -> None:
    source.is_active = False
    source.save()
    response = post(GOOD)
    assert response.status_code == 403
    assert "disabled" in response.json()["error"]


def test_get_is_not_allowed_and_no_csrf_token_is_needed(client, post) -> None:
    assert client.get("/cti/v1/events").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    source = PbxSource.objects.get()
    body = json.dumps(GOOD).encode()
    response = strict.post("/cti/v1/events", data=body, content_type="application/json",
                           headers=signed_headers(source.key, source.secret, body))
    assert response.status_code == 200


def test_malformed_events_are_reported_one_by_one_and_the_good_ones_kept(post) -> None:
    batch = [
        GOOD[0],
        {"type": "call.queued", "at": at(1), "call_id": "c1"},                       # no id
        ev("x2", "call.parked", at(1), call_id="c1"),                               # unknown type
        ev("x3", "call.queued", "yesterday", call_id="c1"),                         # bad time
        ev("x4", "call.queued", "2025-03-04T09:00:00", call_id="c1"),               # no offset
        ev("x5", "call.answered", at(1), call_id="c1"),                             # no agent
        ev("x6", "agent.ready", at(1)),                                             # no agent
        ev("x7", "call.transferred", at(1), call_id="c1", agent="8001"),            # no target
        "not an object",
        GOOD[1],
    ]
    response = post(batch)
    assert response.status_code == 400
    data = response.json()
    assert data["accepted"] == 2
    reasons = {item["index"]: item["reason"] for item in data["rejected"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "'id'" in reasons[1] and "unknown 'type'" in reasons[2] and "ISO-8601" in reasons[3]
    assert "UTC offset" in reasons[4] and "'agent'" in reasons[5] and "'agent'" in reasons[6]
    assert "'to'" in reasons[7] and "JSON object" in reasons[8]
    assert [r["id"] for r in data["rejected"]][1:4] == ["x2", "x3", "x4"]
    assert set(CallEvent.objects.values_list("event_id", flat=True)) == {"e1", "e2"}


def test_bodies_that_are_not_json_or_empty_get_400(post) -> None:
    assert post(None, raw=b"{not json").status_code == 400
    assert post([]).status_code == 400
    assert post({"events": "x"}).status_code == 400


def test_repeated_events_are_counted_as_duplicates_and_change_nothing(post) -> None:
    post(GOOD)
    before = Call.objects.values().get()
    response = post([*GOOD, GOOD[0]])
    assert response.json()["accepted"] == 0 and response.json()["duplicates"] == 4
    assert Call.objects.values().get() == before
    assert CallEvent.objects.count() == 3


def test_an_overlong_agent_id_is_refused(post) -> None:
    response = post([ev("a1", "agent.login", at(0), agent="8" * 40)])
    assert response.status_code == 400
    assert "at most 32" in response.json()["rejected"][0]["reason"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-08:00",
                                  "2027-03-05T09:00:00+08:00", "2024-03-03T09:00:00+08:00"])
def test_an_event_far_from_now_is_refused_and_the_rest_of_the_batch_kept(post, when) -> None:
    response = post([GOOD[0], ev("x1", "call.queued", when, call_id="c2"), GOOD[1]])
    assert response.status_code == 400
    data = response.json()
    assert data["accepted"] == 2
    [refused] = data["rejected"]
    assert refused["index"] == 1 and refused["id"] == "x1" and "366 days" in refused["reason"]
    assert set(CallEvent.objects.values_list("event_id", flat=True)) == {"e1", "e2"}


@pytest.mark.parametrize("header", ["X-Hotline-Signature", "X-Hotline-Timestamp"])
def test_non_ascii_signature_headers_get_401(post, source, header) -> None:
    headers = signed_headers(source.key, source.secret, json.dumps(GOOD).encode())
    headers[header] = "sha256=签名" if header == "X-Hotline-Signature" else "١٧٤١٠٥٣٦٠٠"
    response = post(GOOD, headers=headers)
    assert response.status_code == 401
    assert CallEvent.objects.count() == 0
