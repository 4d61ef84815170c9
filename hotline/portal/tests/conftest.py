"""Fixtures of the portal tests: a clean rate-limit cache, files and messages kept under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _portal_isolation(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Every test starts with fresh rate-limit counters and writes files and messages under tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HOTLINE_OUTBOX = tmp_path / "outbox.jsonl"
    cache.clear()
    yield
    cache.clear()
