"""Benchmarks `hotspots` and `reply-check`: the pure algorithms on the contest's real messages (no database).

- `hotline bench hotspots [--data CSV] [--runs N]`: cluster a message file and rank its hot issues
  (default: the shared messages_likes.csv, 4,326 messages, else the project's messages_replies.csv);
  the figure is the median wall-clock seconds of N runs.
- `hotline bench reply-check [--data CSV] [--runs N]`: check every reply of a file (default: the
  project's messages_replies.csv, 2,816 replies, Monday–Friday calendar so no database is read);
  the figure is the median replies checked per second.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from hotline.bench.registry import BenchError, Figure, benchmark

SHARED_LIKES = Path("/work/shared/data/teddy2020/messages_likes.csv")


def _shipped_replies() -> Path:
    from hotline.intelligence.workflow import PACKAGE_ROOT

    return PACKAGE_ROOT / "data" / "messages_replies.csv"


def _args(name: str, argv: Sequence[str], default: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"hotline bench {name}")
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(list(argv))
    if not args.data.is_file():
        raise BenchError(f"no such file: {args.data}")
    return args


@benchmark("hotspots")
def bench_hotspots(argv: Sequence[str]) -> Figure:
    """Cluster a message file into hot issues (median seconds of several runs)."""
    from hotline.hotspots.contest import read_messages
    from hotline.intelligence.hotspots import find_hotspots

    args = _args("hotspots", argv, SHARED_LIKES if SHARED_LIKES.is_file() else _shipped_replies())
    messages = read_messages(args.data).messages
    times, cpu, issues = [], [], []
    for _ in range(max(args.runs, 1)):
        began, began_cpu = time.perf_counter(), time.process_time()
        issues = find_hotspots(messages)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    print(f"{len(messages)} messages from {args.data.name}, {len(issues)} hot issues; "
          f"runs: {', '.join(f'{t:.2f}' for t in times)} s wall, {', '.join(f'{t:.2f}' for t in cpu)} s CPU",
          flush=True)
    return Figure(statistics.median(times), "s")


@benchmark("reply-check")
def bench_reply_check(argv: Sequence[str]) -> Figure:
    """Check every reply of a file (median replies per second of several runs)."""
    from hotline.intelligence.reply_quality import check_reply
    from hotline.replyqa.files import read_replies

    args = _args("reply-check", argv, _shipped_replies())
    rows = read_replies(args.data).rows
    rates = []
    for _ in range(max(args.runs, 1)):
        began = time.perf_counter()
        for row in rows:
            check_reply(row.request, row.reply, requested_at=row.requested_at, replied_at=row.replied_at,
                        title=row.title)
        rates.append(len(rows) / (time.perf_counter() - began))
    print(f"{len(rows)} replies from {args.data.name}; runs: {', '.join(f'{r:.0f}' for r in rates)} replies/s",
          flush=True)
    return Figure(statistics.median(rates), "replies/s", decimals=0)
