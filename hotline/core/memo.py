"""Reads shared by the steps of one follow-up task: settings rows and "is anything configured?" checks.

    with memo.scope():                                   # the worker's `after_steps`, around its steps
        settings = memo.once("routing.settings", read)   # read once, reused for the rest of the scope

Outside a scope `once` simply reads, so requests, commands and the embedded profile see every change at
once. A scope lasts one task (tens of milliseconds): a setting changed meanwhile applies from the next
task on. Only values that the code in the scope does not change belong here.

A Celery worker opens its scopes with `keep_for` seconds (`tasks.after_steps`): a value read by an earlier
task of the same process less than that long ago is reused, so a worker catching up on thousands of orders
reads each setting (and each "has the catalogue changed?" stamp) about once per `keep_for`, not once per
order. A change then reaches the worker's follow-ups within `keep_for` seconds. Requests and inline
follow-ups never keep anything between scopes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_values: ContextVar[dict[str, Any] | None] = ContextVar("hotline_memo", default=None)
#: Per process, for scopes with `keep_for`: key -> (when it was read, time.monotonic(); the value).
_recent: dict[str, tuple[float, Any]] = {}


@contextmanager
def scope(*, keep_for: float = 0.0) -> Iterator[None]:
    """Share the reads made inside the block (nested scopes share the outer one).

    With `keep_for` > 0, the block also starts with the values earlier such blocks of this process read
    less than `keep_for` seconds ago, and leaves what it read itself to the next ones.
    """
    if _values.get() is not None:
        yield
        return
    started = time.monotonic()
    kept = {key: value for key, (at, value) in _recent.items() if started - at < keep_for} if keep_for > 0 else {}
    values = dict(kept)
    token = _values.set(values)
    try:
        yield
    finally:
        _values.reset(token)
        if keep_for > 0:
            for key, value in values.items():
                if key not in kept:
                    _recent[key] = (started, value)  # read during the block: counted from its start


def forget() -> None:
    """Drop the values kept between scopes (tests)."""
    _recent.clear()


def once(key: str, read: Callable[[], T]) -> T:
    """`read()`, done once per scope for this key (every time outside a scope)."""
    values = _values.get()
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]
