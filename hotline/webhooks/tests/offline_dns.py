"""Name resolution without the network for webhook and partner tests (`hotline.core.targets.resolve`).

`localhost` resolves to loopback as the hosts file says; any other name (example.com, 119.example.gov.cn,
partner.test …) to one public address, so a test never waits for a DNS server. IP literals are not resolved.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

#: What a name other than localhost resolves to in tests (a public address).
PUBLIC = "93.184.215.14"


def fake_resolve(host: str, port: int | None = None) -> list[str]:
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return ["127.0.0.1", "::1"]
    return [PUBLIC]


@pytest.fixture(autouse=True)
def _offline_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("hotline.core.targets.resolve", fake_resolve)
    yield


@pytest.fixture
def allow_private(settings) -> None:  # noqa: ANN001 - pytest-django's settings fixture
    """Let deliveries reach the local test server on 127.0.0.1 (`HOTLINE_WEBHOOKS_ALLOW_PRIVATE`)."""
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True
