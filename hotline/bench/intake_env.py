"""The pieces the intake benchmarks and the load/fault tests share: a scratch PostgreSQL, a real gunicorn, clients.

- `ScratchPostgres`: its own PostgreSQL cluster (initdb in a temporary directory, a free loopback port,
  fsync off), started, restarted and stopped on demand; run by the `postgres` system user when we are root
  (initdb refuses root). Nothing of the user's is touched; `stop()` deletes the directory.
- `Server`: `gunicorn hotline.wsgi` as a child process on a free loopback port, with its own environment
  (HOTLINE_DATABASE_URL …); its worker pids for kill -9 tests; stopped with SIGTERM then SIGKILL.
- `run_clients`: N client threads, each with its own connection (`hotline.bench.http_client`), sending
  requests for a fixed duration or count; every outcome (status, latency, body) is kept for checking.

Every loop is bounded in time and count, and every address is 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hotline.bench.http_client import LOOPBACK, HttpClient

ROOT = Path(__file__).resolve().parents[2]


class EnvironmentMissing(RuntimeError):
    """Something the run needs (PostgreSQL binaries, gunicorn, Redis) is not on this machine."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, *, process: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:port (or fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited with status {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {LOOPBACK}:{port} after {timeout:.0f} s")


def children_of(pid: int) -> list[int]:
    """The direct child processes of `pid` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process, its descendants alive now, and the children it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if current == pid else 0)
            pending += children_of(current)
    return total / ticks


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory (VmHWM) of one process in MB; 0 when it is gone."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path(f"/proc/{pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    return 0.0


def stop_group(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM the process group of `process` (started with start_new_session), SIGKILL after `grace` s."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def load_average() -> str:
    """The 1/5/15-minute load average and the CPU count, as printed next to every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


# --- PostgreSQL ---------------------------------------------------------------------------------------


