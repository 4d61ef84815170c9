"""Units of work that succeed or fail as a whole, without a savepoint for each step inside them.

Django gives every nested `transaction.atomic` a savepoint: two more statements (SAVEPOINT, RELEASE)
per step, so that a caller may catch a step's error and carry on. Taking a call through the API
nests four such blocks (the idempotency record, the call, registration, the first decision), and
none of their callers carries on after an error. `all_or_nothing` marks such a unit: the steps inside
it (`step_transaction`) open no savepoint, so a failing step dooms the unit, which is rolled back as
a whole. The unit itself has one savepoint when it runs inside someone else's transaction (a test
case, a caller's own block), so that outer transaction stays usable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction

#: True while the code runs inside an `all_or_nothing` unit.
_whole: ContextVar[bool] = ContextVar("hotline_all_or_nothing", default=False)


def in_whole_unit() -> bool:
    """Whether an error here undoes the whole enclosing unit (no savepoint to return to)."""
    return _whole.get()


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Run the block as one unit: any error leaving it rolls back everything it wrote.

    The caller must let errors leave the block: inside it, a failed step leaves the transaction
    unusable until the block ends. The flag is cleared before the block's transaction ends, so
    `on_commit` callbacks run as ordinary code.
    """
    with transaction.atomic(savepoint=not _whole.get()):
        token = _whole.set(True)
        try:
            yield
        finally:
            _whole.reset(token)


def step_transaction() -> transaction.Atomic:
    """One step's transaction: a savepoint inside another transaction, none inside `all_or_nothing`."""
    return transaction.atomic(savepoint=not _whole.get())


class Pipeline:
    """The statements of a `pipelined` block; `sync()` waits for their results."""

    def __init__(self, pipe: Any = None) -> None:
        self._pipe = pipe

    def sync(self) -> None:
        """Wait until every statement sent so far has run; an error of any of them is raised here."""
        if self._pipe is not None:
            with connection.wrap_database_errors:
                self._pipe.sync()


@contextmanager
def pipelined() -> Iterator[Pipeline]:
    """Send the block's statements without waiting for each answer (PostgreSQL's pipeline mode).

    A statement whose result is read (a SELECT, a RETURNING, `Pipeline.sync()`) waits for everything
    sent before it, in one round trip; the others go along with it. An API creation thus needs three
    round trips inside its transaction instead of six. Use it only inside an `all_or_nothing` unit: an
    error may surface at a later statement than the one that failed, and the whole unit is rolled back
    either way. Elsewhere than on PostgreSQL, or with a libpq older than 14 (no pipeline mode), the block
    runs as it is.
    """
    if not _whole.get():
        raise RuntimeError("pipelined() belongs inside an all_or_nothing() unit")
    if connection.vendor != "postgresql" or not _pipeline_supported():
        yield Pipeline()
        return
    with connection.connection.pipeline() as pipe:
        yield Pipeline(pipe)


def _pipeline_supported() -> bool:
    """Whether the libpq psycopg uses has pipeline mode (libpq 14 and later)."""
    import psycopg

    return psycopg.Pipeline.is_supported()
