"""Faults under load: kill -9 a web worker, kill -9 a Celery worker mid-task, restart PostgreSQL.

Each test is bounded (about a minute at most on a busy 2-core machine): fixed client counts, durations
and retry limits, and a timeout on every wait. Clients retry a failed creation with the same
Idempotency-Key, as an integration should, so "nothing accepted is lost" and "nothing is duplicated"
can both be checked against the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from hotline.api.keys import create_key
from hotline.bench.http_client import HttpClient
from hotline.bench.intake_env import (
    EnvironmentMissing,
    Outcome,
    Request,
    ScratchPostgres,
    Server,
    children_of,
    hotline_command,
    hotline_env,
    run_clients,
)
from hotline.core import clock
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import make_ticket
from tests.load.conftest import REDIS_URL, server_env, test_database_url

ON_THE_TEST_DATABASE = pytest.mark.django_db(transaction=True)

BODY = {"request_type": "complaint", "description": "夜间施工噪音扰民，已持续一周，请相关部门处理",
        "caller_phone": "13900002222", "channel": "phone", "decision": "dispatch"}


def creation_feed(run: str) -> Callable[[int, int], Request]:
    """Each client's next creation, with its own Idempotency-Key."""
    return lambda client, seq: Request("POST", "/api/v1/orders", BODY, {"Idempotency-Key": f"{run}-{client}-{seq}"},
                                       f"{run}-{client}-{seq}")


def failed(outcome: Outcome) -> bool:
    """Worth a retry with the same key: no answer (connection refused/reset) or a server-side error."""
    return outcome.status == 0 or outcome.status >= 500


def final_by_key(outcomes: list[Outcome]) -> dict[str, Outcome]:
    """The last attempt of each request (attempts are recorded in order per client)."""
    last: dict[str, Outcome] = {}
    for outcome in sorted(outcomes, key=lambda o: o.started):
        last[outcome.key] = outcome
    return last


def summary(label: str, outcomes: list[Outcome]) -> None:
    """What the clients saw (printed; `pytest -s` shows it): answers by status and error kind."""
    from collections import Counter

    kinds = Counter((o.status, o.error.split(":")[0] if o.error else
                     (o.body.get("error", {}).get("code", "") if isinstance(o.body, dict) else "")) for o in outcomes)
    print(f"\n{label}: {len(outcomes)} attempts, slowest {max(o.seconds for o in outcomes):.1f} s: "
          + ", ".join(f"{n} × {status or 'no answer'} {kind}".rstrip() for (status, kind), n in sorted(kinds.items())))


def assert_exactly_the_accepted_orders(outcomes: list[Outcome], stored: set[str]) -> None:
    """Every request ended accepted; the database holds those orders and no other (no duplicate)."""
    final = final_by_key(outcomes)
    assert {o.status for o in final.values()} == {201}, {k: (o.status, o.error) for k, o in final.items()
                                                        if o.status != 201}
    answered = {o.body["number"] for o in outcomes if o.status == 201}
    assert len(answered) == len(final)  # one order per key, however often it was retried
    assert stored == answered


@ON_THE_TEST_DATABASE
def test_kill_9_of_a_web_worker_loses_nothing(web: Server) -> None:
    _, raw = create_key("故障演练", ["read", "create"])
    before = set(Ticket.objects.values_list("number", flat=True))
    victim: dict[str, float | int] = {}

    def kill_one_worker() -> None:
        time.sleep(2.0)
        pid = web.worker_pids()[0]
        victim.update(pid=pid, at=time.perf_counter())
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    outcomes = run_clients(web.port, creation_feed("kill-web"), clients=8, duration=8.0,
                           headers={"Authorization": f"Bearer {raw}"}, timeout=30, retry=failed, retry_pause=0.2,
                           max_retries=50)
    killer.join(30)
    summary("kill -9 of a web worker", outcomes)

    # The master replaced the killed worker by itself.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(web.worker_pids()) < web.workers or victim["pid"] in web.worker_pids()):
        time.sleep(0.2)
    assert victim["pid"] not in web.worker_pids()
    assert len(web.worker_pids()) == web.workers
    # Errors only around the kill: connection resets of the requests the dead worker held.
    errors = [o for o in outcomes if o.status != 201]
    assert all(o.status == 0 or o.status >= 500 for o in errors), [(o.status, o.body) for o in errors]
    assert all(o.started + o.seconds >= victim["at"] - 0.1 for o in errors), "errors that ended before the kill"
    assert_exactly_the_accepted_orders(outcomes, set(Ticket.objects.values_list("number", flat=True)) - before)
    # The server still answers normally afterwards.
    again = run_clients(web.port, creation_feed("kill-web-after"), clients=2, per_client=2,
                        headers={"Authorization": f"Bearer {raw}"}, timeout=30)
    assert {o.status for o in again} == {201}


