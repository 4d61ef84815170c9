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

from django.db import transaction

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
