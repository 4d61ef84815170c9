"""Is this failure the database being unreachable for a moment, rather than a bug?

A request that fails because PostgreSQL is restarting, refuses connections, has just terminated the
backend, or (embedded profile) because SQLite stayed locked past its timeout did nothing wrong: the same
request will succeed a few seconds later. Such failures are answered **503 with `Retry-After`** (the
API's `service_unavailable`, the pages' 503 page) instead of a 500, so that integrations and load
balancers retry instead of reporting a defect. Everything else stays a 500.
"""

from __future__ import annotations

import sqlite3

from django.db import utils as db_utils

#: Seconds a client is asked to wait before retrying (`Retry-After`). A PostgreSQL restart or a fail-over
#: to a replica takes a few seconds; Django opens a new connection on the next request by itself.
RETRY_AFTER_SECONDS = 5

#: SQLSTATE classes and codes that mean "the server cannot serve you right now", not "your statement is
#: wrong": 08 connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
#: (starting up / shutting down / in recovery); 53300 too many connections.
_UNAVAILABLE_CLASSES = ("08",)
_UNAVAILABLE_CODES = frozenset({"57P01", "57P02", "57P03", "53300"})
#: SQLite: the file stayed locked by another writer past the busy timeout.
_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def _chain(exc: BaseException | None) -> list[BaseException]:
    """The exception and what it was raised from, innermost last (bounded: chains can loop)."""
    seen: list[BaseException] = []
    while exc is not None and len(seen) < 10 and all(exc is not other for other in seen):
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _driver_says_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorname", "") in _SQLITE_BUSY
    module = type(exc).__module__ or ""
    if not module.startswith("psycopg"):
        return False
    import psycopg  # only when the exception came from it: the embedded profile may not have it

    if not isinstance(exc, psycopg.OperationalError):  # an InterfaceError is misuse (a closed cursor): a bug
        return False
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate is None:  # raised by libpq itself: refused, reset, closed by the server, timed out
        return True
    return sqlstate.startswith(_UNAVAILABLE_CLASSES) or sqlstate in _UNAVAILABLE_CODES


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or what it was raised from) says the database cannot be reached right now."""
    chain = _chain(exc)
    if any(_driver_says_unavailable(link) for link in chain):
        return True
    # Django refuses to use a connection it saw break ("connection already closed"): the next request
    # reconnects, so this one is the tail of the same outage. Other interface errors are bugs.
    return any(isinstance(link, db_utils.InterfaceError) and "connection" in str(link) for link in chain)
