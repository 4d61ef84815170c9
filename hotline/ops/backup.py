"""Backups of the whole centre: one tar.gz with a consistent database snapshot, the attachments and a manifest.

    archive.tar.gz
      manifest.json        format, time, database vendor, rows per table, sha256 + size of every member
      database/db.sqlite3  SQLite: the online backup API (a consistent copy while others keep writing)
      database/db.dump     PostgreSQL: `pg_dump -Fc` on a snapshot exported by the transaction that counted
      media/<path>         every file under MEDIA_ROOT (attachments are written once, never changed)

The database is copied first and the files after it, so every attachment the snapshot knows is in the
archive; a file uploaded meanwhile is an extra one (harmless). Each file is read once, and its manifest
entry is the checksum of the bytes written into the archive: a file still being written is archived as
it stood when opened, and the archive still verifies. A failed backup leaves no `.part` file behind.
`restore` verifies every checksum before it touches anything, refuses a database that already holds
orders or people unless forced, and checks the row counts after restoring.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from hotline.core import clock

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/db.sqlite3"
PG_MEMBER = "database/db.dump"
#: Tables whose rows make a database "not empty" for restore (orders, people).
GUARDED_TABLES = ("tickets_ticket", "accounts_user")


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    tables: dict[str, int]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → {"sha256", "size"}
    format: int = FORMAT

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def parse(cls, text: str) -> Manifest:
        """The manifest of an archive; BackupError when it is not one this version wrote."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BackupError(f"manifest.json is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BackupError("manifest.json is not a JSON object")
        if data.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {data.get('format')!r} (this version reads {FORMAT})")
        missing = [k for k in ("created_at", "vendor", "tables", "members") if k not in data]
        if missing:
            raise BackupError(f"manifest.json lacks {', '.join(missing)}")
        tables, members = data["tables"], data["members"]
        if not (isinstance(data["created_at"], str) and isinstance(data["vendor"], str)
                and isinstance(tables, dict) and all(isinstance(n, int) for n in tables.values())
                and isinstance(members, dict) and all(
                    isinstance(m, dict) and isinstance(m.get("sha256"), str) and isinstance(m.get("size"), int)
                    for m in members.values())):
            raise BackupError("manifest.json is malformed (created_at, vendor, tables or members)")
        return cls(**{k: data[k] for k in ("created_at", "vendor", "tables", "members", "format")})

    @property
    def files(self) -> list[str]:
        return sorted(name for name in self.members if name.startswith("media/"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Database snapshots ----------------------------------------------------------------------------------


def _sqlite_path(alias: str = "default") -> Path:
    name = str(connections[alias].settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"cannot back up an in-memory SQLite database ({name})")
    return Path(name)


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file."""
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        db.close()


def snapshot_sqlite(target: Path, alias: str = "default") -> dict[str, int]:
    """Copy the live database to `target` with SQLite's online backup API; returns its rows per table."""
    source = sqlite3.connect(_sqlite_path(alias), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot even while other connections write
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (no -wal beside it)
    finally:
        copy.close()
        source.close()
    return sqlite_counts(target)


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program (HOTLINE_PG_BIN, else PATH)."""
    found = shutil.which(name, path=os.environ.get("HOTLINE_PG_BIN") or None)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (or set HOTLINE_PG_BIN)")
    return found


def _pg_env(alias: str = "default", dbname: str | None = None) -> dict[str, str]:
    cfg = {**connections[alias].settings_dict, **({"NAME": dbname} if dbname else {})}
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if cfg.get(key):
            env[var] = str(cfg[key])
    options = cfg.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def snapshot_postgresql(target: Path, alias: str = "default") -> dict[str, int]:
    """Count the rows and `pg_dump -Fc` the same snapshot (exported by a REPEATABLE READ transaction)."""
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = {}
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
            counts[table] = cursor.fetchone()[0]
        result = subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target)],
            env=_pg_env(alias), capture_output=True, text=True, check=False)
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return counts


# --- Backup ------------------------------------------------------------------------------------------------


def _archive_path(given: Path | str) -> Path:
    """The archive to write: `given` itself, or a dated file inside it when it names a directory — an existing
    one, one written with a trailing slash, or a new path without the .tar.gz suffix (created).

    The date and time in the name are the centre's (settings.TIME_ZONE): the 02:00 backup bears its own day."""
    path = Path(given)
    as_dir = path.is_dir() or str(given).endswith(("/", os.sep)) or (
        not path.exists() and not path.name.endswith((".tar.gz", ".tgz")))
    if as_dir:
        return path / f"hotline-backup-{timezone.localtime(clock.now()):%Y%m%d-%H%M%S}.tar.gz"
    return path


def create_backup(path: Path | str, *, media_root: Path | None = None,
                  alias: str = "default") -> tuple[Path, Manifest]:
    """Write the archive (a directory gets a dated file name); returns where and its manifest.

    Refuses a destination under MEDIA_ROOT (the archive would contain itself)."""
    path = _archive_path(path)
    media = Path(media_root or settings.MEDIA_ROOT)
    if path.resolve().is_relative_to(media.resolve()):
        raise BackupError(f"cannot write the backup inside MEDIA_ROOT ({media}): it would contain itself; "
                          f"choose another folder, e.g. /var/backups/hotline/")
    vendor = connections[alias].vendor
    with tempfile.TemporaryDirectory(prefix="hotline-backup-") as tmp:
        if vendor == "sqlite":
            member, dump = SQLITE_MEMBER, Path(tmp) / "db.sqlite3"
            tables = snapshot_sqlite(dump, alias)
        elif vendor == "postgresql":
            member, dump = PG_MEMBER, Path(tmp) / "db.dump"
            tables = snapshot_postgresql(dump, alias)
        else:
            raise BackupError(f"no backup method for the {vendor} database")
        manifest = Manifest(created_at=clock.now().isoformat(), vendor=vendor, tables=tables)
        partial = path.with_name(path.name + ".part")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(partial, "w:gz") as tar:
                manifest.members[member] = _add_file(tar, dump, member)
                if media.is_dir():
                    for file in sorted(p for p in media.rglob("*") if p.is_file() and not p.is_symlink()):
                        name = "media/" + file.relative_to(media).as_posix()
                        manifest.members[name] = _add_file(tar, file, name)
                blob = manifest.as_json().encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(blob), int(clock.now().timestamp())
                tar.addfile(info, fileobj=io.BytesIO(blob))
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)  # no half-written archive is left behind
            raise
    return path, manifest


class _HashingReader:
    """Reads at most `size` bytes of an open file and hashes exactly what it hands out."""

    def __init__(self, fh: Any, size: int) -> None:
        self.fh, self.left, self.digest = fh, size, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        block = self.fh.read(n) if n else b""
        self.left -= len(block)
        self.digest.update(block)
        return block


def _add_file(tar: tarfile.TarFile, file: Path, name: str) -> dict[str, Any]:
    """Put `file` into the archive as `name`; its manifest entry (sha256 and size) is of the very bytes written.

    The file is read once: its size is taken when it is opened and that many bytes are copied through a hash,
    so a file still being written meanwhile (an upload in progress) is archived as it was at that moment and
    the archive verifies. A file that shrank meanwhile cannot be archived consistently: BackupError."""
    with open(file, "rb") as fh:
        info = tar.gettarinfo(arcname=name, fileobj=fh)
        reader = _HashingReader(fh, info.size)
        try:
            tar.addfile(info, fileobj=reader)
        except OSError as exc:  # tarfile: "unexpected end of data"
            raise BackupError(f"{file} shrank while it was being archived ({exc}); run the backup again") from exc
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


# --- Restore -----------------------------------------------------------------------------------------------


def _safe(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and (name == MANIFEST or p.parts[0] in ("database", "media"))


def unpack(archive: Path, into: Path) -> Manifest:
    """Extract and verify: every member named in the manifest is present with the right size and sha256."""
    if not Path(archive).is_file():
        raise BackupError(f"no such backup: {archive}")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            bad = [m.name for m in members if not (m.isfile() and _safe(m.name))]
            if bad:
                raise BackupError(f"unexpected entries in the archive: {', '.join(bad[:5])}")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"not a readable backup archive: {exc}") from exc
    manifest_file = into / MANIFEST
    if not manifest_file.is_file():
        raise BackupError("the archive has no manifest.json")
    try:
        manifest = Manifest.parse(manifest_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BackupError("manifest.json is not UTF-8 text") from None
    present = {m.name for m in members} - {MANIFEST}
    missing, extra = set(manifest.members) - present, present - set(manifest.members)
    if missing or extra:
        raise BackupError(f"archive and manifest differ: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}")
    for name, meta in manifest.members.items():
        file = into / name
        if file.stat().st_size != meta["size"] or sha256_of(file) != meta["sha256"]:
            raise BackupError(f"checksum mismatch: {name}")
    return manifest


def verify(archive: Path) -> Manifest:
    """Check an archive without restoring it."""
    with tempfile.TemporaryDirectory(prefix="hotline-verify-") as tmp:
        manifest = unpack(Path(archive), Path(tmp))
        db = Path(tmp) / SQLITE_MEMBER
        if manifest.vendor == "sqlite" and sqlite_counts(db) != manifest.tables:
            raise BackupError("the database snapshot's row counts differ from the manifest")
        return manifest


def _sqlite_holds_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    counts = sqlite_counts(path)
    return any(counts.get(t, 0) for t in GUARDED_TABLES)


def _pg_query(alias: str, dbname: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one query on `dbname` of the alias' server (a database Django may not be configured for)."""
    import psycopg

    cfg = connections[alias].settings_dict
    # server_side_binding is Django's, not a libpq connection option.
    options = {k: v for k, v in (cfg.get("OPTIONS") or {}).items() if k != "server_side_binding"}
    with psycopg.connect(dbname=dbname, host=cfg.get("HOST") or None, port=cfg.get("PORT") or None,
                         user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
                         **options) as conn:
        return list(conn.execute(sql, params).fetchall())


def _postgres_counts(alias: str, dbname: str) -> dict[str, int]:
    tables = [r[0] for r in _pg_query(alias, dbname,
                                      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in sorted(tables))  # noqa: S608
    return dict(_pg_query(alias, dbname, union))


def _postgres_holds_data(alias: str, dbname: str) -> bool:
    counts = _postgres_counts(alias, dbname)
    return any(counts.get(t, 0) for t in GUARDED_TABLES)


def restore_backup(archive: Path, *, force: bool = False, database: Path | None = None,
                   media_root: Path | None = None, alias: str = "default") -> Manifest:
    """Restore the database and the attachments from an archive made by `create_backup`.

    `database` (a SQLite file, or a PostgreSQL database name on the same server) and `media_root` default
    to the configured ones. Refuses a database that
    already holds orders or people unless `force`. Returns the manifest (row counts verified).
    """
    media = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="hotline-restore-") as tmp:
        root = Path(tmp)
        manifest = unpack(Path(archive), root)
        vendor = manifest.vendor
        if database is None and vendor != connections[alias].vendor:
            raise BackupError(f"the archive holds a {vendor} database, this site uses {connections[alias].vendor}")
        if vendor == "sqlite":
            target = Path(database) if database else _sqlite_path(alias)
            if not force and _sqlite_holds_data(target):
                raise BackupError(f"{target} already holds orders or people; use --force to overwrite it")
            connections.close_all()
            _restore_sqlite(root / SQLITE_MEMBER, target)
            counts = sqlite_counts(target)
        elif vendor == "postgresql":
            dbname = str(database or connections[alias].settings_dict["NAME"])
            if not force and _postgres_holds_data(alias, dbname):
                raise BackupError(f"{dbname} already holds orders or people; use --force to overwrite it")
            connections.close_all()
            _restore_postgresql(root / PG_MEMBER, alias, dbname)
            counts = _postgres_counts(alias, dbname)
        else:
            raise BackupError(f"no restore method for a {vendor} database")
        wrong = {t: (n, counts.get(t)) for t, n in manifest.tables.items() if counts.get(t) != n}
        if wrong:
            raise BackupError(f"row counts after restore differ from the manifest: {dict(list(wrong.items())[:5])}")
        for name in manifest.files:
            destination = media / name.removeprefix("media/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, destination)
    return manifest


def _restore_sqlite(snapshot: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest)  # page by page into the live file, under SQLite's own locking
        dest.execute("PRAGMA journal_mode=WAL")
    finally:
        dest.close()
        source.close()


def _restore_postgresql(dump: Path, alias: str, dbname: str) -> None:
    result = subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", dbname,
         str(dump)],
        env=_pg_env(alias, dbname), capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
