"""Benchmark `intake`: 16 concurrent REST clients creating orders against a real gunicorn on PostgreSQL.

`hotline bench intake` builds a scratch centre (`intake_site.HotlineSite`: its own PostgreSQL cluster
on a free loopback port, migrated, the demo centre's reference data, an API key with `create`), starts
gunicorn (`--workers`, default 2 per CPU), and runs `--clients` threads (default 16), each with its own
HTTP connection, posting `POST /api/v1/orders` with a fresh `Idempotency-Key` — real citizen messages
from hotline/data, a mix of first decisions (dispatch, register, answer) — for a warm-up and then
`--duration` seconds. It reports orders/s (201 answers per second of the measured window) and the
latency percentiles of the measured 201s, then checks that the database holds exactly the accepted
orders (the set of new order numbers equals the set of numbers answered with 201, and one idempotency
record each), and that replaying some accepted requests with their key creates nothing.

`--profile N` then times N creations inside one process (Django's test client on the same scratch
database, cProfile) and prints where a creation spends its time, per function of the platform.

Without PostgreSQL binaries the benchmark says so and stops; `--sqlite` measures the embedded profile
instead (not the target configuration). `--server-url postgres://…/postgres` uses a server you run
(a scratch database is created on it and dropped afterwards). The last line is
`intake: <orders/s> orders/s p95=<ms> ms`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from hotline.bench.intake_env import (
    Outcome,
    Request,
    children_of,
    load_average,
    peak_rss_mb,
    percentile,
    run_clients,
)
from hotline.bench.registry import BenchError, Figure, benchmark

NAME = "intake"
#: First decisions of the generated orders and their shares (most calls go to the dispatchers).
DECISIONS = (("dispatch", 0.80), ("register", 0.12), ("answer", 0.08))
CHANNELS = ("phone", "wechat", "web", "app", "mailbox", "sms")
REQUEST_TYPES = ("complaint", "help", "consult", "report", "suggestion")
#: Environment variable of the inner profiling process: the scratch database URL it may use.
PROFILE_ENV = "HOTLINE_BENCH_INTAKE_PROFILE_DB"


def _parser(name: str = NAME) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {name}", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first (default 3)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn worker processes (default 2 per CPU)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread workers)")
    parser.add_argument("--followups", choices=("worker", "inline"), default="worker",
                        help="worker (default, the production arrangement): each committed step's follow-up — "
                             "triage, recommendation, rollups, messages — is queued in Redis for a Celery worker; "
                             "inline: it runs inside the request, as in the embedded profile")
    parser.add_argument("--sqlite", action="store_true",
                        help="measure on a scratch SQLite file instead (the embedded profile; not the target)")
    parser.add_argument("--server-url", default=os.environ.get("HOTLINE_BENCH_PG_URL", ""),
                        help="a PostgreSQL server to create the scratch database on (default: start our own)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="afterwards, profile N creations in one process and print the hot spots")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--inner-profile", type=int, default=0, help=argparse.SUPPRESS)
    return parser


# --- The orders the clients send ------------------------------------------------------------------------


def order_bodies(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` order bodies made of the shipped citizen messages (deterministic for a seed)."""
    from hotline.demo.messages import load_messages

    messages = load_messages()
    if not messages:
        raise BenchError("no citizen messages in hotline/data (messages_labeled.csv)")
    rng = random.Random(seed)
    decisions, weights = zip(*DECISIONS, strict=True)
    bodies = []
    for i in range(count):
        message = messages[rng.randrange(len(messages))]
        request_type = rng.choice(REQUEST_TYPES)
        decision = rng.choices(decisions, weights)[0]
        if decision == "answer" and request_type == "report":
            decision = "dispatch"  # a 举报 is never answered on the spot: it goes to a unit to check
        body: dict[str, Any] = {
            "request_type": request_type, "description": message.text[:2000],
            "title": message.subject[:60], "channel": rng.choice(CHANNELS),
            "caller_name": "测试市民", "caller_phone": f"13{rng.randrange(10**9):09d}",
            "address": f"A市某区某街道{i % 300}号", "decision": decision,
        }
        if decision == "answer":
            body["answer"] = "已告知办理渠道和所需材料。"
        bodies.append(body)
    return bodies


class OrderFeed:
    """Hands each client its next order body and a unique Idempotency-Key."""

    def __init__(self, bodies: list[dict[str, Any]], run: str) -> None:
        self.bodies, self.run = bodies, run

    def __call__(self, client: int, seq: int) -> Request:
        body = self.bodies[(client * 7919 + seq) % len(self.bodies)]
        key = f"{self.run}-{client}-{seq}"
        return Request("POST", "/api/v1/orders", body, {"Idempotency-Key": key}, key)


