"""`hotline bench inbox` in a tiny configuration: the generated city, the viewers, the timed pages and the query check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from hotline.bench import registry
from hotline.bench.inbox import TABS, _check_constant, _viewers, measure

pytestmark = pytest.mark.django_db
#: The benchmark's generator writes with SQLite's SQL (it always runs on a scratch SQLite file).
SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite", reason="the benchmark's generator is SQLite-only")


def test_registered_and_bad_arguments_refused() -> None:
    assert "inbox" in registry.benchmarks()
    with pytest.raises(registry.BenchError):
        registry.benchmarks()["inbox"].fn(["--units", "5"])


@SQLITE_ONLY
def test_tiny_run_times_every_page_with_constant_queries(capsys: pytest.CaptureFixture[str]) -> None:
    from hotline.bench.sla_sweep import generate
    from hotline.sla.sweep import sweep

    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    generate(12_000, now=now, seed=3, units=20)  # enough for page 5 of every list
    sweep(now)
    street, district = _viewers()
    assert street.unit.parent_id == district.unit.pk and 0 < street.orders < district.orders
    timings, queries = measure([street, district], repeat=2)
    assert len(timings) == 2 * (len(TABS) + 4) and all(p95 > 0 for _p50, p95 in timings.values())
    assert all(len(set(counts.values())) == 1 for counts in queries.values())
    _check_constant(queries)
    assert "query counts: the same" in capsys.readouterr().out


def test_a_query_count_that_grows_with_the_data_fails() -> None:
    queries = {kind: {"street handler": 5, "district unit admin": 5} for kind in (
        "inbox doing", "inbox doing, later page", "api open orders by deadline", "api open orders, later page")}
    queries["inbox doing"]["district unit admin"] = 9
    with pytest.raises(registry.BenchError, match="inbox doing"):
        _check_constant(queries)
