"""The PostgreSQL backend's health check: no round trip on a quiet connection, a real check otherwise."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_pg

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def selects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Django's own check (the `SELECT 1` round trip)."""
    calls: list[int] = []
    original = django_pg.DatabaseWrapper.is_usable

    def counted(self):  # noqa: ANN001, ANN202
        calls.append(1)
        return original(self)

    monkeypatch.setattr(django_pg.DatabaseWrapper, "is_usable", counted)
    return calls


def test_the_engine_is_ours() -> None:
    assert connection.settings_dict["ENGINE"] == "hotline.core.postgres"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_idle_connection_is_usable_without_a_statement(selects: list[int]) -> None:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.is_usable() is True
    assert selects == []


def test_a_connection_in_a_transaction_gets_the_real_check(selects: list[int]) -> None:
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        assert connection.is_usable() is True
        assert selects == [1]
    finally:
        connection.connection.execute("ROLLBACK")


def test_a_connection_the_server_closed_is_found_and_replaced(selects: list[int]) -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    dsn = connection.connection.info.dsn
    params = connection.get_connection_params()
    with psycopg.connect(dsn, password=params.get("password"), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:  # the FATAL message and the close arrive
        time.sleep(0.05)
    assert connection.is_usable() is False and selects  # data was waiting: Django's check ran, and failed
    # What Django does at the start of a request: the dead connection is closed, the next query reconnects.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