# --- Measuring ------------------------------------------------------------------------------------------


class Measurement:
    """The outcomes of one measured window and what they add up to."""

    def __init__(self, outcomes: list[Outcome], seconds: float, accepted_status: int = 201) -> None:
        self.outcomes, self.seconds = outcomes, seconds
        self.accepted = [o for o in outcomes if o.status == accepted_status]
        self.statuses = Counter(o.status for o in outcomes)
        self.latencies_ms = [o.seconds * 1000 for o in self.accepted]

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.seconds if self.seconds else 0.0

    def pct(self, share: float) -> float:
        return percentile(self.latencies_ms, share)

    def report(self, label: str, print_: Callable[[str], None] = print) -> None:
        statuses = ", ".join(f"{'no answer' if s == 0 else s}: {n}" for s, n in sorted(self.statuses.items()))
        print_(f"{label}: {len(self.accepted)} accepted in {self.seconds:.1f} s = {self.rate:.1f}/s; "
               f"latency p50={self.pct(0.50):.0f} ms p95={self.pct(0.95):.0f} ms p99={self.pct(0.99):.0f} ms "
               f"max={max(self.latencies_ms, default=0):.0f} ms; answers {statuses}")
        errors = Counter((o.status, _error_code(o)) for o in self.outcomes if o.status != 201)
        for (status, code), n in errors.most_common(5):
            print_(f"  {n} × {status or 'no answer'} {code}")


def _error_code(outcome: Outcome) -> str:
    if outcome.error:
        return outcome.error[:120]
    body = outcome.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return str(body)[:120]


def measure(port: int, feed: Callable[[int, int], Request | None], *, clients: int, duration: float,
            headers: dict[str, str], timeout: float = 30.0) -> Measurement:
    """Run the clients for `duration` seconds; the window is from the first send to the last answer."""
    started = time.perf_counter()
    outcomes = run_clients(port, feed, clients=clients, duration=duration, headers=headers, timeout=timeout)
    return Measurement(outcomes, time.perf_counter() - started)


def accepted_numbers(outcomes: list[Outcome], field: str = "number") -> list[str]:
    """The order numbers (or ticket ids) of the accepted answers."""
    return [str(o.body[field]) for o in outcomes if o.status in (200, 201) and isinstance(o.body, dict)
            and field in o.body]


# --- The benchmark --------------------------------------------------------------------------------------


@benchmark(NAME)
def intake(argv: Sequence[str]) -> Figure | None:
    """16 REST clients create orders on a real gunicorn + PostgreSQL (target ≥ 300 orders/s, p95 < 100 ms)."""
    args = _parser().parse_args(list(argv))
    if args.inner_profile:
        _profile_inner(args.inner_profile, args.seed)
        return None
    if args.clients < 1 or args.duration <= 0 or args.workers < 1:
        raise BenchError("--clients, --duration and --workers must be positive")
    result = run_intake(args)
    return Figure(result.rate, f"orders/s p95={result.pct(0.95):.0f} ms", decimals=1)


def open_site(args: argparse.Namespace, print_: Callable[[str], None] = print) -> Any:
    """The scratch centre the run measures (PostgreSQL unless --sqlite)."""
    from hotline.bench.intake_site import HotlineSite, postgres_available

    if not args.sqlite and not args.server_url:
        why = postgres_available()
        if why:
            raise BenchError(f"PostgreSQL is not available: {why}. The target is measured on PostgreSQL; "
                             "run with --sqlite to measure the embedded SQLite profile instead.")
    site = HotlineSite(database="sqlite" if args.sqlite else "postgres", server_url=args.server_url,
                       workers=args.workers, threads=args.threads, followups=getattr(args, "followups", "inline"))
    print_(f"setting up a scratch centre on {'SQLite (embedded profile)' if args.sqlite else 'PostgreSQL'} …")
    return site.__enter__()


