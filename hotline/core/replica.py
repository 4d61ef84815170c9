"""Reports read from a PostgreSQL replica when there is one (`HOTLINE_REPLICA_DATABASE_URL`).

KPI pages, the monthly bulletin, dashboards and exports read a month or more of orders. On a busy
centre that reading competes with the agents' work on the primary. With a streaming replica
configured (docs/deploy.md), code inside `reporting()` — or a view wrapped in `reporting_view` —
reads from the `replica` alias; everything else, every write, and any read inside a transaction on
the primary (which must see its own writes) stays on `default`. Replication lag of a few seconds is
acceptable for reports, never for the work-order screens, which is why only reports opt in.
Without a replica configured all of this changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

#: The database alias of the replica, present in DATABASES only when one is configured.
REPLICA = "replica"

#: Seconds reports stay on the primary after the replica failed.
REST_SECONDS = 30

_reporting: ContextVar[bool] = ContextVar("hotline_reporting", default=False)
#: Until when (time.monotonic()) the replica is left alone after a failure.
_resting_until = [0.0]
log = logging.getLogger(__name__)


def configured() -> bool:
    """Whether a replica is configured."""
    return REPLICA in settings.DATABASES


@contextmanager
def reporting() -> Iterator[None]:
    """Reads inside go to the replica (when one is configured and no transaction is open on the primary)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reporting_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """A read-only report view (or any function making a report): its reads go to the replica.

    If the replica cannot be reached, the report is served from the primary instead, and the replica
    is left alone for `REST_SECONDS` (a report a little slower beats an error page).
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if read_alias_if_reporting() == "default":
            return view(*args, **kwargs)
        try:
            with reporting():
                return view(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            _rest_replica(exc)
            return view(*args, **kwargs)

    wrapper.reads_from_replica = True  # type: ignore[attr-defined]
    return wrapper


def read_alias() -> str:
    """Where a read made now goes: `replica` inside `reporting()`, else `default`."""
    return read_alias_if_reporting() if _reporting.get() else "default"


def read_alias_if_reporting() -> str:
    """Where a report's read would go now: the replica unless absent, resting, or a transaction is open."""
    if (configured() and time.monotonic() >= _resting_until[0]
            and not connections["default"].in_atomic_block):
        return REPLICA
    return "default"


def _rest_replica(exc: Exception) -> None:
    """The replica failed: close its connection and send reports to the primary for a while."""
    _resting_until[0] = time.monotonic() + REST_SECONDS
    log.warning("replica unavailable, reports read from the primary for %d s: %s", REST_SECONDS, exc)
    with suppress(Exception):
        connections[REPLICA].close()


class ReplicaRouter:
    """Reads of reports to the replica; writes, migrations and everything else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's schema by replication
