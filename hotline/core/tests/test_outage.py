"""Which failures count as "the database is unreachable for a moment" (503) rather than a defect (500)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from django.db import utils as db_utils
from psycopg import errors as pg_errors

from hotline.core.outage import is_database_unavailable


def _wrapped(inner: BaseException, outer: type[Exception] = db_utils.OperationalError) -> Exception:
    """The exception as Django raises it: its own class, raised from the driver's."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer(*exc.args) from exc
    except outer as wrapped:
        return wrapped


@pytest.mark.parametrize("inner", [
    psycopg.OperationalError("connection failed: Connection refused"),  # libpq itself: no SQLSTATE
    psycopg.OperationalError("server closed the connection unexpectedly"),
    pg_errors.AdminShutdown("terminating connection due to administrator command"),  # 57P01
    pg_errors.CannotConnectNow("the database system is starting up"),  # 57P03
    pg_errors.TooManyConnections("sorry, too many clients already"),  # 53300
    pg_errors.ConnectionFailure("connection failure"),  # 08006
])
def test_postgresql_going_away_is_an_outage(inner: BaseException) -> None:
    assert is_database_unavailable(_wrapped(inner))
    assert is_database_unavailable(inner)


@pytest.mark.parametrize("inner", [
    pg_errors.UniqueViolation("duplicate key value"),
    pg_errors.SyntaxError("syntax error at or near"),
    pg_errors.QueryCanceled("canceling statement due to statement timeout"),
    pg_errors.SerializationFailure("could not serialize access"),
    pg_errors.DiskFull("could not extend file"),
])
def test_a_refused_or_failed_statement_is_not_an_outage(inner: BaseException) -> None:
    outer = db_utils.IntegrityError if isinstance(inner, pg_errors.IntegrityError) else db_utils.OperationalError
    assert not is_database_unavailable(_wrapped(inner, outer))


def test_django_refusing_a_broken_connection_is_the_tail_of_an_outage() -> None:
    assert is_database_unavailable(db_utils.InterfaceError("connection already closed"))
    # Misusing a cursor is a bug, not an outage.
    assert not is_database_unavailable(db_utils.InterfaceError("cursor already closed"))
    assert not is_database_unavailable(_wrapped(psycopg.InterfaceError("the cursor is closed"), db_utils.InterfaceError))


def test_a_sqlite_file_locked_past_the_timeout_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        writer.execute("CREATE TABLE t (x)")
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as raised:
            other.execute("INSERT INTO t VALUES (1)")
        assert is_database_unavailable(_wrapped(raised.value))
        with pytest.raises(sqlite3.OperationalError) as missing:
            other.execute("SELECT * FROM no_such_table")
        assert not is_database_unavailable(_wrapped(missing.value))
    finally:
        writer.close()
        other.close()


def test_ordinary_errors_and_odd_chains() -> None:
    assert not is_database_unavailable(None)
    assert not is_database_unavailable(RuntimeError("boom"))
    assert not is_database_unavailable(db_utils.OperationalError("no such table: x"))  # no driver cause
    looped = RuntimeError("a")
    other = RuntimeError("b")
    looped.__cause__, other.__cause__ = other, looped
    assert not is_database_unavailable(looped)  # a cycle ends, and answers
