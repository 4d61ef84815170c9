"""`hotline bench dashboard` in a tiny configuration: the generated rollups and the timed payloads are sound."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from hotline.bench import registry
from hotline.bench.dashboard import build_city, generate, measure
from hotline.dashboards.models import ALL_UNITS, DailyRollup, Kind
from hotline.dashboards.selectors import month_payload, scope_for

pytestmark = pytest.mark.django_db
#: The benchmark builds its scratch data with SQLite's SQL (it always runs on a scratch SQLite file).
SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite", reason="the benchmark's generator is SQLite-only")


def test_registered() -> None:
    assert "dashboard" in registry.benchmarks()


@SQLITE_ONLY
def test_tiny_run_generates_the_orders_and_times_the_page() -> None:
    city = build_city()
    made = generate(city, orders=10_000, months=2, today=date(2025, 3, 20), seed=1)
    assert made["orders"] >= 10_000 and made["days"] == 48
    assert DailyRollup.objects.filter(kind=Kind.ALL, unit_id=ALL_UNITS).count() == 48
    assert DailyRollup.objects.exclude(unit_id=ALL_UNITS).values("unit_id").distinct().count() > 200
    leader = month_payload(scope_for(city.leader), date(2025, 2, 1))
    assert leader["kpis"]["created"] > 3_000 and len(leader["by_channel"]) >= 6
    assert len(leader["categories"]) == 10 and len(leader["districts"]) == 16
    district = month_payload(scope_for(city.district_admin), date(2025, 2, 1))
    assert 0 < district["kpis"]["volume"] < leader["kpis"]["volume"]
    assert {d["id"] for d in district["districts"]} == {city.districts[2]}
    timings = measure(city, month=date(2025, 2, 1), repeat=2)
    assert len(timings) == 4 and all(p50 > 0 and p95 >= 0 for p50, p95 in timings.values())


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(registry.BenchError):
        registry.benchmarks()["dashboard"].fn(["--orders", "0"])
