"""`gonghui backup [--to DIR]`: the database and the uploaded files in one archive (see `gonghui.core.backup`)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gonghui.core import backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup / pg_dump) and the uploaded files into one archive."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--to", type=Path, default=Path(settings.VAR_DIR) / "backups",
                            help="the folder for the archive (default: var/backups)")

    def handle(self, *args, to: Path, **options) -> None:  # noqa: ANN002, ANN003
        try:
            archive = backup.create(to)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(archive)
        self.stdout.write(f"{archive}  ({sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
                          f"ledger {manifest['ledger']['entries']} entries, {manifest['ledger']['total']} yuan)")
