"""`hotline backup PATH`: the database (a consistent snapshot, while the site runs) and the attachments in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.backup import ARCHIVE_SUFFIXES, BackupError, create_backup


def check_destination(path: str) -> None:
    """Refuse an empty PATH (it would mean the current folder) and an archive whose folder does not exist
    (a mistyped folder is not created for a named archive; a folder given for a dated archive is)."""
    if not path.strip():
        raise CommandError("PATH is empty: give the archive to write (…/hotline.tar.gz) or a folder for a dated one "
                           "(…/backups/)")
    target = Path(path)
    if target.is_dir() or path.endswith(("/", "\\")) or not target.name.endswith(ARCHIVE_SUFFIXES):
        return
    if not target.parent.is_dir():
        raise CommandError(f"the archive's folder {target.parent} does not exist (or is not a folder): create it "
                           f"first, or give a folder (…/backups/) for a dated archive, which is created if missing")


class Command(BaseCommand):
    help = ("Back up the database and the attachments into one tar.gz (PATH, or a dated file inside PATH if a "
            "directory), readable by its owner only. An existing file is never replaced, an existing archive "
            "only with --overwrite.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to write (…/hotline.tar.gz, in an existing folder) or a "
                                         "directory for a dated one (created if missing: …/backups/ or a path "
                                         "without .tar.gz)")
        parser.add_argument("--overwrite", action="store_true",
                            help="replace an existing archive at PATH (a file that is not an archive never is)")

    def handle(self, *args: Any, path: str, overwrite: bool = False, **options: Any) -> None:
        check_destination(path)
        try:  # a string: a trailing slash means a directory
            written, manifest = create_backup(path, overwrite=overwrite)
        except (BackupError, OSError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        rows = sum(manifest.tables.values())
        self.stdout.write(f"backup written: {written} ({manifest.vendor}, {len(manifest.tables)} tables, "
                          f"{rows} rows, {len(manifest.files)} files, {written.stat().st_size} bytes)")
        if manifest.skipped:
            self.stdout.write(f"{len(manifest.skipped)} file(s) removed from MEDIA_ROOT during the backup were "
                              f"skipped (listed as \"skipped\" in manifest.json): {', '.join(manifest.skipped[:5])}")
