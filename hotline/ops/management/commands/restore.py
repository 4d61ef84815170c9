"""`hotline restore PATH`: put back the database and the attachments from a `hotline backup` archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.backup import BackupError, restore_backup, verify


class Command(BaseCommand):
    help = ("Restore the database and attachments from a backup archive. Checksums, row counts and migrations "
            "are verified first; a database that already holds orders or people (or cannot be read) is refused "
            "unless --force. MEDIA_ROOT afterwards holds exactly the archive's files.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive written by `hotline backup`")
        parser.add_argument("--force", action="store_true", help="overwrite a database that holds data")
        parser.add_argument("--check", action="store_true",
                            help="only verify the archive (checksums, row counts, migrations known); change nothing")

    def handle(self, *args: Any, path: str, force: bool, check: bool, **options: Any) -> None:
        try:
            manifest = verify(Path(path)) if check else restore_backup(Path(path), force=force)
        except (BackupError, OSError, sqlite3.Error) as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        verb = "archive verified" if check else "restored"
        self.stdout.write(f"{verb}: {path} (made {manifest.created_at}, {manifest.vendor}, "
                          f"{sum(manifest.tables.values())} rows, {len(manifest.files)} files)")
