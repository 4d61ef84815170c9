"""Benchmark `cti-ingest`: a simulated day of calls posted, signed, through the CTI endpoint; metric reads.

`hotline bench cti-ingest [--calls 5000 --seats 26 --batch 1000]` re-runs itself in a subprocess whose
HOTLINE_DB is a fresh SQLite file in a temporary directory (the user's database is never touched). The
inner run migrates it, simulates the day (`hotline.intelligence.callsim`), posts the events in order
through `/cti/v1/events` with Django's test client (signature checked, every call and agent-day
recomputed, callbacks kept up to date), then posts the same day again shuffled with 5 % repeats (all
duplicates: the idempotent path), and times the metric reads the planner and the KPIs use. The headline
figure is the in-order ingest rate in events per second (wall clock; CPU time printed too).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import timedelta

from hotline.bench.registry import BenchError, Figure, benchmark
from hotline.bench.scratch import migrate_scratch, run_inner_on_scratch_sqlite

NAME = "cti-ingest"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--seats", type=int, default=26)
    parser.add_argument("--batch", type=int, default=1000, help="events per request")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser


@benchmark(NAME)
def cti_ingest(argv: Sequence[str]) -> Figure | None:
    """Post a simulated day (5,000 calls, 26 seats) through the signed CTI endpoint; time the metric reads."""
    args = _parser().parse_args(list(argv))
    if min(args.calls, args.seats, args.batch) < 1:
        raise BenchError("--calls, --seats and --batch must be positive")
    return _inner(args) if args.inner else run_inner_on_scratch_sqlite(NAME, argv, prefix="hotline-bench-cti-")


def _inner(args: argparse.Namespace) -> Figure:
    migrate_scratch(NAME, require_empty=False)

    from hotline.calls import selectors
    from hotline.calls.simulate import post_events, simulator_source
    from hotline.core import clock
    from hotline.intelligence.callsim import SimParams, disorder, plan_day

    today = clock.now().date()
    day = today - timedelta(days=today.weekday() + 7)  # a Monday a week or two back: inside the endpoint's window
    plan = plan_day(SimParams(day=day, calls=args.calls, seats=args.seats))
    source = simulator_source()
    print(f"{args.calls} calls on {args.seats} seats: {len(plan.events)} events, batches of {args.batch}", flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    stats = post_events(plan.events, key=source.key, secret=source.secret, batch=args.batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rate = stats.sent / wall
    print(f"in order: {stats.accepted} accepted in {wall:.1f} s wall ({cpu:.1f} s CPU): {rate:.0f} events/s", flush=True)
    again = disorder(plan.events, seed=1)
    repeat = time.perf_counter()
    stats2 = post_events(again, key=source.key, secret=source.secret, batch=args.batch)
    repeat = time.perf_counter() - repeat
    print(f"shuffled repeat of the day: {stats2.duplicates} duplicates, {stats2.accepted} accepted, "
          f"{len(again) / repeat:.0f} events/s", flush=True)
    start, end = selectors.day_bounds(day)
    for name, read in (("queue_summary(day)", lambda: selectors.queue_summary(start, end)),
                       ("interval_metrics(day)", lambda: selectors.interval_metrics(start, end)),
                       ("offered_per_interval(day)", lambda: selectors.offered_per_interval(start, end))):
        times = []
        for _ in range(5):
            t = time.perf_counter()
            read()
            times.append(time.perf_counter() - t)
        print(f"{name}: median {sorted(times)[2] * 1000:.0f} ms", flush=True)
    summary = selectors.queue_summary(start, end)
    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"  # None: nothing offered, or nothing answered

    print(f"offered={summary.offered} answered={summary.answered} connect_rate={share(summary.connect_rate)} "
          f"sl15={share(summary.service_level)}", flush=True)
    return Figure(rate, "events/s", 0)
