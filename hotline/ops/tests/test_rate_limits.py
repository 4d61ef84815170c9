"""Public machine endpoints without their own limit get one from the ops middleware."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

ON = override_settings(HOTLINE_PUBLIC_RATE_LIMITS_ENABLED=True, HOTLINE_PUBLIC_RATE_LIMITS=[
    {"name": "open311-read", "prefix": "/open311/v2/", "methods": ["GET", "HEAD"], "limit": 3, "window": 60},
    {"name": "cti", "prefix": "/cti/v1/", "methods": ["POST"], "limit": 2, "window": 60},
    {"name": "health", "prefix": "/healthz", "methods": ["GET"], "limit": 2, "window": 60},
])


@ON
def test_open311_reads_are_limited_per_client_with_retry_after(client, frozen_now) -> None:
    statuses = [client.get("/open311/v2/services.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/open311/v2/services.json")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"] == "rate_limited"
    assert client.get("/open311/v2/services.json", REMOTE_ADDR="10.9.9.9").status_code == 200  # another client


@ON
def test_the_cti_endpoint_is_limited_before_its_signature_is_checked(client, frozen_now) -> None:
    answers = [client.post("/cti/v1/events", data=b"{}", content_type="application/json").status_code
               for _ in range(3)]
    assert answers[:2] != [429, 429] and answers[2] == 429


@ON
def test_health_probes_are_limited(client, frozen_now) -> None:
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]


@ON
def test_other_paths_and_methods_are_not_counted(client, frozen_now) -> None:
    for _ in range(5):
        assert client.get("/accounts/login/").status_code == 200


def test_limits_are_on_by_default_in_the_settings() -> None:
    import hotline.settings as configured

    names = {rule["name"] for rule in configured.HOTLINE_PUBLIC_RATE_LIMITS}
    assert configured.HOTLINE_PUBLIC_RATE_LIMITS_ENABLED is True
    assert {"open311-read", "open311-write", "interop", "cti", "health", "metrics"} <= names
