"""Benchmark `staffing`: Erlang C + Erlang A seats for a week of half-hours, 7 × 48 intervals (target < 50 ms).

The week is 5,000 calls per workday (`--calls-per-day`) over the typical 12345 intraday curve, with
weekend days lighter, AHT 285 s, patience 75 s, targets 80 % within 15 s, ≥ 95 % connected,
occupancy ≤ 85 %, shrinkage 30 %. One pass computes, for every interval, the required agents, the
seats and what they deliver, with both models. The headline is the median of `--repeats` passes;
a Beijing-sized week (70,000 calls a day) is timed too. If pyworkforce is installed, its ErlangC is
run on the same intervals: the raw agent counts must be identical (the benchmark fails otherwise)
and its time is printed beside ours. (Seats after shrinkage may differ by one where pyworkforce's
float division lands just above a whole number, e.g. 42 / 0.7 = 60.00000000000001 → 61.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence

from hotline.bench.registry import BenchError, Figure, benchmark

NAME = "staffing"
WEEKDAY_FACTORS = (1.08, 1.0, 0.98, 0.97, 0.95, 0.55, 0.5)


def _week(calls_per_day: float) -> list[float]:
    """Calls per hour of each half-hour of a week."""
    from hotline.intelligence.forecast import typical_shape

    shape = typical_shape()
    return [calls_per_day * factor * share * 2 for factor in WEEKDAY_FACTORS for share in shape]


def _one_pass(rates: Sequence[float], aht: float, patience: float) -> tuple[list, list]:
    from hotline.intelligence import staffing as st

    targets = st.Targets(0.8, 15.0, 0.95, 0.85, 0.30)
    return (st.plan(rates, aht, targets, st.ERLANG_C),
            st.plan(rates, aht, targets, st.ERLANG_A, patience))


def _time(rates: Sequence[float], aht: float, patience: float, repeats: int
          ) -> tuple[float, float, tuple[list, list]]:
    """Median wall-clock and CPU seconds of one pass, and its result."""
    result = _one_pass(rates, aht, patience)  # warm-up (imports, caches)
    times, cpu = [], []
    for _ in range(repeats):
        started, process = time.perf_counter(), time.process_time()
        result = _one_pass(rates, aht, patience)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - process)
    return statistics.median(times), statistics.median(cpu), result


def _pyworkforce(rates: Sequence[float], aht: float, ours: list) -> None:
    """Compare raw agent counts with pyworkforce's ErlangC (same targets, no connect target)."""
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        print("pyworkforce not installed: comparison skipped (pip install -e '.[dev]')", flush=True)
        return
    started = time.perf_counter()
    theirs = [ErlangC(transactions=r, aht=aht / 60, asa=15 / 60, interval=60, shrinkage=0.30)
              .required_positions(service_level=0.8, max_occupancy=0.85) if r > 0 else {"raw_positions": 0,
                                                                                        "positions": 0}
              for r in rates]
    elapsed = time.perf_counter() - started
    differ = [i for i, (t, o) in enumerate(zip(theirs, ours, strict=True)) if t["raw_positions"] != o.agents]
    seats = [i for i, (t, o) in enumerate(zip(theirs, ours, strict=True)) if t["positions"] != o.seats]
    print(f"pyworkforce ErlangC on the same {len(rates)} intervals: {elapsed * 1000:.1f} ms; "
          f"raw agents identical in {len(rates) - len(differ)}/{len(rates)}; seats after shrinkage differ in "
          f"{len(seats)} (pyworkforce's ceil(42 / 0.7) is 61 by float noise; ours rounds that noise away)", flush=True)
    if differ:
        raise BenchError(f"pyworkforce disagrees on the agents of {len(differ)} intervals, e.g. #{differ[0]}")


@benchmark(NAME)
def bench_staffing(argv: Sequence[str]) -> Figure:
    """Erlang C + Erlang A staffing for 7 × 48 half-hours (target < 50 ms; equal to pyworkforce's agents)."""
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-day", type=float, default=5000.0)
    parser.add_argument("--aht", type=float, default=285.0)
    parser.add_argument("--patience", type=float, default=75.0)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args(list(argv))
    if args.calls_per_day <= 0 or args.aht <= 0 or args.patience <= 0 or args.repeats < 1:
        raise BenchError("--calls-per-day, --aht, --patience and --repeats must be positive")

    rates = _week(args.calls_per_day)
    seconds, cpu, (erlang_c, erlang_a) = _time(rates, args.aht, args.patience, args.repeats)
    print(f"{len(rates)} half-hours, {args.calls_per_day:g} calls per workday, AHT {args.aht:g} s, "
          f"patience {args.patience:g} s: peak agents Erlang C {max(r.agents for r in erlang_c)}, "
          f"Erlang A {max(r.agents for r in erlang_a)}; seat-hours C {sum(r.seats for r in erlang_c) / 2:.0f}, "
          f"A {sum(r.seats for r in erlang_a) / 2:.0f}", flush=True)
    big_rates = _week(70_000)
    big_seconds, _, (big_c, big_a) = _time(big_rates, args.aht, args.patience, max(3, args.repeats // 4))
    print(f"Beijing-sized week (70,000 calls per workday): {big_seconds * 1000:.1f} ms "
          f"(peak agents C {max(r.agents for r in big_c)}, A {max(r.agents for r in big_a)})", flush=True)
    _pyworkforce(rates, args.aht, erlang_c)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; Erlang C + Erlang A, {len(rates)} "
          f"intervals: median {seconds * 1000:.2f} ms (CPU {cpu * 1000:.2f} ms) of {args.repeats} passes "
          f"(target < 50 ms)", flush=True)
    return Figure(seconds * 1000, "ms")
