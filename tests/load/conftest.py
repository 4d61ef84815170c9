"""Load and fault tests against real processes on PostgreSQL (docs/load-and-faults.md).

They run only when the suite itself runs on PostgreSQL (HOTLINE_DATABASE_URL=postgres://…, the second
run of `make test`); on SQLite every test here is skipped with that reason. A real gunicorn (several
worker processes and threads) serves the test database; the tests create data through the real services,
then hit the server from many client threads over loopback. Every loop is bounded in count and time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.bench.intake_env import Server

DATABASE_URL = os.environ.get("HOTLINE_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
REDIS_URL = os.environ.get("HOTLINE_REDIS_URL", "")
SKIP_REASON = ("load and fault tests need PostgreSQL: set HOTLINE_DATABASE_URL=postgres://… (the PostgreSQL run "
               "of `make test` does); this run is on SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test of this folder, with the reason, when the suite does not run on PostgreSQL."""
    if ON_POSTGRES:
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def test_database_url() -> str:
    """The URL of the test database the suite runs on (pytest-django's `test_<name>`)."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def server_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server or worker process on the test database (tasks inline unless overridden)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_DATABASE_URL": test_database_url(),
        "HOTLINE_VAR_DIR": str(var_dir),
        "HOTLINE_CELERY_EAGER": "1",
        "HOTLINE_LOG_LEVEL": "ERROR",
        "HOTLINE_REQUEST_LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def web(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[Server]:
    """gunicorn (3 worker processes × 8 threads) serving the test database on a free loopback port."""
    if not ON_POSTGRES:
        pytest.skip(SKIP_REASON)
    with django_db_blocker.unblock(), tempfile.TemporaryDirectory(prefix="hotline-load-") as var:  # type: ignore[attr-defined]
        server = Server(server_env(Path(var)), workers=3, threads=8, log=Path(var) / "gunicorn.log")
        try:
            server.start()
            yield server
        finally:
            server.stop()
