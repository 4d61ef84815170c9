"""Fixes after a review of backups and restores: an existing file is never replaced by an archive, archives are
private, a backup of a newer release or one without its database is refused, a refused restore changes nothing,
a damaged SQLite file can be restored over with --force, MEDIA_ROOT holds exactly the archive's files after a
restore, and a file removed during the backup is skipped."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from hotline.attachments.services import attach
from hotline.ops import backup
from hotline.ops.backup import BackupError, create_backup, restore_backup, sha256_of, verify
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

PNG = b"\x89PNG\r\n\x1a\n"
SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite",
                                 reason="edits or restores into a SQLite file (the round trip on PostgreSQL is "
                                        "test_backup.py's)")


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path: Path) -> None:
    """Each test its own live MEDIA_ROOT (the session-wide one holds files of other tests)."""
    settings.MEDIA_ROOT = str(tmp_path / "live-media")


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _orders(n: int = 1) -> list[Ticket]:
    cast = Cast.build()
    tickets = []
    for i in range(n):
        ticket = make_ticket(Status.REGISTERED, cast=cast)
        attach(ticket, actor=cast.intake,
               upload=SimpleUploadedFile(f"现场{i}.png", PNG + bytes([i]) * 50, content_type="image/png"))
        tickets.append(ticket)
    return tickets


def _rebuild(archive: Path, out: Path, edit: Callable[[Path, dict], None]) -> Path:
    """Unpack, let `edit(root, manifest)` change things, recompute the checksums, repack: an archive whose
    checksums all verify, as a handmade or foreign one would."""
    root = out.parent / (out.name + ".d")
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    data = json.loads((root / "manifest.json").read_text())
    edit(root, data)
    data["members"] = {p.relative_to(root).as_posix(): {"sha256": sha256_of(p), "size": p.stat().st_size}
                       for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    (root / "manifest.json").write_text(json.dumps(data))
    with tarfile.open(out, "w:gz") as tar:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                tar.add(p, arcname=p.relative_to(root).as_posix())
    return out


def _sqlite_file(path: Path, table: str = "keep") -> Path:
    """A small SQLite file holding one row (no orders, no people: a restore needs no --force over it)."""
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE {table} (x)")
    db.execute(f"INSERT INTO {table} VALUES ('citizens')")  # noqa: S608 - the test's own table name
    db.commit()
    db.close()
    return path


def _files(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def _attachment_rows(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT file FROM attachments_attachment")}


# --- 1. An existing file is never replaced by an archive; an existing archive only with --overwrite ------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["hotline.sqlite3", "notes"])
def test_backup_never_overwrites_an_existing_file_that_is_not_an_archive(tmp_path: Path, name: str) -> None:
    """`hotline backup /var/lib/hotline/hotline.sqlite3` (the arguments taken for "what to back up") used to
    replace the live database with the archive."""
    precious = _sqlite_file(tmp_path / name)
    before = precious.read_bytes()
    with pytest.raises(CommandError, match="exists and is not a backup archive"):
        call_command("backup", str(precious))
    with pytest.raises(CommandError, match="exists and is not a backup archive"):
        call_command("backup", str(precious), "--overwrite")  # not even when asked to overwrite
    assert precious.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no .part left either


@pytest.mark.django_db(transaction=True)
def test_a_file_named_like_an_archive_that_is_not_one_is_never_replaced(tmp_path: Path) -> None:
    impostor = tmp_path / "nightly.tar.gz"
    impostor.write_text("a report someone saved under this name")
    with pytest.raises(BackupError, match="not a backup archive"):
        create_backup(impostor, overwrite=True)
    assert impostor.read_text() == "a report someone saved under this name"


@pytest.mark.django_db(transaction=True)
def test_an_existing_archive_is_replaced_only_with_overwrite(tmp_path: Path, capsys) -> None:
    _orders(1)
    archive, _ = create_backup(tmp_path / "nightly.tar.gz")
    first = archive.read_bytes()
    with pytest.raises(CommandError, match="already exists; use --overwrite"):
        call_command("backup", str(archive))
    assert archive.read_bytes() == first
    _orders(1)
    call_command("backup", str(archive), "--overwrite")
    assert "backup written" in capsys.readouterr().out
    assert verify(archive).tables["tickets_ticket"] == 2


# --- 2. The archive and the folders made for it are private ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_archive_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It holds every citizen's name, number and address; the usual umask (022) made it 0644."""
    _orders(1)
    stale = tmp_path / "nightly.tar.gz.part"  # left by a killed backup, world-readable
    stale.write_bytes(b"old")
    stale.chmod(0o644)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    with _umask(0o022):
        archive, _ = create_backup(tmp_path / "nightly.tar.gz")
        dated, _ = create_backup(f"{shared / 'backups' / 'hotline'}/")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(dated.stat().st_mode) == 0o600
    for folder in (shared / "backups", shared / "backups" / "hotline"):  # both created for it
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # an existing folder is left as it is
    verify(archive)


