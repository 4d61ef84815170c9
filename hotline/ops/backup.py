"""Backups of the whole centre: one tar.gz with a consistent database snapshot, the attachments and a manifest.

    archive.tar.gz
      manifest.json        format, time, database vendor, rows per table, sha256 + size of every member
      database/db.sqlite3  SQLite: the online backup API (a consistent copy while others keep writing)
      database/db.dump     PostgreSQL: `pg_dump -Fc` on a snapshot exported by the transaction that counted
      media/<path>         every file under MEDIA_ROOT (attachments are written once, never changed)

The database is copied first and the files after it, so every attachment the snapshot knows is in the
archive; a file uploaded meanwhile is an extra one (harmless). Each file is read once, and its manifest
entry is the checksum of the bytes written into the archive: a file still being written is archived as
it stood when opened, and the archive still verifies; a file removed meanwhile (a rolled-back upload) is
skipped and named in the manifest. A failed backup leaves no `.part` file behind. The archive is readable
by its owner only (0600), and an existing file is never replaced unless it is an archive and `overwrite`
is given.

`restore` checks everything before it touches anything: every checksum, the snapshot's row counts against
the manifest, and that every migration the snapshot has applied is known to this code (a backup of a newer
release is refused). It refuses a database that holds orders or people (or a SQLite file it cannot read)
unless forced, builds the new SQLite file and the new attachment folder beside the live ones, and swaps
them in at the end.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
#: The database member of each vendor's archive.
DATABASE_MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": PG_MEMBER}
#: The endings of a path that names the archive itself (anything else is a folder for a dated archive).
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
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
    #: Files of MEDIA_ROOT listed by the backup but gone when it opened them (rolled-back uploads).
    skipped: list[str] = field(default_factory=list)

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
        member = DATABASE_MEMBERS.get(data["vendor"])
        if member and member not in members:
            raise BackupError(f"the archive holds no database: its manifest ({data['vendor']}) lists no {member}")
        skipped = data.get("skipped", [])
        if not (isinstance(skipped, list) and all(isinstance(n, str) for n in skipped)):
            raise BackupError("manifest.json is malformed (skipped)")
        return cls(**{k: data[k] for k in ("created_at", "vendor", "tables", "members", "format")}, skipped=skipped)

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
        not path.exists() and not path.is_symlink() and not path.name.endswith(ARCHIVE_SUFFIXES))
    if as_dir:
        return path / f"hotline-backup-{timezone.localtime(clock.now()):%Y%m%d-%H%M%S}.tar.gz"
    return path


def check_replaceable(path: Path, *, overwrite: bool = False) -> None:
    """Refuse to write the archive over an existing file: never over one that is not an archive (a slip such as
    `hotline backup /var/lib/hotline/hotline.sqlite3` would replace the live database), and over an existing
    archive only with `overwrite`."""
    if not (path.exists() or path.is_symlink()):
        return
    if path.is_symlink() or not path.is_file():
        raise BackupError(f"{path} exists and is not a regular file; give a new archive name or a folder")
    with open(path, "rb") as fh:
        gzip_file = fh.read(2) == b"\x1f\x8b"
    if not (path.name.endswith(ARCHIVE_SUFFIXES) and gzip_file):
        raise BackupError(f"{path} exists and is not a backup archive: it is never replaced (did you mean a "
                          f"folder for a dated archive, e.g. /var/backups/hotline/?)")
    if not overwrite:
        raise BackupError(f"{path} already exists; use --overwrite to replace that archive, or give another name")


def _make_private_dirs(folder: Path) -> None:
    """Create `folder` and its missing parents readable by the owner only (0700); existing ones are kept as they are."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700, exist_ok=True)


