"""重复来电率 at the edges of its window, and the query the database runs for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.kpis import engine, periods
from hotline.kpis.tests.scenario import AS_OF
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)
LATE = datetime(2025, 3, 20, 2, 0, 0, 250_000, tzinfo=UTC)  # a fraction of a second, as stored


def _order(cast: Cast, when: datetime, **draft: object) -> Ticket:
    ticket = make_ticket(Status.REGISTERED, cast=cast, **draft)
    Ticket.objects.filter(pk=ticket.pk).update(registered_at=when)
    return ticket


def _repeats() -> list[int]:
    ctx = engine.context(MARCH, as_of=AS_OF)
    return sorted(engine.orders("repeat", ctx, part="num").values_list("pk", flat=True))


def test_the_window_is_exact_to_the_microsecond() -> None:
    cast = Cast.build()
    category, other = CategoryFactory(), CategoryFactory()
    days = 30
    # Each pair: an earlier order and the later one, from its own phone.
    inside = _order(cast, LATE, caller_phone="13900000001", category=category)
    _order(cast, LATE - timedelta(days=days), caller_phone="13900000001", category=category)  # just in
    outside = _order(cast, LATE, caller_phone="13900000002", category=category)
    _order(cast, LATE - timedelta(days=days, microseconds=1), caller_phone="13900000002", category=category)
    same_moment = _order(cast, LATE, caller_phone="13900000003", category=category)
    _order(cast, LATE, caller_phone="13900000003", category=category)  # not earlier: neither is a repeat
    _order(cast, LATE - timedelta(days=1), caller_phone="13900000004", category=other)
    elsewhere = _order(cast, LATE, caller_phone="13900000004", category=category)
    whole = datetime(2025, 3, 10, 8, tzinfo=UTC)  # stored without a fraction; the earlier one with one
    _order(cast, whole - timedelta(days=days) + timedelta(microseconds=1), caller_phone="13900000005",
           category=category)
    second = _order(cast, whole, caller_phone="13900000005", category=category)
    found = _repeats()
    assert inside.pk in found and second.pk in found
    assert outside.pk not in found and same_moment.pk not in found and elsewhere.pk not in found
    assert len(found) == 2


def test_the_lookup_uses_the_index_and_no_python_date_function() -> None:
    ctx = engine.context(MARCH, as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        engine.figure("repeat", ctx)
    sql = queries.captured_queries[-1]["sql"]
    assert "django_format_dtdelta" not in sql  # SQLite: a Python call per row, and no use of the index
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "ticket_caller_repeat" in plan, plan