# --- 4. A backup of a newer release is refused before anything changes ----------------------------------------


def _from_a_newer_release(root: Path, data: dict) -> None:
    db = sqlite3.connect(root / "database" / "db.sqlite3")
    db.execute("INSERT INTO django_migrations (app, name, applied) VALUES "
               "('tickets', '9999_from_the_future', '2027-01-01 00:00:00'), "
               "('retired_app', '0001_initial', '2020-01-01 00:00:00')")  # an app no longer installed: not counted
    db.commit()
    db.close()
    data["tables"]["django_migrations"] += 2


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_backup_from_a_newer_schema_is_refused_and_check_says_so(tmp_path: Path) -> None:
    _orders(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")
    future = _rebuild(archive, tmp_path / "future.tar.gz", _from_a_newer_release)
    target, media = tmp_path / "restored" / "db.sqlite3", tmp_path / "m"
    with pytest.raises(BackupError, match=r"newer release.*1 migration.*\(tickets\.9999_from_the_future\)"):
        restore_backup(future, database=target, media_root=media)
    assert not target.exists() and not media.exists()
    with pytest.raises(CommandError, match=r"restore failed: .*newer release.*tickets\.9999_from_the_future"):
        call_command("restore", str(future), "--check")
    verify(archive)  # the archive of this release still passes


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_backup_of_a_database_never_migrated_still_verifies(tmp_path: Path) -> None:
    archive, _ = create_backup(tmp_path / "good.tar.gz")

    def never_migrated(root: Path, data: dict) -> None:
        (root / "database" / "db.sqlite3").unlink()
        sqlite3.connect(root / "database" / "db.sqlite3").close()
        data["tables"] = {}

    empty = _rebuild(archive, tmp_path / "empty.tar.gz", never_migrated)
    assert verify(empty).tables == {}


def test_the_migrations_of_a_postgresql_dump_are_read_from_its_copy_block() -> None:
    """pg_restore --data-only --table=django_migrations --file=- prints the rows as a COPY block."""
    text = ("--\n-- PostgreSQL database dump\n--\nSET client_encoding = 'UTF8';\n\n"
            "COPY public.django_migrations (id, app, name, applied) FROM stdin;\n"
            "1\tcontenttypes\t0001_initial\t2026-11-01 02:00:00.1+00\n"
            "2\ttickets\t9999_from_the_future\t2027-01-01 00:00:00+00\n"
            "\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n")
    rows = backup.copy_rows(text, "django_migrations")
    assert {(r["app"], r["name"]) for r in rows} == {("contenttypes", "0001_initial"),
                                                     ("tickets", "9999_from_the_future")}
    assert backup.unknown_migrations({(r["app"], r["name"]) for r in rows}) == ["tickets.9999_from_the_future"]
    assert backup.copy_rows("SET client_encoding = 'UTF8';\n", "django_migrations") == []  # never migrated


# --- 5. Restoring over a damaged SQLite file ----------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_damaged_database_file_is_refused_without_force(tmp_path: Path) -> None:
    _orders(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")
    target = tmp_path / "live.sqlite3"
    target.write_bytes(b"this is not a database, the disk ate it" * 200)
    before = target.read_bytes()
    with pytest.raises(BackupError, match="cannot be read as a SQLite database.*use --force"):
        restore_backup(archive, database=target, media_root=tmp_path / "m")
    assert target.read_bytes() == before


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_damaged_database_file_is_replaced_with_force(tmp_path: Path) -> None:
    """Disaster recovery: the live file is damaged, its -wal/-shm/-journal lie beside it; --force restores
    last night's backup (it used to end in a sqlite3.DatabaseError traceback)."""
    _orders(1)
    archive, manifest = create_backup(tmp_path / "good.tar.gz")
    target = tmp_path / "live.sqlite3"
    target.write_bytes(b"this is not a database, the disk ate it" * 200)
    target.chmod(0o640)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").write_bytes(b"frames of the damaged file")
    restore_backup(archive, database=target, media_root=tmp_path / "m", force=True)
    assert backup.sqlite_counts(target) == manifest.tables
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's mode is kept
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("live.")) == ["live.sqlite3"]


# --- 6. A refused restore changes nothing ----------------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_restore_refused_for_wrong_counts_leaves_database_and_files_as_they_were(tmp_path: Path) -> None:
    """The manifest's row counts disagree with the snapshot: verify() refused it, but restore found out only
    after the database was replaced."""
    _orders(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")

    def wrong_counts(root: Path, data: dict) -> None:
        data["tables"]["tickets_ticket"] += 5

    bad = _rebuild(archive, tmp_path / "bad.tar.gz", wrong_counts)
    target = _sqlite_file(tmp_path / "t.sqlite3")
    media = tmp_path / "m"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "kept.png").write_bytes(PNG)
    before = sha256_of(target)
    with pytest.raises(BackupError, match="row counts differ"):
        verify(bad)
    with pytest.raises(BackupError, match="row counts differ"):
        restore_backup(bad, database=target, media_root=media)
    assert sha256_of(target) == before
    assert _files(media) == {"attachments/kept.png"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("t.")) == ["t.sqlite3"]


# --- 7. After a restore, MEDIA_ROOT holds exactly the archive's files -------------------------------------------


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("force", [True, False])
def test_a_restore_leaves_no_files_of_the_replaced_site(tmp_path: Path, force: bool) -> None:
    """--force (or a restore into an empty database) replaces the database entirely; the replaced site's
    attachment files used to stay in MEDIA_ROOT (personal data no order refers to)."""
    _orders(2)
    archive, _ = create_backup(tmp_path / "good.tar.gz")
    media, target = tmp_path / "media", tmp_path / "t.sqlite3"
    if force:
        restore_backup(archive, database=target, media_root=media)  # a site that holds orders
    stale = media / "attachments" / "2020" / "01" / "old-site-photo.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(PNG + b"old")
    (media / "loose.txt").write_text("old")
    restore_backup(archive, database=target, media_root=media, force=force)
    rows = _attachment_rows(target)
    assert len(rows) == 2
    assert _files(media) == rows
    assert [p.name for p in media.iterdir()] == ["attachments"]  # no staging folder left


# --- 8. A file removed during the backup is skipped ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_file_removed_during_the_backup_is_skipped_and_reported(tmp_path: Path, monkeypatch, capsys) -> None:
    """A rolled-back intake or portal request deletes the files it had written (default_storage.delete): one
    listed by the backup and gone when opened belongs to no committed row; it used to fail the nightly backup."""
    from django.conf import settings

    _orders(1)
    doomed = Path(settings.MEDIA_ROOT) / "attachments" / "rolled-back-upload.png"
    doomed.write_bytes(PNG + b"tmp")
    real = backup._add_file

    def racing(tar: tarfile.TarFile, file: Path, name: str) -> dict | None:
        if file == doomed:  # the rollback's delete lands between the listing and the open
            doomed.unlink()
        return real(tar, file, name)

    monkeypatch.setattr(backup, "_add_file", racing)
    call_command("backup", str(tmp_path / "b.tar.gz"))
    out = capsys.readouterr().out
    assert "backup written" in out
    assert "1 file(s) removed from MEDIA_ROOT during the backup were skipped" in out
    assert "media/attachments/rolled-back-upload.png" in out
    manifest = verify(tmp_path / "b.tar.gz")
    assert manifest.skipped == ["media/attachments/rolled-back-upload.png"]
    assert manifest.tables["attachments_attachment"] == len(manifest.files) == 1


# --- 9. An archive without its database ---------------------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_an_archive_without_a_database_is_refused_and_the_target_kept(tmp_path: Path) -> None:
    """A handmade archive whose manifest says sqlite but holds no database passed every check and replaced
    the target with an empty database (or ended in a traceback)."""
    _orders(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")

    def drop_db(root: Path, data: dict) -> None:
        (root / "database" / "db.sqlite3").unlink()
        data["tables"] = {}

    bad = _rebuild(archive, tmp_path / "nodb.tar.gz", drop_db)
    target = _sqlite_file(tmp_path / "t.sqlite3", table="orgs_org")
    with pytest.raises(CommandError, match="restore failed: the archive holds no database"):
        call_command("restore", str(bad), "--check")
    with pytest.raises(BackupError, match="holds no database"):
        restore_backup(bad, database=target, media_root=tmp_path / "m")
    assert backup.sqlite_counts(target) == {"orgs_org": 1}


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_snapshot_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    _orders(1)
    archive, _ = create_backup(tmp_path / "good.tar.gz")

    def garble(root: Path, data: dict) -> None:
        (root / "database" / "db.sqlite3").write_bytes(b"not a database" * 100)

    bad = _rebuild(archive, tmp_path / "garbled.tar.gz", garble)
    with pytest.raises(CommandError, match="restore failed: the archive's database snapshot is not a readable"):
        call_command("restore", str(bad), "--check")
    target = tmp_path / "t.sqlite3"
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore_backup(bad, database=target, media_root=tmp_path / "m")
    assert not target.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_corrupted_archive_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    _orders(2)
    archive, _ = create_backup(tmp_path / "good.tar.gz")
    blob = bytearray(archive.read_bytes())
    if damage == "flip":
        for i in range(len(blob) // 2, len(blob) // 2 + 64):
            blob[i] ^= 0xFF
    else:
        blob = blob[: len(blob) * 2 // 3]
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(bytes(blob))
    with pytest.raises(CommandError, match="restore failed"):
        call_command("restore", str(bad), "--check")
    target = tmp_path / "t.sqlite3"
    with pytest.raises(BackupError):
        restore_backup(bad, database=target, media_root=tmp_path / "m")
    assert not target.exists()