@contextmanager
def _private_file(path: Path) -> Iterator[Any]:
    """A binary handle on `path`, created (or truncated) with mode 0600 whatever the umask: the archive holds
    every citizen's name, number and address."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.fchmod(fd, 0o600)  # a stale .part file keeps its old mode through O_CREAT
    with os.fdopen(fd, "wb") as fh:
        yield fh


def create_backup(path: Path | str, *, media_root: Path | None = None, overwrite: bool = False,
                  alias: str = "default") -> tuple[Path, Manifest]:
    """Write the archive (a directory gets a dated file name, created 0700 if missing); returns where and its
    manifest. The archive is written 0600 as `….part` and renamed into place when complete.

    Refuses a destination under MEDIA_ROOT (the archive would contain itself), an existing file that is not an
    archive, and an existing archive unless `overwrite`. A file of MEDIA_ROOT removed between the listing and
    its opening (a rolled-back upload deletes its file) is skipped and named in `manifest.skipped`."""
    path = _archive_path(path)
    media = Path(media_root or settings.MEDIA_ROOT)
    if path.resolve().is_relative_to(media.resolve()):
        raise BackupError(f"cannot write the backup inside MEDIA_ROOT ({media}): it would contain itself; "
                          f"choose another folder, e.g. /var/backups/hotline/")
    check_replaceable(path, overwrite=overwrite)
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
        _make_private_dirs(path.parent)
        try:
            with _private_file(partial) as out, tarfile.open(fileobj=out, mode="w:gz") as tar:
                manifest.members[member] = _add_file(tar, dump, member)
                if media.is_dir():
                    for file in sorted(p for p in media.rglob("*") if p.is_file() and not p.is_symlink()):
                        name = "media/" + file.relative_to(media).as_posix()
                        entry = _add_file(tar, file, name)
                        if entry is None:
                            manifest.skipped.append(name)
                        else:
                            manifest.members[name] = entry
                blob = manifest.as_json().encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(blob), int(clock.now().timestamp())
                tar.addfile(info, fileobj=io.BytesIO(blob))
            check_replaceable(path, overwrite=overwrite)  # nothing appeared there meanwhile
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


def _add_file(tar: tarfile.TarFile, file: Path, name: str) -> dict[str, Any] | None:
    """Put `file` into the archive as `name`; its manifest entry (sha256 and size) is of the very bytes written.

    The file is read once: its size is taken when it is opened and that many bytes are copied through a hash,
    so a file still being written meanwhile (an upload in progress) is archived as it was at that moment and
    the archive verifies. A file that shrank meanwhile cannot be archived consistently: BackupError. A file
    gone before it could be opened (removed since the folder was listed) is not archived: None."""
    try:
        fh = open(file, "rb")  # noqa: SIM115 - closed below; only the open may find the file gone
    except FileNotFoundError:
        return None
    with fh:
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


@contextmanager
def _sqlite_errors(what: str) -> Iterator[None]:
    """Turn SQLite's own errors (a damaged or foreign file) into a BackupError naming `what`."""
    try:
        yield
    except sqlite3.Error as exc:
        raise BackupError(f"{what} is not a readable SQLite database ({exc})") from exc


def known_migrations() -> dict[str, set[str]]:
    """The migrations this code knows, per app label (a squashed migration and those it replaces)."""
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, set[str]] = {}
    for (app, name), migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.items():
        known.setdefault(app, set()).add(name)
        for replaced_app, replaced in migration.replaces:
            known.setdefault(replaced_app, set()).add(replaced)
    return known


def unknown_migrations(applied: set[tuple[str, str]]) -> list[str]:
    """The applied migrations ("app.name") of installed apps that this code does not know: the database was
    migrated by a newer release. Rows of apps no longer installed are not counted."""
    from django.apps import apps

    installed = {config.label for config in apps.get_app_configs()}
    known = known_migrations()
    return sorted(f"{app}.{name}" for app, name in applied if app in installed and name not in known.get(app, set()))


