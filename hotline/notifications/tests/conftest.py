"""Fixtures of the notification tests: messages go to an outbox under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from hotline.notifications.backends import MemoryNotifier


@pytest.fixture(autouse=True)
def _outbox(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The file backend writes to tmp_path/outbox.jsonl; files and rate limits start clean."""
    settings.HOTLINE_OUTBOX = tmp_path / "outbox.jsonl"
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.FileNotifier"
    settings.HOTLINE_PUBLIC_URL = "https://12345.example.cn/"
    settings.MEDIA_ROOT = tmp_path / "media"
    MemoryNotifier.sent.clear()
    cache.clear()
    yield settings.HOTLINE_OUTBOX
    MemoryNotifier.sent.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit callbacks (the `ticket_changed` signal) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def memory_notifier(settings: Any) -> None:
    """Messages to the in-memory fake (`MemoryNotifier.sent`) instead of this package's outbox file."""
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.MemoryNotifier"
