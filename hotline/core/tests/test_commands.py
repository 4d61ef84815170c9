"""The product's own commands: `hotline stats`, `sla-sweep`, `serve`, `bench`, and the CLI's name mapping."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline import cli
from hotline.bench import registry
from hotline.core.management.commands import serve
from hotline.ops.scheduler import ENV as SCHEDULER_ENV
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

PROJECT = Path(__file__).resolve().parents[3]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _ticket(status: str) -> Ticket:
    from django.utils import timezone

    return Ticket.objects.create(query_code="000000", request_type="help", title="t", description="d",
                                 status=status, registered_at=timezone.now())


# --- stats ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stats_prints_one_json_object_with_every_status_and_the_total() -> None:
    for status in (Status.REGISTERED, Status.IN_PROGRESS, Status.IN_PROGRESS):
        _ticket(status)
    output = run("stats")
    assert output.count("\n") == 1
    counts = json.loads(output)
    assert list(counts) == [*Status.values, "total"]
    assert counts[Status.IN_PROGRESS] == 2 and counts[Status.REGISTERED] == 1
    assert counts[Status.CLOSED] == 0
    assert counts["total"] == 3


@pytest.mark.django_db
def test_stats_on_an_empty_database_is_all_zeros() -> None:
    counts = json.loads(run("stats"))
    assert set(counts.values()) == {0}


# --- sla-sweep --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sla_sweep_prints_its_counts_and_elapsed_time_as_one_json_line() -> None:
    line = json.loads(run("sla_sweep"))
    assert line == line | {"tickets_yellow": 0, "tickets_red": 0, "assignments_yellow": 0, "assignments_red": 0}
    assert line["elapsed_ms"] >= 0


@pytest.mark.django_db
def test_sla_sweep_at_a_given_moment() -> None:
    line = json.loads(run("sla_sweep", "--at", "2025-10-09T10:00+08:00"))
    assert line["tickets_red"] == 0
    with pytest.raises(CommandError, match="ISO 8601"):
        run("sla_sweep", "--at", "next tuesday")


@pytest.mark.django_db
def test_the_cli_maps_dashes_to_underscores(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["hotline", "sla-sweep"])
    assert "tickets_yellow" in json.loads(capsys.readouterr().out)


# --- serve ------------------------------------------------------------------------------------


@pytest.fixture
def no_redis(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """The embedded profile; the scheduler switch `serve` sets is put back afterwards."""
    settings.REDIS_URL = ""
    monkeypatch.setenv(SCHEDULER_ENV, "0")


def test_serve_execs_gunicorn_on_the_loopback_interface(monkeypatch: pytest.MonkeyPatch, no_redis: None) -> None:
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(serve.os, "execvp", lambda file, argv: calls.append((file, argv)))
    monkeypatch.setenv("HOTLINE_PORT", "8123")
    run("serve", "--no-collectstatic")
    ((file, argv),) = calls
    assert file == argv[0] and Path(argv[0]).name == "gunicorn"
    assert Path(argv[0]).parent == Path(sys.executable).parent
    assert argv[1] == "hotline.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    # Embedded: one process (its cache holds the one-time tokens and rate limits) with threads, and the
    # periodic jobs in that process.
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[argv.index("--worker-class") + 1] == "gthread" and argv[argv.index("--threads") + 1] == "8"
    assert os.environ[SCHEDULER_ENV] == "1"


def test_serve_with_redis_keeps_sync_workers_and_no_scheduler(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # noqa: ANN001
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setenv(SCHEDULER_ENV, "0")
    calls: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execvp", lambda file, argv: calls.append(argv))
    run("serve", "--no-collectstatic")
    assert calls[0][calls[0].index("--workers") + 1] == "2" and "--threads" not in calls[0]
    assert os.environ[SCHEDULER_ENV] == "0"


def test_serve_options(monkeypatch: pytest.MonkeyPatch, no_redis: None) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execvp", lambda file, argv: calls.append(argv))
    monkeypatch.delenv("HOTLINE_PORT", raising=False)
    run("serve", "--no-collectstatic")
    run("serve", "--no-collectstatic", "--host", "0.0.0.0", "--port", "9000", "--workers", "4")  # noqa: S104
    assert calls[0][calls[0].index("--bind") + 1] == "127.0.0.1:8000"
    assert calls[1][calls[1].index("--bind") + 1] == "0.0.0.0:9000"
    assert calls[1][calls[1].index("--workers") + 1] == "4"
    run("serve", "--no-collectstatic", "--threads", "1")
    assert "--threads" not in calls[2]
    with pytest.raises(CommandError):
        run("serve", "--no-collectstatic", "--workers", "0")
    with pytest.raises(CommandError):
        run("serve", "--no-collectstatic", "--threads", "0")


def test_serve_collects_static_files_quietly_first(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path,  # noqa: ANN001
                                                  no_redis: None) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setattr(serve.os, "execvp", lambda file, argv: None)
    output = run("serve")
    assert (tmp_path / "static" / "admin").is_dir()
    assert "static file" not in output  # collectstatic said nothing


# --- bench ------------------------------------------------------------------------------------


def test_bench_list_names_sla_sweep() -> None:
    names = [line.split("\t")[0] for line in run("bench", "--list").splitlines()]
    assert "sla-sweep" in names
    assert "sla-sweep" in registry.benchmarks()


def test_bench_refuses_an_unknown_name() -> None:
    with pytest.raises(CommandError, match="unknown benchmark"):
        run("bench", "no-such-benchmark")


def test_bench_inner_mode_refuses_a_database_that_is_not_its_scratch_database() -> None:
    with pytest.raises(registry.BenchError, match="scratch"):
        registry.run("sla-sweep", ["--inner", "--orders", "10"])


def test_bench_sla_sweep_runs_on_its_own_scratch_database(tmp_path: Path) -> None:
    """A small run end to end, in a subprocess as a user would start it; the user's database is never created."""
    user_db = tmp_path / "user.sqlite3"
    env = os.environ | {"HOTLINE_DB": str(user_db), "HOTLINE_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "hotline.cli", "bench", "sla-sweep", "--orders", "2000"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"sla-sweep: \d+\.\d+ s", lines[-1]), lines[-1]
    assert any(line.startswith("peak RSS:") for line in lines)
    assert any(line.startswith("second sweep (idempotent no-op)") for line in lines)
    assert not user_db.exists()
    scratch = next(line for line in lines if line.startswith("scratch database:")).split()[2]
    assert not Path(scratch).parent.exists()  # the temporary directory is gone