def _sqlite_migrations(path: Path) -> set[tuple[str, str]]:
    """The migrations recorded in a SQLite file (none in a database never migrated)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'").fetchone():
            return set()
        return {(app, name) for app, name in db.execute("SELECT app, name FROM django_migrations")}
    finally:
        db.close()


def copy_rows(text: str, table: str) -> list[dict[str, str]]:
    """The rows of `table` in the text of a plain-format dump (its `COPY … FROM stdin;` block; none without one,
    as in a database never migrated)."""
    rows: list[dict[str, str]] = []
    columns: list[str] | None = None
    for line in text.splitlines():
        if columns is None:
            head, _, rest = line.partition(" (")
            if line.startswith("COPY ") and head.replace('"', "").split(".")[-1] == table \
                    and line.endswith(" FROM stdin;"):
                columns = [c.strip().strip('"') for c in rest.rpartition(")")[0].split(",")]
        elif line == "\\.":
            return rows
        else:
            rows.append(dict(zip(columns, line.split("\t"), strict=False)))
    return rows


def _pg_dump_migrations(dump: Path) -> set[tuple[str, str]]:
    """The django_migrations rows of a `pg_dump -Fc` file, read by pg_restore without any server."""
    result = subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(dump)],
        capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"pg_restore cannot read the database dump: {result.stderr.strip()[:500]}")
    return {(row["app"], row["name"]) for row in copy_rows(result.stdout, "django_migrations")}


def check_snapshot(root: Path, manifest: Manifest) -> None:
    """The checks of an unpacked snapshot, before anything is restored: every migration it has applied is
    known to this code (a backup of a newer release is refused), and a SQLite snapshot's rows per table
    equal the manifest's."""
    if manifest.vendor == "sqlite":
        db = root / SQLITE_MEMBER
        with _sqlite_errors("the archive's database snapshot"):
            applied, counts = _sqlite_migrations(db), sqlite_counts(db)
        if counts != manifest.tables:
            raise BackupError("the database snapshot's row counts differ from the manifest")
    elif manifest.vendor == "postgresql":
        applied = _pg_dump_migrations(root / PG_MEMBER)
    else:
        raise BackupError(f"no restore method for a {manifest.vendor} database")
    unknown = unknown_migrations(applied)
    if unknown:
        raise BackupError(f"the backup comes from a newer release: its database has {len(unknown)} migration(s) "
                          f"this code does not know ({', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''}); "
                          f"restore it with that release or a newer one")


def verify(archive: Path) -> Manifest:
    """Check an archive without restoring it: checksums, the snapshot's row counts and migrations."""
    with tempfile.TemporaryDirectory(prefix="hotline-verify-") as tmp:
        manifest = unpack(Path(archive), Path(tmp))
        check_snapshot(Path(tmp), manifest)
        return manifest


