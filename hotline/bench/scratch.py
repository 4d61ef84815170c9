"""A scratch SQLite database for benchmarks that must never touch the user's database.

A benchmark's outer process calls `run_inner_on_scratch_sqlite`: it makes a temporary directory, re-runs
`hotline bench NAME --inner …` in a subprocess whose database is a fresh SQLite file in that directory
(whatever database or profile the caller's environment names), passes the output through and removes
the directory. The inner process starts with `migrate_scratch`, which refuses any other database,
migrates the scratch file and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from hotline.bench.registry import BenchError

#: Set in the inner process's environment to the scratch database path; the inner run refuses other databases.
SCRATCH_ENV = "HOTLINE_BENCH_SCRATCH_DB"
#: The scratch database's file name inside the temporary directory.
DB_FILE = "bench.sqlite3"
#: Removed from the inner process's environment: with it set, settings would ignore HOTLINE_DB.
DATABASE_URL_ENV = "HOTLINE_DATABASE_URL"


def scratch_env(tmp: Path, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The inner process's environment: the caller's, plus `extra_env`, on the scratch SQLite file in `tmp`.

    HOTLINE_DATABASE_URL is dropped and HOTLINE_PROFILE forced to dev (production insists on a database
    URL), so settings always fall back to HOTLINE_DB. `extra_env` may not override any of that.
    """
    db = str(tmp / DB_FILE)
    forced = {
        "HOTLINE_DB": db, SCRATCH_ENV: db, "HOTLINE_VAR_DIR": str(tmp), "HOTLINE_PROFILE": "dev",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "hotline.settings"),
        "PYTHONUNBUFFERED": "1",
    }
    extra = dict(extra_env or {})
    clash = sorted(set(extra) & (set(forced) | {DATABASE_URL_ENV}))
    if clash:
        raise ValueError(f"extra_env may not set {', '.join(clash)}: the scratch database depends on them")
    env = os.environ | extra | forced
    env.pop(DATABASE_URL_ENV, None)
    return env


def run_inner_on_scratch_sqlite(name: str, argv: Sequence[str], *, prefix: str,
                                extra_env: Mapping[str, str] | None = None) -> None:
    """Run `hotline bench NAME --inner ARGV` on a fresh scratch SQLite file, pass its output through, clean up.

    The temporary directory (named with `prefix`) holds the database and HOTLINE_VAR_DIR; it is removed
    however the run ends. A non-zero exit status of the inner process raises `BenchError`.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    cmd = [sys.executable, "-m", "hotline.cli", "bench", name, "--inner", *argv]
    try:
        env = scratch_env(tmp, extra_env)
        with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) as proc:  # noqa: S603
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    print(line, end="", flush=True)
                code = proc.wait()
            except BaseException:
                proc.kill()
                raise
        if code != 0:
            raise BenchError(f"{name}: the benchmark process failed (exit status {code})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def migrate_scratch(name: str, *, require_empty: bool = True) -> str:
    """The inner process's preamble: check that Django's database is the scratch file, migrate it, say so.

    Refuses (`BenchError`) any database but the one its outer process named in SCRATCH_ENV and, with
    `require_empty`, a scratch file that already holds data. Returns the database path.
    """
    from django.conf import settings
    from django.core.management import call_command

    db_name = str(settings.DATABASES["default"]["NAME"])
    scratch = os.environ.get(SCRATCH_ENV)
    if not scratch or Path(scratch).resolve() != Path(db_name).resolve():
        raise BenchError(f"{name} --inner runs only on the scratch database its outer process creates")
    if require_empty and Path(db_name).exists() and Path(db_name).stat().st_size > 0:
        raise BenchError(f"scratch database {db_name} is not empty")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"scratch database: {db_name} (migrated in {time.perf_counter() - started:.2f} s)", flush=True)
    return db_name
