"""Benchmark `classify`: batch classification throughput of the shipped model on one core, and training time.

The messages are the contest's unlabelled messages (`--data`; by default the shared copy if present,
else the project's `hotline/data/messages_replies.csv`), composed as 留言主题 + " " + 留言详情 with their
original whitespace padding, so the model's own normalisation is part of the timing. The process is
pinned to one CPU while timing (restored afterwards). Batch throughput is the median of several
passes over all messages; single-message latency (`top_k`) and the training time on the shipped data
are printed too (skip training with `--skip-train`).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from hotline.bench.registry import BenchError, Figure, benchmark

NAME = "classify"
SHARED_UNLABELED = Path("/work/shared/data/teddy2020/messages_unlabeled.csv")


def _default_data() -> Path:
    """The unlabelled messages to classify."""
    from hotline.intelligence.workflow import PACKAGE_ROOT

    return SHARED_UNLABELED if SHARED_UNLABELED.is_file() else PACKAGE_ROOT / "data" / "messages_replies.csv"


def _raw_texts(path: Path) -> list[str]:
    """留言主题 + " " + 留言详情 of every row, whitespace left as it is in the file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [f"{row.get('留言主题') or ''} {row.get('留言详情') or ''}" for row in csv.DictReader(handle)]


def _pin_to_one_cpu() -> set[int] | None:
    """Restrict this process to one CPU; return the previous set (None where unsupported)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(previous)})
    return previous


@benchmark(NAME)
def bench_classify(argv: Sequence[str]) -> Figure:
    """Batch classification throughput of the shipped classifier on one core (target ≥ 1,000 messages/s)."""
    from hotline.intelligence.modelfile import ModelFileError
    from hotline.intelligence.workflow import DEFAULT_DATA, DEFAULT_MODEL_DIR, load_model, train_from_csv

    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="CSV of messages to classify")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000, help="messages per predict_proba call")
    parser.add_argument("--skip-train", action="store_true", help="do not time training on the shipped data")
    args = parser.parse_args(list(argv))

    data = args.data or _default_data()
    if not data.is_file():
        raise BenchError(f"no message file at {data}")
    try:
        model = load_model(args.model)
    except ModelFileError as exc:
        raise BenchError(str(exc)) from exc
    texts = _raw_texts(data)
    print(f"{len(texts)} messages from {data}, mean {statistics.mean(map(len, texts)):.0f} characters "
          f"(with padding); model {args.model}", flush=True)

    previous = _pin_to_one_cpu()
    try:
        model.predict_proba(texts[: args.batch])  # warm-up
        rates = []
        for _ in range(max(1, args.repeats)):
            started = time.perf_counter()
            for start in range(0, len(texts), args.batch):
                model.predict_proba(texts[start : start + args.batch])
            rates.append(len(texts) / (time.perf_counter() - started))
        sample = texts[:200]
        started = time.perf_counter()
        for text in sample:
            model.top_k(text, 3)
        latency_ms = (time.perf_counter() - started) / len(sample) * 1000
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)
    print(f"batch of {args.batch}: {' '.join(f'{r:.0f}' for r in rates)} messages/s "
          f"(median {statistics.median(rates):.0f}, one core)", flush=True)
    print(f"single message top_k: {latency_ms:.2f} ms", flush=True)

    if not args.skip_train:
        started = time.perf_counter()
        trained = train_from_csv(DEFAULT_DATA, output=None)
        seconds = time.perf_counter() - started
        cv = trained.metadata["cross_validation"]
        print(f"training on {DEFAULT_DATA.name}: {seconds:.1f} s (5-fold CV + calibration + final fit; "
              f"cv macro-F1 {cv['macro_f1_mean']:.4f})", flush=True)
    return Figure(statistics.median(rates), "messages/s", decimals=0)


def run(argv: list[str] | None = None) -> None:
    """Run this benchmark through the registry (prints peak RSS and the last line `classify: <n> messages/s`)."""
    from hotline.bench import registry

    registry.run(NAME, argv or [])
