"""Benchmark `import`: `hotline import` of a 311 file (default: the 10,000-row Baltimore sample) into a scratch database.

Runs `hotline migrate` and then `hotline import` in subprocesses whose HOTLINE_DB is a fresh SQLite file
in a temporary directory (removed afterwards), so the user's database is never touched. Reports the
first import (every row written) and the re-run (every row skipped). The headline is rows imported per
second of wall clock; the child processes' CPU time is printed too, since other processes on a small
machine inflate the wall clock. When ../shared/data is not beside the clone, a synthetic Baltimore-like
file of `--rows` rows is generated.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.bench.registry import BenchError, Figure, benchmark

NAME = "import"
SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "open311" / "baltimore311_sample.csv"
HEADER = ["ServiceRequestNum", "SRType", "MethodReceived", "CreatedDate", "SRStatus", "DueDate", "CloseDate",
          "Agency", "Address", "Neighborhood", "Latitude", "Longitude", "ZipCode"]
TYPES = [("SW-Dirty Alley", "Solid Waste"), ("TRT-Traffic Signal Repairs", "Transportation"),
         ("HCD-Sanitation Property", "Housing"), ("WW-Water Leak", "Water Wastewater"),
         ("BGE-StLight(s) Out", "BGE"), ("ECC-Vehicle Look Up", "Call Center")]


def synthetic(path: Path, rows: int, seed: int = 311) -> None:
    """A Baltimore-format file: 96 % closed, the rest new or open."""
    rng = random.Random(seed)
    start = datetime(2017, 1, 1, tzinfo=UTC)  # written as naive local text below
    fmt = "%m/%d/%Y %I:%M:%S %p"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            kind, agency = rng.choice(TYPES)
            created = start + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            status = rng.choices(["Closed", "New", "Open"], [96, 2, 2])[0]
            closed = created + timedelta(hours=rng.randrange(1, 300)) if status == "Closed" else None
            out.writerow([f"17-{i:08d}", kind, rng.choice(["Phone", "API", "Internal"]), created.strftime(fmt),
                          status, (created + timedelta(days=7)).strftime(fmt),
                          closed.strftime(fmt) if closed else "", agency, f"{rng.randrange(1, 4000)} MAIN ST",
                          "Downtown", "39.29", "-76.61", "21201"])


def _cli(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `hotline ARGS`; returns (wall seconds, child CPU seconds, last output line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "hotline.cli", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own CLI
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise BenchError(f"hotline {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    return wall, cpu, lines[-1] if lines else ""


@benchmark(NAME)
def run(argv: Sequence[str]) -> Figure:
    """`hotline import` of a 311 file into a scratch database: rows per second, first run and re-run."""
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="a Baltimore-format CSV (default: the shared 10,000-row sample)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the synthetic file when none is given")
    options = parser.parse_args(list(argv))
    scratch = Path(tempfile.mkdtemp(prefix="hotline-bench-import-"))
    try:
        source = options.file or (SAMPLE if SAMPLE.exists() else scratch / "synthetic.csv")
        if not source.exists():
            synthetic(source, options.rows)
        env = {k: v for k, v in os.environ.items() if k not in ("HOTLINE_DATABASE_URL", "HOTLINE_PROFILE")}
        env |= {"HOTLINE_DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}", "HOTLINE_PROFILE": "dev",
                "HOTLINE_DB": str(scratch / "bench.sqlite3"), "DJANGO_SETTINGS_MODULE": "hotline.settings"}
        _cli(["migrate", "-v", "0"], env)
        wall, cpu, summary = _cli(["import", str(source), "--format", "baltimore", "--report",
                                   str(scratch / "rejected.csv")], env)
        imported = int(summary.split()[0].split("=")[1])
        print(f"file: {source}", flush=True)
        print(f"first import: {summary} in {wall:.1f} s wall, {cpu:.1f} s CPU ({imported / cpu:.0f} rows/s of CPU)",
              flush=True)
        again_wall, again_cpu, again = _cli(["import", str(source), "--format", "baltimore", "--report",
                                             str(scratch / "rejected.csv")], env)
        print(f"re-run: {again} in {again_wall:.1f} s wall, {again_cpu:.1f} s CPU", flush=True)
        return Figure(imported / wall, "rows/s", 0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
