"""Rate limits: anonymous calls and failed authentications per client address get 429 with Retry-After."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key
from hotline.core.ratelimit import RateLimit

pytestmark = pytest.mark.django_db


def test_the_limiter_counts_per_identity_and_window(traveller) -> None:  # noqa: ANN001
    limit = RateLimit("t", limit=2, window=60)
    assert limit.hit("a").allowed and limit.hit("a").allowed
    third = limit.hit("a")
    assert not third.allowed and 1 <= third.retry_after <= 60
    assert limit.hit("b").allowed
    traveller.shift(61)
    assert limit.hit("a").allowed


def test_anonymous_calls_are_limited(settings, api_client, frozen_now) -> None:  # noqa: ANN001
    settings.HOTLINE_API_RATE_LIMITS = {"anonymous": (3, 60)}
    client = api_client()
    assert [client.get("/openapi.json").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/openapi.json")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/orders").status_code == 429
    # A caller with a key is not counted as anonymous.
    _, raw = create_key("有钥匙", ["read"])
    assert api_client(raw).get("/units").status_code == 200


def test_repeated_bad_keys_are_limited(settings, api_client, frozen_now) -> None:  # noqa: ANN001
    settings.HOTLINE_API_RATE_LIMITS = {"auth_failure": (2, 300)}
    _, good = create_key("好钥匙", ["read"])
    bad = api_client("hk_aaaaaaaa_wrong")
    assert [bad.get("/units").status_code for _ in range(2)] == [401, 401]
    limited = bad.get("/units")
    assert limited.status_code == 429 and limited.has_header("Retry-After")
    # From that address even a good key waits for the window to pass.
    assert api_client(good).get("/units").status_code == 429


def test_the_schema_and_docs_are_served(api_client) -> None:  # noqa: ANN001
    client = api_client()
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/api/v1/orders" in schema["paths"]
    assert "/api/v1/orders/{number}/actions/sign" in schema["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # served from the app's own static files