def run_intake(args: argparse.Namespace, site: Any = None) -> Measurement:
    """Measure the hotline's intake; check the database afterwards. Uses `site` if given (left open)."""
    own_site = site is None
    if own_site:
        site = open_site(args)
    try:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in site.setup_seconds.items())
        print(f"scratch centre ready ({times}); gunicorn with {args.workers} worker(s)"
              f"{f' × {args.threads} threads' if args.threads > 1 else ''} on 127.0.0.1:{site.server.port}",
              flush=True)
        headers = {"Authorization": f"Bearer {site.key}", "Accept-Language": "en"}
        feed = OrderFeed(order_bodies(4000, args.seed), f"bench{os.getpid()}")
        before = site.numbers()
        if args.warmup > 0:
            warm = measure(site.server.port, OrderFeed(feed.bodies, f"warm{os.getpid()}"), clients=args.clients,
                           duration=args.warmup, headers=headers)
            warm.report("warm-up (not counted)")
        print(f"{load_average()} before the measured run", flush=True)
        cpu, worker_cpu = os.times(), site.worker.cpu_seconds() if site.worker else 0.0
        servers = _server_cpu(site)
        result = measure(site.server.port, feed, clients=args.clients, duration=args.duration, headers=headers)
        cpu_after = os.times()
        servers = {name: used - servers[name] for name, used in _server_cpu(site).items()}
        result.report(f"measured, {args.clients} clients")
        client_cpu = (cpu_after.user - cpu.user) + (cpu_after.system - cpu.system)
        print(f"{load_average()} after; the client threads used {client_cpu:.1f} s of CPU "
              f"({client_cpu / result.seconds:.2f} of a core) on the same machine", flush=True)
        _report_cpu_per_order(result, {**servers, "clients": client_cpu})
        if site.worker is not None:
            _wait_for_follow_ups(site, worker_cpu, result.seconds)
        _report_memory(site, getattr(args, "followups", "inline"))
        _check_database(site, before, warm.outcomes + result.outcomes if args.warmup > 0 else result.outcomes,
                        headers)
        if args.profile:
            _profile(site, args.profile, args.seed)
        return result
    finally:
        if own_site:
            site.close()


def _server_cpu(site: Any) -> dict[str, float]:
    """CPU seconds used so far by the web server and (when it is ours) the database server."""
    used = {"web (gunicorn)": site.server.cpu_seconds()}
    if site.pg is not None:
        used["database (PostgreSQL)"] = site.pg.cpu_seconds()
    return used


def _report_cpu_per_order(result: Measurement, used: dict[str, float]) -> None:
    """Where the machine's CPU went, per accepted order: what bounds the rate on this many cores."""
    accepted = len(result.accepted)
    if not accepted:
        return
    parts = ", ".join(f"{name} {seconds / accepted * 1000:.1f} ms" for name, seconds in used.items())
    total = sum(used.values()) / accepted
    cores = os.cpu_count() or 1
    print(f"CPU per accepted order: {parts}; together {total * 1000:.1f} ms: {cores} CPU(s) could take at most "
          f"{cores / total:.0f} orders/s at this cost, before the follow-up worker's share", flush=True)


def _report_memory(site: Any, followups: str) -> None:
    """Peak resident memory of each web worker and follow-up process (quality.md: < 400 MB with the classifier)."""
    web = [peak_rss_mb(pid) for pid in site.server.worker_pids()]
    where = "in the web workers" if followups == "inline" else "in the follow-up worker"
    line = f"peak memory (VmHWM): web workers {_mb_range(web)}"
    if site.worker is not None and site.worker.process is not None:
        pool = [peak_rss_mb(pid) for pid in children_of(site.worker.process.pid)]
        line += f", follow-up worker's pool processes {_mb_range(pool)}"
    print(f"{line}; the classifier is loaded {where}", flush=True)


def _mb_range(values: list[float]) -> str:
    values = [v for v in values if v]
    if not values:
        return "—"
    return f"{max(values):.0f} MB" if len(values) == 1 else f"{min(values):.0f}–{max(values):.0f} MB"


def _wait_for_follow_ups(site: Any, worker_cpu_before: float, seconds: float) -> None:
    """Report the worker's share during the window, then wait until every order has its follow-up."""
    worker_cpu = site.worker.cpu_seconds() - worker_cpu_before
    print(f"follow-up worker (Celery, nice 10, one process per CPU): {worker_cpu:.1f} s of CPU during the window "
          f"({worker_cpu / seconds:.2f} of a core); {site.queued_messages()} follow-up messages queued, "
          f"{site.missing_follow_ups()} orders still without triage/recommendation at the end", flush=True)
    try:
        drained = site.worker.wait_drained(site.missing_follow_ups, site.queued_messages)
    except (TimeoutError, RuntimeError) as exc:
        raise BenchError(f"the follow-up did not catch up: {exc}") from exc
    print(f"follow-up caught up {drained:.1f} s after the window: every order has its duplicate-index entry, "
          f"urgency assessment and dispatch recommendation", flush=True)


