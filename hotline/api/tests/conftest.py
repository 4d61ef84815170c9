"""Fixtures of the API tests: a JSON client per key, fresh rate-limit counters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Every test starts with empty rate-limit windows (they live in the process's cache)."""
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """A test client that sends a key (or a session) and JSON bodies."""

    def __init__(self, raw_key: str | None = None, client: Client | None = None, header: str = "bearer") -> None:
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if raw_key and header == "bearer":
            self.headers["Authorization"] = f"Bearer {raw_key}"
        elif raw_key:
            self.headers["X-API-Key"] = raw_key

    def get(self, path: str, params: Any = None, **headers: str):  # noqa: ANN201
        return self.client.get(f"/api/v1{path}", params or {}, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, **headers: str):  # noqa: ANN201
        return self.client.post(f"/api/v1{path}", data=json.dumps(body if body is not None else {}),
                                content_type="application/json", headers={**self.headers, **headers})


@pytest.fixture
def api_client() -> type[ApiClient]:
    return ApiClient
