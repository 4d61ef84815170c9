"""Reports on a real PostgreSQL streaming replica (`HOTLINE_REPLICA_DATABASE_URL`, docs/deploy.md section 6).

A scratch primary and a standby made from it with `pg_basebackup -R`, as an operator would. A process
configured with both writes to the primary, reads its reports from the standby (which is in recovery,
so any write sent there would fail), sees the primary's changes once replayed, and keeps serving
reports from the primary when the standby is stopped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.bench.intake_env import ROOT, EnvironmentMissing, ScratchPostgres, hotline_command, hotline_env

PROBE = """
import json, time
import django
django.setup()
from django.contrib.auth.models import Group
from django.db import connections, router
from hotline.core import replica

Group.objects.create(name="written on the primary")
seen = {"primary": Group.objects.count()}
with replica.reporting():
    alias = router.db_for_read(Group)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        seen["alias"], seen["in_recovery"] = alias, cursor.fetchone()[0]
    deadline = time.monotonic() + 30
    while Group.objects.count() < seen["primary"] and time.monotonic() < deadline:  # replication lag
        time.sleep(0.1)
    seen["replica"] = Group.objects.count()
    Group.objects.create(name="a write inside a report")  # to the primary: the standby refuses writes
seen["primary_after"] = Group.objects.count()
print(json.dumps(seen))
"""

DOWN_PROBE = """
import json
import django
django.setup()
from django.contrib.auth.models import Group
from hotline.core import replica

@replica.reporting_view
def report():
    return Group.objects.count()

print(json.dumps({"report": report(), "primary": Group.objects.count(), "now": replica.read_alias_if_reporting()}))
"""


class ScratchStandby(ScratchPostgres):
    """A hot standby of `primary`, made by `pg_basebackup -R` and started on its own free port."""

    def __init__(self, primary: ScratchPostgres) -> None:
        super().__init__(prefix="hotline-load-standby-")
        self.primary = primary

    def init(self) -> ScratchStandby:
        if self._as_root:
            self.root.chmod(0o755)
            subprocess.run(["chown", "postgres:postgres", str(self.root)], check=True)  # noqa: S603, S607
        done = self._run(self.bin / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary.port, "-U", self.user,
                         "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync", timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {done.stderr or done.stdout}")
        self.start()
        return self


def _probe(code: str, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reports_read_from_a_streaming_replica_and_fall_back_to_the_primary(tmp_path: Path) -> None:
    try:
        primary = ScratchPostgres(prefix="hotline-load-primary-")
    except EnvironmentMissing as exc:
        pytest.skip(f"a replica needs PostgreSQL's server binaries on this machine: {exc}")
    with primary:
        url = primary.create_database("reports")
        hotline_command(["migrate", "--noinput"], hotline_env(url, tmp_path))
        with ScratchStandby(primary) as standby:
            env = hotline_env(url, tmp_path, HOTLINE_REPLICA_DATABASE_URL=standby.url("reports"),
                              HOTLINE_LOG_LEVEL="WARNING")
            seen = _probe(PROBE, env)
            assert seen == {"primary": 1, "alias": "replica", "in_recovery": True, "replica": 1, "primary_after": 2}

            standby.stop()
            down = _probe(DOWN_PROBE, env)
            assert down == {"report": 2, "primary": 2, "now": "default"}  # served by the primary, replica resting