def pg_bin() -> Path:
    """The directory of the newest installed PostgreSQL server binaries (Debian layout or PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                        if p.parent.name.isdigit() else 0)
    for directory in reversed(candidates):
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise EnvironmentMissing("PostgreSQL server binaries (initdb, pg_ctl) are not installed "
                             "(apt-get install postgresql, or deploy/test-services.sh install)")


class ScratchPostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<free port>, user `hotline`, trust authentication."""

    user = "hotline"

    def __init__(self, *, max_connections: int = 200, prefix: str = "hotline-pg-") -> None:
        self.bin = pg_bin()
        self.port = free_port()
        self.max_connections = max_connections
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0
        self.started = False

    # Commands run as the cluster's owner (the `postgres` system user when we are root).
    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603

    def init(self) -> ScratchPostgres:
        """initdb (no fsync) and start the server."""
        if self._as_root:
            if shutil.which("runuser") is None:
                raise EnvironmentMissing("running as root needs runuser to start PostgreSQL as `postgres`")
            os.chmod(self.root, 0o755)  # noqa: S103 - the postgres user must reach its data directory
            subprocess.run(["chown", "postgres:postgres", str(self.root)], check=True)  # noqa: S603, S607
        done = self._run(self.bin / "initdb", "-D", self.data, "-U", self.user, "-A", "trust", "-E", "UTF8",
                         "--no-locale", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        self.start()
        return self

    def start(self) -> None:
        """Start (or start again) the server and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.data} -c listen_addresses={LOOPBACK} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}")
        done = self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w", "-t", "60",
                         "start", "-o", options)
        if done.returncode != 0:
            log = (self.data / "server.log").read_text(errors="replace") if (self.data / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr or done.stdout}\n{log[-2000:]}")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: disconnect clients, roll back their transactions)."""
        if self.started:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
            self.started = False

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server: the postmaster, its backends and helpers (0 when stopped)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            return tree_cpu_seconds(int((self.data / "postmaster.pid").read_text().split()[0]))
        return 0.0

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server, stay down `down_for` seconds, start it again."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Run SQL with psql (as the `hotline` superuser) and return its unaligned output."""
        psql = self.bin / "psql"
        done = subprocess.run([str(psql), "-h", LOOPBACK, "-p", str(self.port), "-U", self.user, "-d", db,  # noqa: S603
                               "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], capture_output=True, text=True,
                              timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def create_database(self, name: str) -> str:
        """Create database `name` and return its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, name: str) -> str:
        """The HOTLINE_DATABASE_URL of a database of this cluster."""
        return f"postgres://{self.user}@{LOOPBACK}:{self.port}/{quote(name)}"

    def cleanup(self) -> None:
        """Stop the server and delete its directory."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ScratchPostgres:
        try:
            return self.init()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def hotline_command(args: list[str], env: Mapping[str, str], *, timeout: float = 600) -> str:
    """Run `hotline <args>` in a subprocess with `env`; its stdout, or an error with its output."""
    done = subprocess.run([sys.executable, "-m", "hotline.cli", *args], env=dict(env), capture_output=True,  # noqa: S603
                          text=True, timeout=timeout, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"hotline {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-4000:]}")
    return done.stdout


def hotline_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a hotline process on `database_url` with its own var directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_SETTINGS"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_VAR_DIR": str(var_dir),
        "HOTLINE_PROFILE": "dev",
        "HOTLINE_LOG_LEVEL": "ERROR",
        "HOTLINE_REQUEST_LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


# --- The web server -----------------------------------------------------------------------------------


class Server:
    """`gunicorn hotline.wsgi:application` on 127.0.0.1:<free port> as a child process."""

    def __init__(self, env: Mapping[str, str], *, workers: int = 2, threads: int = 1, timeout: int = 30,
                 app: str = "hotline.wsgi:application", cwd: Path = ROOT, log: Path | None = None,
                 gunicorn: str | None = None) -> None:
        self.env = dict(env)
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.app, self.cwd = app, cwd
        self.port = free_port()
        self.log = log
        self.gunicorn = gunicorn or str(Path(sys.executable).parent / "gunicorn")
        if not Path(self.gunicorn).exists():
            found = shutil.which("gunicorn")
            if not found:
                raise EnvironmentMissing("gunicorn is not installed")
            self.gunicorn = found
        self.process: subprocess.Popen | None = None
        self._log_file: Any = None

    def start(self, ready_timeout: float = 60) -> Server:
        """Start gunicorn and wait until every worker is up (the port answers and N workers exist)."""
        cmd = [self.gunicorn, self.app, "--bind", f"{LOOPBACK}:{self.port}", "--workers", str(self.workers),
               "--timeout", str(self.timeout), "--graceful-timeout", "5", "--backlog", "256"]
        if self.threads > 1:
            cmd += ["--threads", str(self.threads), "--worker-class", "gthread"]
        self._log_file = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(cmd, env=self.env, cwd=self.cwd, stdout=self._log_file,  # noqa: S603
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, ready_timeout, process=self.process)
        deadline = time.monotonic() + ready_timeout
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        self.warm_up()
        return self

    def warm_up(self) -> None:
        """One request per worker, so that imports and first connections are not timed."""
        client = HttpClient(self.port, {"Authorization": "Bearer hk_warmup_none"}, timeout=30)
        for _ in range(self.workers * 2):
            client.send("GET", "/api/v1/units")  # an error here is the timed run's to report
        client.close()

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn: the master and its workers."""
        return tree_cpu_seconds(self.process.pid) if self.process and self.process.poll() is None else 0.0

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's worker processes (children of the master)."""
        return children_of(self.process.pid) if self.process and self.process.poll() is None else []

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; the whole process group."""
        if self.process is None:
            return
        stop_group(self.process)
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()
        self.process = None

    def __enter__(self) -> Server:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Clients -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One request's result: HTTP status (0: no answer — connection refused/reset/timeout), latency, body."""

    client: int
    seq: int
    status: int
    seconds: float
    body: Any = None
    error: str = ""
    key: str = ""
    started: float = 0.0
    request: Request | None = None


@dataclass
class Request:
    """One request a client sends: method, path, JSON body, extra headers; `key` tags it for checking."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    key: str = ""


class Client:
    """One client's connection to the server: JSON requests in, (status, decoded body, error) out."""

    def __init__(self, port: int, headers: Mapping[str, str], timeout: float) -> None:
        self.http = HttpClient(port, headers, timeout)

    def send(self, req: Request) -> tuple[int, Any, str]:
        """Send and read the answer: (status, decoded JSON or text, error text); status 0: no answer."""
        payload = None if req.body is None else json.dumps(req.body, ensure_ascii=False).encode()
        status, raw, error = self.http.send(req.method, req.path, payload, req.headers)
        if error:
            return 0, None, error
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")[:500]
        return status, body, ""

    def close(self) -> None:
        self.http.close()


def run_clients(port: int, make_request: Callable[[int, int], Request | None], *, clients: int,
                duration: float | None = None, per_client: int | None = None,
                headers: Mapping[str, str] | None = None, timeout: float = 15.0,
                retry: Callable[[Outcome], bool] | None = None, retry_pause: float = 0.2,
                max_retries: int = 50) -> list[Outcome]:
    """Run `clients` threads against 127.0.0.1:port for `duration` seconds or `per_client` requests each.

    `make_request(client, seq)` gives each request (None: this client stops). With `retry`, an outcome
    for which it returns True is sent again (same request, e.g. the same Idempotency-Key) after
    `retry_pause`, at most `max_retries` times; every attempt is recorded.
    """
    if duration is None and per_client is None:
        raise ValueError("give a duration or a number of requests per client")
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients)
    hard_stop = time.monotonic() + (duration or 0) + 600  # never more than 10 minutes past the plan

    def work(index: int) -> None:
        client = Client(port, headers or {}, timeout)
        mine: list[Outcome] = []
        start_gate.wait()
        until = time.monotonic() + duration if duration is not None else hard_stop
        seq = 0
        try:
            while time.monotonic() < min(until, hard_stop) and (per_client is None or seq < per_client):
                req = make_request(index, seq)
                if req is None:
                    break
                for attempt in range(max_retries + 1):
                    started = time.perf_counter()
                    status, body, error = client.send(req)
                    outcome = Outcome(index, seq, status, time.perf_counter() - started, body, error, req.key,
                                      started, req)
                    mine.append(outcome)
                    if retry is None or not retry(outcome) or attempt == max_retries or time.monotonic() > hard_stop:
                        break
                    time.sleep(retry_pause)
                seq += 1
        finally:
            client.close()
            with lock:
                outcomes.extend(mine)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0–1) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


@contextlib.contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    """A temporary directory removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