def test_restart_of_postgresql_under_load_recovers_by_itself(tmp_path: Path) -> None:
    """Our own PostgreSQL cluster (restarting the suite's own would break the test session)."""
    try:
        pg = ScratchPostgres(prefix="hotline-load-pg-")
    except EnvironmentMissing as exc:
        pytest.skip(f"restarting PostgreSQL needs its server binaries on this machine: {exc}")
    with pg:
        env = hotline_env(pg.create_database("faults"), tmp_path)
        hotline_command(["migrate", "--noinput"], env)
        raw = hotline_command(["apikey", "create", "故障演练", "--scope", "create", "--scope", "read"],
                              env).strip().splitlines()[-1]
        # Three dispatched orders whose sign deadline has long passed, still green: no sweep has run yet.
        overdue = hotline_command(["shell", "-c", OVERDUE_ORDERS], env).strip().splitlines()[-1].split()
        assert len(overdue) == 3
        assert all(n.isdigit() for n in overdue)
        numbers = ",".join(f"'{n}'" for n in overdue)  # digits only: safe to inline in SQL
        assert pg.psql(f"SELECT DISTINCT light FROM tickets_ticket WHERE number IN ({numbers})", "faults") == "green"  # noqa: S608

        with Server(env, workers=2, threads=4, log=tmp_path / "gunicorn.log") as server:
            window: dict[str, float] = {}
            page: dict[str, object] = {}

            def restart() -> None:
                time.sleep(3.0)
                window["down"] = time.perf_counter()
                pg.stop("fast")
                window["stopped"] = time.perf_counter()
                # While it is down, the SLA sweep fails cleanly and at once (no hang).
                started = time.perf_counter()
                sweep = subprocess.run([sys.executable, "-m", "hotline.cli", "sla-sweep"], env=env,  # noqa: S603
                                       capture_output=True, text=True, timeout=60, check=False)
                window["sweep_seconds"] = time.perf_counter() - started
                window["sweep_status"] = sweep.returncode
                # Meanwhile a citizen's page that reads the database (a return-visit link): the 503 page
                # that needs no database, not a bare 500.
                link = "/portal/rate/no-such-link/"
                status, body, _error = HttpClient(server.port, {}, timeout=10).send("GET", link)
                page["status"], page["body"] = status, body.decode("utf-8", "replace")
                time.sleep(max(0.0, 3.0 - (time.perf_counter() - window["stopped"])))
                pg.start()
                window["up"] = time.perf_counter()

            restarter = threading.Thread(target=restart)
            restarter.start()
            outcomes = run_clients(server.port, creation_feed("pg-restart"), clients=6, duration=16.0,
                                   headers={"Authorization": f"Bearer {raw}"}, timeout=20, retry=failed,
                                   retry_pause=0.5, max_retries=60)
            restarter.join(90)
            assert "up" in window, "PostgreSQL did not come back"
            summary(f"PostgreSQL restart (down {window['up'] - window['down']:.1f} s)", outcomes)

            errors = [o for o in outcomes if o.status != 201]
            assert errors, "the outage was not noticed by any client"
            # Clean errors: a JSON 503 `service_unavailable` (with Retry-After: hotline/core/outage.py), or a
            # reset of a request in flight — never a hang, never a 500 that reads like a defect.
            for o in errors:
                assert o.status == 0 or (o.status == 503 and isinstance(o.body, dict)
                                         and o.body["error"]["code"] == "service_unavailable"), \
                    (o.status, o.body, o.error)
                assert "timed out" not in o.error, o.error
            assert max(o.seconds for o in outcomes) < 20
            assert page["status"] == 503 and "服务暂时不可用" in page["body"], page
            # Recovery without restarting the server: creations succeed again after PostgreSQL is back.
            assert any(o.status == 201 and o.started > window["up"] for o in outcomes)
            stored = set(pg.psql("SELECT number FROM tickets_ticket", "faults").split()) - set(overdue)
            assert_exactly_the_accepted_orders(outcomes, stored)

        # The sweep failed while the database was down, quickly, and catches up afterwards.
        assert window["sweep_status"] != 0 and window["sweep_seconds"] < 30
        hotline_command(["sla-sweep"], env)
        assert pg.psql(f"SELECT DISTINCT light FROM tickets_ticket WHERE number IN ({numbers})", "faults") == "red"  # noqa: S608
        assert pg.psql("SELECT COUNT(*) FROM tickets_assignment a JOIN tickets_ticket t ON t.id = a.ticket_id "  # noqa: S608
                       f"WHERE t.number IN ({numbers}) AND a.sign_overdue AND a.light = 'red'", "faults") == "3"


