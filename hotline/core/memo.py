"""Reads shared by the steps of one follow-up task: settings rows and "is anything configured?" checks.

    with memo.scope():                                   # the worker's `after_steps`, around its steps
        settings = memo.once("routing.settings", read)   # read once, reused for the rest of the scope

Outside a scope `once` simply reads, so requests, commands and the embedded profile see every change at
once. A scope lasts one task (tens of milliseconds): a setting changed meanwhile applies from the next
task on. Only values that the code in the scope does not change belong here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_values: ContextVar[dict[str, Any] | None] = ContextVar("hotline_memo", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Share the reads made inside the block (nested scopes share the outer one)."""
    if _values.get() is not None:
        yield
        return
    token = _values.set({})
    try:
        yield
    finally:
        _values.reset(token)


def once(key: str, read: Callable[[], T]) -> T:
    """`read()`, done once per scope for this key (every time outside a scope)."""
    values = _values.get()
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]
