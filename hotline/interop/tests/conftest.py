"""Partner tests resolve names without the network; `allow_private` lets them deliver to 127.0.0.1. Every test
starts with empty rate-limit windows: failed keys count per address (127.0.0.1 for every test client)."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from hotline.webhooks.tests.offline_dns import _offline_dns, allow_private  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
