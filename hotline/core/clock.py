"""The one clock of the domain. Every service asks `now()`; tests and the demo may move it.

`frozen(at)` sets the time for the current thread/context (used by `hotline demo` to replay
90 days of history through the real services); tests may also use time-machine.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_override: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("hotline_now", default=None)


def now() -> datetime:
    """The current aware datetime (UTC), unless a `frozen` block says otherwise."""
    value = _override.get()
    return value if value is not None else timezone.now()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Make `now()` return `at` inside the block. `at` must be timezone-aware."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    token = _override.set(at)
    try:
        yield
    finally:
        _override.reset(token)