def _check_database(site: Any, before: set[str], outcomes: list[Outcome], headers: dict[str, str]) -> None:
    """The database holds exactly the accepted orders; replays with the same key create nothing."""
    answered = accepted_numbers(outcomes)
    if len(set(answered)) != len(answered):
        raise BenchError("two 201 answers carry the same order number")
    created = site.numbers() - before
    if created != set(answered):
        missing, extra = set(answered) - created, created - set(answered)
        raise BenchError(f"the database does not hold exactly the accepted orders: {len(missing)} answered but "
                         f"missing, {len(extra)} stored but never answered")
    records = site.query("SELECT COUNT(*) FROM api_idempotencyrecord WHERE status_code = 201")[0]
    if records != len(answered):
        raise BenchError(f"{records} idempotency records for {len(answered)} accepted orders")
    print(f"database check: {len(created)} new orders = {len(answered)} answered 201 (same numbers); "
          f"{records} idempotency records", flush=True)
    # Replay a few accepted requests with their keys: the same order comes back, nothing new is stored.
    from hotline.bench.intake_env import Client

    replayed = [o for o in outcomes if o.status == 201][:: max(1, len(answered) // 20)][:20]
    client = Client(site.server.port, headers, 30)
    same = 0
    for outcome in replayed:
        assert outcome.request is not None
        status, body, _err = client.send(outcome.request)
        same += status == 201 and isinstance(body, dict) and body.get("number") == outcome.body["number"]
    client.close()
    after = site.numbers() - before
    if same != len(replayed) or after != created:
        raise BenchError(f"replays with the same Idempotency-Key: {same}/{len(replayed)} gave the same order; "
                         f"{len(after) - len(created)} new orders appeared")
    print(f"idempotent replays: {same}/{len(replayed)} returned the same order, no new order", flush=True)


# --- Profiling (inside one process) ----------------------------------------------------------------------


def _profile(site: Any, count: int, seed: int) -> None:
    """Run `hotline bench intake --inner-profile N` on the scratch database and pass its output through."""
    extra = {PROFILE_ENV: site.url, "HOTLINE_BENCH_INTAKE_KEY": site.key}
    if site.redis is not None:  # profile the request as served: the follow-up goes to the worker
        extra |= {"HOTLINE_REDIS_URL": site.redis.url, "HOTLINE_CELERY_EAGER": "0"}
    env = site.env(**extra)
    cmd = [sys.executable, "-m", "hotline.cli", "bench", NAME, "--inner-profile", str(count), "--seed", str(seed)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        raise BenchError(f"profiling failed: {done.stderr[-2000:]}")


def _profile_inner(count: int, seed: int) -> None:
    """N creations through Django's test client under cProfile: time per request by platform function."""
    import cProfile
    import json
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client as DjangoClient

    url = os.environ.get(PROFILE_ENV, "")
    if not url or os.environ.get("HOTLINE_DATABASE_URL") != url:
        raise BenchError("--inner-profile runs only on the scratch database of its outer process")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    key = os.environ["HOTLINE_BENCH_INTAKE_KEY"]
    bodies = order_bodies(count + 10, seed + 1)
    client = DjangoClient()

    def create(i: int) -> int:
        response = client.post("/api/v1/orders", json.dumps(bodies[i]), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=f"profile-{os.getpid()}-{i}")
        return response.status_code

    for i in range(5):
        create(count + i)  # warm caches and connections
    statements: list[str] = []

    def count_statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_statement):
        create(count + 5)
    profiler = cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    statuses = Counter(create(i) for i in range(count))
    profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"profile: {count} creations in one process: {wall / count * 1000:.1f} ms wall, {cpu / count * 1000:.1f} ms "
          f"CPU each (under the profiler); statuses {dict(statuses)}; {len(statements)} SQL "
          f"statements per creation", flush=True)
    stats = pstats.Stats(profiler)
    rows = []
    for (path, line, func), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/hotline/" in path and "/bench/" not in path:
            rows.append((cumulative, f"{path.split('/hotline/', 1)[1]}:{line} {func}"))
    print("hot spots (cumulative ms per creation, platform functions, nested calls counted in each):", flush=True)
    for cumulative, where in sorted(rows, reverse=True)[:30]:
        print(f"  {cumulative / count * 1000:7.1f} ms  hotline/{where}", flush=True)
