"""Fixes after review: no caller's number in log lines or access records, a backup that stays restorable
while a file is being written, bounded metric labels, and direct loopback probes answered in production."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.ops import backup, context, metrics
from hotline.ops.backup import BackupError, create_backup, verify
from hotline.ops.jsonlog import JsonFormatter, RequestContextFilter
from hotline.ops.models import AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import UserFactory, make_ticket

ROOT = Path(__file__).resolve().parents[3]
PHONE = "13812345678"


def _lines(records: list[logging.LogRecord]) -> list[str]:
    lines = []
    for record in records:
        RequestContextFilter().filter(record)
        lines.append(JsonFormatter().format(record))
    return lines


# --- 1. The caller profile's address holds the caller's number --------------------------------------------


@pytest.mark.django_db
def test_the_request_log_line_of_a_caller_profile_shows_the_number_masked(client, caplog) -> None:
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    with caplog.at_level(logging.INFO, logger="hotline.request"):
        response = client.get(reverse("caller-profile", args=[PHONE]))
    assert response.status_code == 200
    lines = _lines([r for r in caplog.records if r.name == "hotline.request"])
    assert lines and not [line for line in lines if PHONE in line], lines
    line = json.loads(lines[-1])
    assert line["path"] == "/callers/138****5678/"
    assert line["message"] == "GET /callers/138****5678/ 200"


@pytest.mark.django_db
def test_the_access_record_and_its_audit_line_show_the_number_masked(client, caplog) -> None:
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        assert client.get(reverse("caller-profile", args=[PHONE])).status_code == 200
    record = AccessRecord.objects.get()
    assert PHONE not in record.subject  # masked on purpose (docs/callers.md)
    assert record.path == "/callers/138****5678/"
    audit = _lines([r for r in caplog.records if r.name == "hotline.audit"])
    assert audit and not [line for line in audit if PHONE in line], audit


@pytest.mark.django_db
def test_djangos_line_about_a_refused_caller_profile_shows_the_number_masked(client, caplog) -> None:
    client.force_login(UserFactory(role=Role.UNIT_HANDLER))  # not centre staff: 403, logged by django.request
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("caller-profile", args=[PHONE])).status_code == 403
    lines = _lines([r for r in caplog.records if r.name == "django.request"])
    assert lines and not [line for line in lines if PHONE in line], lines
    assert "/callers/138****5678/" in json.loads(lines[-1])["message"]


def test_the_recorded_path_masks_phone_and_identity_numbers_and_keeps_everything_else() -> None:
    assert context.path_for_record("/callers/13812345678/") == "/callers/138****5678/"
    assert context.path_for_record("/callers/0731-88990001/") == "/callers/073*******01/"
    assert context.path_for_record("/x/430102199001011234/") == "/x/430102********1234/"
    for kept in ("/orders/202503040000123/", "/admin/tickets/ticket/42/change/", "/api/v1/orders/"):
        assert context.path_for_record(kept) == kept
    assert len(context.path_for_record("/" + "a" * 400)) == context.PATH_LENGTH


def test_an_access_record_written_from_any_context_keeps_the_path_masked(db) -> None:
    ctx = context.RequestContext(request_id="test-00000001", path=f"/callers/{PHONE}/")
    ctx.pending.append({"kind": "full_phone", "subject_type": "phone", "subject": "138****5678",
                        "user_id": None, "username": ""})
    from hotline.ops import access

    assert access.flush(ctx) == 1
    assert AccessRecord.objects.get().path == "/callers/138****5678/"


# --- 2. A backup while a file is being written --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_file_growing_while_it_is_archived_leaves_a_restorable_archive(tmp_path: Path, monkeypatch) -> None:
    make_ticket(Status.REGISTERED)
    media = Path(settings.MEDIA_ROOT)
    uploading = media / "attachments" / "2026" / "upload-in-progress.jpg"
    uploading.parent.mkdir(parents=True, exist_ok=True)
    first = b"\xff\xd8" + b"a" * 1000
    uploading.write_bytes(first)  # the first chunk written by FileSystemStorage
    real = tarfile.TarFile.addfile

    def the_upload_goes_on(tar: tarfile.TarFile, info: tarfile.TarInfo, fileobj=None) -> None:  # noqa: ANN001
        if info.name.endswith("upload-in-progress.jpg"):
            with open(uploading, "ab") as fh:  # the next chunk lands after the file was opened
                fh.write(b"b" * 5000)
        return real(tar, info, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", the_upload_goes_on)
    try:
        archive, manifest = create_backup(tmp_path / "nightly.tar.gz")
    finally:
        uploading.unlink()
    monkeypatch.undo()
    verify(archive)  # the nightly backup is restorable
    name = "media/attachments/2026/upload-in-progress.jpg"
    assert manifest.members[name] == {"sha256": backup.hashlib.sha256(first).hexdigest(), "size": len(first)}
    with tarfile.open(archive) as tar:
        assert tar.extractfile(name).read() == first  # the file as it stood when it was opened


@pytest.mark.django_db(transaction=True)
def test_a_file_shrinking_while_it_is_archived_fails_the_backup_and_leaves_no_part_file(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    make_ticket(Status.REGISTERED)
    media = Path(settings.MEDIA_ROOT)
    cut = media / "attachments" / "2026" / "cut-short.jpg"
    cut.parent.mkdir(parents=True, exist_ok=True)
    cut.write_bytes(b"x" * 5000)
    real = tarfile.TarFile.addfile

    def truncated(tar: tarfile.TarFile, info: tarfile.TarInfo, fileobj=None) -> None:  # noqa: ANN001
        if info.name.endswith("cut-short.jpg"):
            cut.write_bytes(b"x" * 10)
        return real(tar, info, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", truncated)
    try:
        with pytest.raises(BackupError, match="shrank"):
            create_backup(tmp_path / "nightly.tar.gz")
    finally:
        cut.unlink()
    assert list(tmp_path.iterdir()) == []  # neither the archive nor its .part


@pytest.mark.django_db(transaction=True)
def test_any_failure_while_writing_leaves_no_part_file(tmp_path: Path, monkeypatch) -> None:
    make_ticket(Status.REGISTERED)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_add_file", disk_full)
    with pytest.raises(OSError, match="No space left"):
        create_backup(tmp_path / "nightly.tar.gz")
    assert list(tmp_path.iterdir()) == []


# --- 3. Metric labels ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_made_up_http_methods_share_one_label_value(client) -> None:
    before = {labels[1] for labels in metrics._latency_of}
    for i in range(40):
        client.generic(f"ZZ{i:03d}", reverse("login"))  # anonymous, any path
    client.generic("get", reverse("login"))  # methods are case-sensitive: a lower-case one is made up too
    added = {labels[1] for labels in metrics._latency_of} - before
    assert not {m for m in added if m.startswith("ZZ") or m == "get"}
    assert added <= {"other"} and "other" in {labels[1] for labels in metrics._latency_of}
    assert b"ZZ0" not in metrics.exposition()


def test_standard_methods_keep_their_label() -> None:
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        assert metrics.method_label(method) == method
    for method in ("", None, "PROPFIND", "get", "X" * 100):
        assert metrics.method_label(method) == "other"


# --- 4. Direct loopback probes under the production profile ------------------------------------------------


def _production_allowed_hosts(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(HOTLINE_PROFILE="production", HOTLINE_SECRET_KEY=secrets.token_urlsafe(60),
               HOTLINE_DATABASE_URL="postgres://hotline:secret@127.0.0.1:5432/hotline",
               HOTLINE_REDIS_URL="redis://127.0.0.1:6379/0", DJANGO_SETTINGS_MODULE="hotline.settings",
               HOTLINE_VAR_DIR=str(tmp_path), **extra)
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.ALLOWED_HOSTS))")
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def test_production_allows_the_public_names_and_the_loopback_names(tmp_path: Path) -> None:
    result = _production_allowed_hosts(tmp_path, HOTLINE_ALLOWED_HOSTS="12345.example.gov.cn")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["12345.example.gov.cn", "127.0.0.1", "localhost", "[::1]"]


def test_production_still_needs_the_public_name(tmp_path: Path) -> None:
    result = _production_allowed_hosts(tmp_path)
    assert result.returncode != 0 and "needs HOTLINE_ALLOWED_HOSTS" in result.stderr


PRODUCTION_HOSTS = ["12345.example.gov.cn", "127.0.0.1", "localhost", "[::1]"]


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=PRODUCTION_HOSTS, HOTLINE_METRICS_TOKEN="")
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"])
@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/healthz/ready"])
def test_a_direct_loopback_probe_is_answered(client, path: str, host: str) -> None:
    response = client.get(path, HTTP_HOST=host, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200, response.status_code


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=PRODUCTION_HOSTS, HOTLINE_METRICS_TOKEN="")
def test_other_hosts_are_still_refused_and_metrics_still_want_a_direct_client(client) -> None:
    assert client.get("/healthz", HTTP_HOST="evil.example.com", REMOTE_ADDR="127.0.0.1").status_code == 400
    assert client.get(reverse("login"), HTTP_HOST="12345.example.gov.cn.evil.example").status_code == 400
    # Through nginx (X-Forwarded-For set), even with a loopback Host: no token, no metrics.
    for host in ("12345.example.gov.cn", "127.0.0.1"):
        response = client.get("/metrics", HTTP_HOST=host, REMOTE_ADDR="127.0.0.1",
                              HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert response.status_code == 403