def _sqlite_refusal(path: Path) -> str | None:
    """Why restoring over this SQLite file needs --force (it holds orders or people, or cannot be read and may
    hold anything), or None."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        counts = sqlite_counts(path)
    except sqlite3.Error as exc:
        return f"cannot be read as a SQLite database ({exc}) and may hold data"
    return "already holds orders or people" if any(counts.get(t, 0) for t in GUARDED_TABLES) else None


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


def _wrong_counts(manifest: Manifest, counts: dict[str, int]) -> None:
    wrong = {t: (n, counts.get(t)) for t, n in manifest.tables.items() if counts.get(t) != n}
    if wrong:
        raise BackupError(f"row counts after restore differ from the manifest: {dict(list(wrong.items())[:5])}")


def restore_backup(archive: Path, *, force: bool = False, database: Path | None = None,
                   media_root: Path | None = None, alias: str = "default") -> Manifest:
    """Restore the database and the attachments from an archive made by `create_backup`.

    `database` (a SQLite file, or a PostgreSQL database name on the same server) and `media_root` default
    to the configured ones. Everything is checked before anything changes (`verify`'s checks on the unpacked
    snapshot). Refuses a database that already holds orders or people — or a SQLite file that cannot be read —
    unless `force`. The new SQLite file and the new attachment folder are built beside the live ones and
    swapped in at the end; afterwards MEDIA_ROOT holds exactly the archive's files. Returns the manifest.
    """
    media = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="hotline-restore-") as tmp:
        root = Path(tmp)
        manifest = unpack(Path(archive), root)
        vendor = manifest.vendor
        if database is None and vendor != connections[alias].vendor:
            raise BackupError(f"the archive holds a {vendor} database, this site uses {connections[alias].vendor}")
        check_snapshot(root, manifest)
        if vendor == "sqlite":
            target = Path(database) if database else _sqlite_path(alias)
            if target.resolve().is_relative_to(media.resolve()):
                raise BackupError(f"the database {target} is inside MEDIA_ROOT ({media}); refusing to restore")
            refusal = _sqlite_refusal(target)
            if refusal and not force:
                raise BackupError(f"{target} {refusal}; use --force to overwrite it")
            files = _StagedMedia(media, root, manifest)
            try:
                staged = _stage_sqlite(root / SQLITE_MEMBER, target)
                try:
                    with _sqlite_errors("the restored database"):
                        _wrong_counts(manifest, sqlite_counts(staged))
                    connections.close_all()
                    _swap_sqlite(staged, target)
                finally:
                    _remove_sqlite(staged)
            except BaseException:
                files.discard()
                raise
        else:
            dbname = str(database or connections[alias].settings_dict["NAME"])
            if not force and _postgres_holds_data(alias, dbname):
                raise BackupError(f"{dbname} already holds orders or people; use --force to overwrite it")
            files = _StagedMedia(media, root, manifest)
            try:
                connections.close_all()
                _restore_postgresql(root / PG_MEMBER, alias, dbname)  # one transaction: all or nothing
                _wrong_counts(manifest, _postgres_counts(alias, dbname))
            except BaseException:
                files.discard()
                raise
        files.swap()
    return manifest


def _stage_sqlite(snapshot: Path, target: Path) -> Path:
    """A new database file beside `target` (same folder, so it can be renamed over it), copied from the
    snapshot; the target's mode (and owner, when allowed) or 0600 for a new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".restore")
    os.close(handle)
    staged = Path(name)
    try:
        with _sqlite_errors("the archive's database snapshot"):
            source, dest = sqlite3.connect(snapshot), sqlite3.connect(staged)
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode=WAL")
            finally:
                dest.close()
                source.close()
        if target.exists():
            old = target.stat()
            os.chmod(staged, stat.S_IMODE(old.st_mode))
            with suppress(PermissionError):
                os.chown(staged, old.st_uid, old.st_gid)
    except BaseException:
        _remove_sqlite(staged)
        raise
    return staged


def _remove_sqlite(path: Path) -> None:
    """Remove a SQLite file and the files SQLite keeps beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _swap_sqlite(staged: Path, target: Path) -> None:
    """Put the staged file in the target's place; the old file's -wal, -shm and -journal go first, so that
    SQLite never applies them to the new file."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


class _StagedMedia:
    """The archive's files copied into a new hidden folder inside MEDIA_ROOT (the same file system, so that
    the swap is renames, and MEDIA_ROOT may be a mount point); `swap` moves the old entries aside, the new
    ones in, and deletes the old; `discard` removes the staged copy."""

    PREFIX = ".hotline-restore-"

    def __init__(self, media: Path, root: Path, manifest: Manifest) -> None:
        self.media = media
        media.mkdir(parents=True, exist_ok=True)
        self.new = Path(tempfile.mkdtemp(dir=media, prefix=f"{self.PREFIX}new-"))
        try:
            for name in manifest.files:
                destination = self.new / name.removeprefix("media/")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / name, destination)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        shutil.rmtree(self.new, ignore_errors=True)

    def swap(self) -> None:
        old = Path(tempfile.mkdtemp(dir=self.media, prefix=f"{self.PREFIX}old-"))
        moved_out: list[Path] = []
        moved_in: list[Path] = []
        try:
            for entry in sorted(self.media.iterdir()):
                if entry not in (old, self.new) and entry.name != "lost+found":  # MEDIA_ROOT may be a mount
                    entry.rename(old / entry.name)
                    moved_out.append(entry)
            for entry in sorted(self.new.iterdir()):
                entry.rename(self.media / entry.name)
                moved_in.append(entry)
        except BaseException:  # put the old files back; the database was restored, so say so
            for entry in moved_in:
                (self.media / entry.name).rename(entry)
            for entry in moved_out:
                (old / entry.name).rename(entry)
            old.rmdir()
            self.discard()
            raise
        self.new.rmdir()
        shutil.rmtree(old)


def _restore_postgresql(dump: Path, alias: str, dbname: str) -> None:
    result = subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", dbname,
         str(dump)],
        env=_pg_env(alias, dbname), capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
