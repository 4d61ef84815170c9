"""Reports read from the replica when one is configured; everything else stays on the primary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.core import replica
from hotline.dashboards import views as dashboard_views
from hotline.kpis import views as kpi_views

#: Run in a fresh interpreter whose primary and replica are two SQLite files holding different data.
PROBE = """
import json
import django
django.setup()
from django.contrib.auth.models import Group
from django.db import transaction
from hotline.core.replica import reporting

Group.objects.create(name="written after the replica's snapshot")
seen = {"primary": Group.objects.count()}
with reporting():
    seen["reporting"] = Group.objects.count()
    Group.objects.create(name="a write inside reporting")  # still to the primary
    with transaction.atomic():
        seen["reporting_in_a_transaction"] = Group.objects.count()  # sees its own transaction's writes
seen["primary_after"] = Group.objects.count()
print(json.dumps(seen))
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


def test_without_a_replica_reporting_reads_from_the_primary() -> None:
    assert not replica.configured()
    with replica.reporting():
        assert replica.read_alias() == "default"


def test_report_views_and_the_bulletin_read_from_the_replica() -> None:
    for view in (kpi_views.dashboard, kpi_views.drill, kpi_views.assessment,
                 dashboard_views.month_page, dashboard_views.month_data, dashboard_views.screen_page,
                 dashboard_views.screen_data):
        assert getattr(view, "reads_from_replica", False), view.__name__
    source = Path(__file__).parents[2].joinpath("kpis/management/commands/report.py").read_text(encoding="utf-8")
    assert "reporting_view(render)(period, fmt)" in source
    # The bulletin page lists the published editions from the primary (one just published shows at once);
    # the preview it computes reads from the replica.
    views = Path(__file__).parents[2].joinpath("kpis/views.py").read_text(encoding="utf-8")
    assert "reporting_view(render_bulletin)(period, fmt)" in views


def test_reads_inside_reporting_go_to_the_replica_and_writes_to_the_primary(tmp_path: Path) -> None:
    primary, copy = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_DATABASE_URL": f"sqlite:///{primary}"}
    migrated = _run([sys.executable, "-m", "django", "migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    shutil.copyfile(primary, copy)  # the replica as of now
    env["HOTLINE_REPLICA_DATABASE_URL"] = f"sqlite:///{copy}"
    probe = _run([sys.executable, "-c", PROBE], env)
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen == {"primary": 1, "reporting": 0, "reporting_in_a_transaction": 2, "primary_after": 2}


FALLBACK_PROBE = """
import json
import django
django.setup()
from django.contrib.auth.models import Group
from hotline.core import replica

@replica.reporting_view
def report():
    return Group.objects.count()

Group.objects.create(name="on the primary only")
print(json.dumps({"first": report(), "resting": replica.read_alias_if_reporting(), "second": report()}))
"""


def test_a_report_is_served_from_the_primary_when_the_replica_is_down(tmp_path: Path) -> None:
    primary = tmp_path / "primary.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_DATABASE_URL": f"sqlite:///{primary}",
            "HOTLINE_REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'replica.sqlite3'}"}
    migrated = _run([sys.executable, "-m", "django", "migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    probe = _run([sys.executable, "-c", FALLBACK_PROBE], env)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"first": 1, "resting": "default", "second": 1}
    assert "replica unavailable, reports read from the primary" in probe.stderr


def test_a_replica_without_a_primary_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_REPLICA_DATABASE_URL": "postgres://reader@replica.internal/hotline"}
    result = _run([sys.executable, "-c", "import django; django.setup()"], env)
    assert result.returncode != 0 and "HOTLINE_REPLICA_DATABASE_URL needs HOTLINE_DATABASE_URL" in result.stderr


@pytest.mark.parametrize("flag", [True, False])
def test_the_router_sends_only_reporting_reads_elsewhere(flag: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a replica configured: reads inside reporting() → replica; writes and migrations → primary."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    router = replica.ReplicaRouter()
    if flag:
        with replica.reporting():
            assert router.db_for_read(object) == replica.REPLICA
    else:
        assert router.db_for_read(object) is None
    assert router.db_for_write(object) == "default"
    assert router.allow_migrate("default", "tickets") and not router.allow_migrate(replica.REPLICA, "tickets")
