"""`hotline backup` / `hotline restore`: a round trip while the site keeps writing."""

from __future__ import annotations

import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.core import clock
from hotline.ops import backup
from hotline.ops.backup import BackupError, create_backup, restore_backup, sha256_of, verify
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

PNG = b"\x89PNG\r\n\x1a\n"


def _orders_with_attachments(n: int = 3) -> list[Ticket]:
    cast = Cast.build()
    tickets = []
    for i in range(n):
        ticket = make_ticket(Status.REGISTERED, cast=cast)
        for j in range(2):
            upload = SimpleUploadedFile(f"现场{i}-{j}.png", PNG + bytes([i, j]) * 40, content_type="image/png")
            attach(ticket, actor=cast.intake, upload=upload)
        tickets.append(ticket)
    return tickets


class Writer(threading.Thread):
    """Keeps inserting rows (as a busy site would) until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                AccessRecord.objects.create(at=clock.now(), kind=AccessKind.FULL_PHONE, subject_type="ticket",
                                            subject=f"W{self.written}")
                self.written += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connection.close()


class Target:
    """A fresh place to restore into: a new SQLite file, or a new database on the same PostgreSQL server."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.database: str | Path = tmp_path / "restored" / "db.sqlite3"
        else:
            self.database = f"{connection.settings_dict['NAME']}_restore"
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
                cursor.execute(f'CREATE DATABASE "{self.database}"')

    def counts(self) -> dict[str, int]:
        if self.vendor == "sqlite":
            return backup.sqlite_counts(Path(self.database))
        return backup._postgres_counts("default", str(self.database))

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.database) as db:
                return list(db.execute(sql))
        return backup._pg_query("default", str(self.database), sql)

    def drop(self) -> None:
        if self.vendor != "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}"')


def _media_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_of(p) for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db(transaction=True)
def test_round_trip_while_writing_keeps_counts_and_checksums(tmp_path: Path) -> None:
    tickets = _orders_with_attachments()
    writer = Writer()
    writer.start()
    while writer.written < 5 and writer.error is None:  # the writer is really writing
        writer.stop.wait(0.01)
    try:
        archive, manifest = create_backup(tmp_path / "hotline.tar.gz")
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None
    assert manifest.tables["tickets_ticket"] == len(tickets) == Ticket.objects.count()
    assert manifest.tables["attachments_attachment"] == 6 == Attachment.objects.count()
    assert 5 <= manifest.tables["ops_accessrecord"] <= writer.written  # a snapshot taken mid-stream

    originals = _media_files(Path(settings.MEDIA_ROOT))
    assert {a.file.name for a in Attachment.objects.all()} <= set(originals)

    target, fresh_media = Target(tmp_path), tmp_path / "restored" / "media"
    try:
        restored = restore_backup(archive, database=target.database, media_root=fresh_media)
        assert target.counts() == manifest.tables == restored.tables
        assert _media_files(fresh_media) == originals
        numbers = {row[0] for row in target.rows("SELECT number FROM tickets_ticket")}
        stored = dict(target.rows("SELECT file, sha256 FROM attachments_attachment"))
        assert numbers == {t.number for t in tickets}
        for name, digest in stored.items():
            assert sha256_of(fresh_media / name) == digest  # every attachment the snapshot knows, intact

        with pytest.raises(BackupError, match="--force"):
            restore_backup(archive, database=target.database, media_root=fresh_media)
        restore_backup(archive, database=target.database, media_root=fresh_media, force=True)
        assert target.counts() == manifest.tables
    finally:
        target.drop()


@pytest.mark.django_db(transaction=True)
def test_a_tampered_archive_is_refused_before_anything_changes(tmp_path: Path) -> None:
    _orders_with_attachments(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    victim = next((unpacked / "media").rglob("*.png"))
    victim.write_bytes(victim.read_bytes() + b"x")
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())
    target = tmp_path / "target.sqlite3"
    with pytest.raises(BackupError, match="checksum mismatch"):
        restore_backup(bad, database=target, media_root=tmp_path / "m")
    assert not target.exists() and not (tmp_path / "m").exists()
    with pytest.raises(BackupError, match="not a readable backup"):
        verify(tmp_path / "unpacked" / "manifest.json")


@pytest.mark.django_db(transaction=True)
def test_the_commands(tmp_path: Path, capsys) -> None:
    _orders_with_attachments(1)
    call_command("backup", str(tmp_path))
    archive = next(tmp_path.glob("hotline-backup-*.tar.gz"))
    assert "backup written" in capsys.readouterr().out
    call_command("restore", str(archive), "--check")
    assert "archive verified" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already holds orders"):  # the live test database is not empty
        call_command("restore", str(archive))
    with pytest.raises(CommandError, match="no such backup"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))


def test_an_archive_with_paths_outside_its_folders_is_refused(tmp_path: Path) -> None:
    import io

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name in ("manifest.json", "../outside.txt"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(BackupError, match="unexpected entries"):
        verify(evil)
    assert not (tmp_path.parent / "outside.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_a_missing_directory_is_created_for_a_dated_archive(tmp_path: Path, capsys) -> None:
    call_command("backup", f"{tmp_path / 'backups'}/")
    assert (tmp_path / "backups").is_dir() and len(list((tmp_path / "backups").glob("hotline-backup-*.tar.gz"))) == 1
    written, _ = create_backup(tmp_path / "nightly")  # no .tar.gz suffix and not there yet: a directory
    assert written.parent == tmp_path / "nightly" and written.name.startswith("hotline-backup-")
    named, _ = create_backup(tmp_path / "one.tar.gz")
    assert named == tmp_path / "one.tar.gz" and named.is_file()


def test_a_backup_inside_media_root_is_refused(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    with pytest.raises(BackupError, match="inside MEDIA_ROOT"):
        create_backup(f"{media / 'backups'}/", media_root=media)
    with pytest.raises(BackupError, match="inside MEDIA_ROOT"):
        create_backup(media / "b.tar.gz", media_root=media)
    assert not (media / "backups").exists() and not list(media.glob("*.part"))


@pytest.mark.parametrize(("manifest", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"format": 1}', "lacks created_at"),
    (b'{"format": 1, "created_at": "x", "vendor": "sqlite", "tables": {}, '
     b'"members": {"database/db.sqlite3": {"sha": 1}}}', "malformed"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_a_malformed_manifest_is_a_clear_error(tmp_path: Path, manifest: bytes, message: str) -> None:
    import io

    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    with pytest.raises(BackupError, match=message):
        verify(archive)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), "--check")


def test_a_dated_archive_is_named_in_the_centres_local_time(tmp_path: Path) -> None:
    """02:00 in Beijing is 18:00 UTC the day before; the nightly file bears the Beijing date."""
    from datetime import UTC, datetime

    import time_machine

    from hotline.ops.backup import _archive_path

    with time_machine.travel(datetime(2026, 11, 23, 18, 0, 5, tzinfo=UTC), tick=False):
        assert _archive_path(f"{tmp_path}/").name == "hotline-backup-20261124-020005.tar.gz"
