"""gunicorn hooks for Prometheus' multiprocess mode (several workers, one /metrics).

Use with `hotline serve` through gunicorn's environment variable (no change to the command line):

    PROMETHEUS_MULTIPROC_DIR=/run/hotline/prometheus
    GUNICORN_CMD_ARGS="--config python:hotline.ops.gunicorn_conf"

Every worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR; /metrics adds them up. The
directory is emptied when gunicorn starts (stale files would double-count), and a dead worker's live
gauges are dropped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def on_starting(server: Any) -> None:
    """Start from an empty metrics directory."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """Forget a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
