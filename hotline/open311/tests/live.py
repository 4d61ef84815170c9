"""A real server process for integration tests: a migrated, seeded temporary SQLite database behind gunicorn.

The test process never touches that database: it only talks HTTP to the server, like a third party.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
HOTLINE = [sys.executable, "-m", "hotline.cli"]
#: How long the server may take to start on a busy machine.
STARTUP_TIMEOUT = 120


@dataclass
class LiveServer:
    url: str
    seed: dict[str, Any]
    env: dict[str, str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


@contextmanager
def live_server(tmp: Path, seed_module: str) -> Iterator[LiveServer]:
    """Migrate a database under `tmp`, seed it with `python -m seed_module`, serve it; stop the server after."""
    env = {**os.environ, "HOTLINE_VAR_DIR": str(tmp), "HOTLINE_DB": str(tmp / "live.sqlite3"),
           "DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_LOG_LEVEL": "ERROR"}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("HOTLINE_DATABASE_URL", None)  # its own SQLite file, also in the PostgreSQL run of make test
    _run([*HOTLINE, "migrate", "--no-input", "-v", "0"], env)
    seed = json.loads(_run([sys.executable, "-m", seed_module], env).strip().splitlines()[-1])
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([*HOTLINE, "serve", "--port", str(port), "--workers", "1",  # noqa: S603
                                   "--no-collectstatic"], env=env, cwd=ROOT, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server process ended before answering:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5):  # noqa: S310 - loopback
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield LiveServer(url=url, seed=seed, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
