"""`hotline backup PATH`: the database (a consistent snapshot, while the site runs) and the attachments in one archive."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the attachments into one tar.gz (PATH, or a dated file inside PATH if a directory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to write (…/hotline.tar.gz) or a directory for a dated one "
                                         "(created if missing: …/backups/ or a path without .tar.gz)")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            written, manifest = create_backup(path)  # a string: a trailing slash means a directory
        except (BackupError, OSError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        rows = sum(manifest.tables.values())
        self.stdout.write(f"backup written: {written} ({manifest.vendor}, {len(manifest.tables)} tables, "
                          f"{rows} rows, {len(manifest.files)} files, {written.stat().st_size} bytes)")