OVERDUE_ORDERS = """
from datetime import timedelta
from hotline.core import clock
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket
at = clock.now() - timedelta(days=30)
print(" ".join(make_ticket(Status.DISPATCHED, at=at).number for _ in range(3)))
"""


@ON_THE_TEST_DATABASE
@pytest.mark.skipif(not REDIS_URL, reason="the Celery fault test needs Redis: set HOTLINE_REDIS_URL (the PostgreSQL "
                                          "run of `make test` does)")
def test_kill_9_of_a_celery_worker_mid_task_redelivers_it(tmp_path: Path) -> None:
    import psycopg

    from hotline.celery import app

    at = clock.now() - timedelta(days=30)
    orders = [make_ticket(Status.DISPATCHED, at=at) for _ in range(2)]
    assert {t.light for t in orders} == {"green"}
    queue = f"hotline-load-{os.getpid()}"
    env = server_env(tmp_path, HOTLINE_CELERY_EAGER="0", HOTLINE_REDIS_URL=REDIS_URL, HOTLINE_CELERY_QUEUE=queue,
                     HOTLINE_LOG_LEVEL="INFO")
    log = tmp_path / "worker.log"
    cmd = [sys.executable, "-m", "celery", "-A", "hotline", "worker", "-Q", queue, "-c", "1", "--pool", "prefork",
           "-n", f"load-{os.getpid()}@localhost", "--without-gossip", "--without-mingle", "--without-heartbeat",
           "-l", "INFO"]
    url = test_database_url()
    with open(log, "wb") as out:
        worker = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                  start_new_session=True)
    try:
        wait_until(lambda: "ready." in log.read_text(errors="replace"), 90, "the worker did not start")
        with psycopg.connect(url) as blocker, psycopg.connect(url, autocommit=True) as watcher:
            # Hold the orders table so that the sweep blocks inside its first UPDATE: it is then mid-task.
            blocker.execute("LOCK TABLE tickets_ticket IN SHARE ROW EXCLUSIVE MODE")
            app.send_task("hotline.tasks.sla_sweep", queue=queue)
            wait_until(lambda: watcher.execute(WAITING_SWEEP).fetchone()[0] > 0, 60, "the sweep never started")
            children = children_of(worker.pid)
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)
            wait_until(lambda: children_of(worker.pid) and children_of(worker.pid) != children, 30,
                       "the worker did not replace its killed process")
            blocker.rollback()  # let the database go
        # The message was not acknowledged: it comes back, and the redelivered sweep turns the orders red.
        wait_until(lambda: set(Ticket.objects.filter(pk__in=[t.pk for t in orders]).values_list("light", flat=True))
                   == {"red"}, 60, "the sweep was not redelivered after the kill")
        assert Assignment.objects.filter(ticket__in=orders, sign_overdue=True).count() == 2
        assert "WorkerLostError" in log.read_text(errors="replace")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


WAITING_SWEEP = ("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%tickets_ticket%'")


def wait_until(condition: Callable[[], object], seconds: float, message: str) -> None:
    """Poll `condition` every 0.2 s for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{message} (after {seconds:.0f} s)")

