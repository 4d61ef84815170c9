"""`hotline bench duplicates` in a tiny configuration: the generated index is sound and the lookup is timed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from hotline.bench import registry
from hotline.bench.duplicates import generate, measure
from hotline.intelligence import duplicates as dup
from hotline.tickets.models import Ticket
from hotline.triage.models import DuplicateKey
from hotline.triage.services import lookup

pytestmark = pytest.mark.django_db
#: The benchmark builds its scratch data with SQLite's SQL (it always runs on a scratch SQLite file).
SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite", reason="the benchmark's generator is SQLite-only")
NOW = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)


def test_registered() -> None:
    assert "duplicates" in registry.benchmarks()


@SQLITE_ONLY
def test_tiny_run_generates_the_index_and_times_the_lookup() -> None:
    pool = generate(2_000, now=NOW, batch=500, seed=3)
    assert Ticket.objects.count() == DuplicateKey.objects.count() == 2_000
    oldest = DuplicateKey.objects.order_by("registered_at").first().registered_at
    assert (NOW - oldest).days <= 30
    # a stored order looked up again finds its own caller's other orders on the same matter
    row = DuplicateKey.objects.filter(phone__in=[dup.phone_key(p) for p in pool.repeat_phones[:40_000]]).first()
    twins = DuplicateKey.objects.filter(phone=row.phone, signature=row.signature).exclude(ticket_id=row.ticket_id)
    key = dup.Key(ticket_id=-1, phone=row.phone, category1=row.category1, place=row.place,
                  signature=bytes(row.signature))
    found = lookup(key, NOW)
    assert {m.ticket_id for m in found.repeats} >= set(twins.values_list("ticket_id", flat=True))
    timings, counts = measure(pool, now=NOW, probes=50, seed=2)
    assert len(timings) == 50 and all(t > 0 for t in timings)
    assert set(counts) == {"repeats", "clusters"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(registry.BenchError):
        registry.benchmarks()["duplicates"].fn(["--orders", "0"])
