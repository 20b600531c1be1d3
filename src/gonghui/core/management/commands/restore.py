"""`gonghui restore ARCHIVE --yes`: replace the database and the uploaded files with a backup's, then check the
row counts and the ledger total against the backup's manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.core import backup, pagecache


class Command(BaseCommand):
    help = "Restore a `gonghui backup` archive over this installation (stop the app first)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")

    def handle(self, *args, archive: Path, yes: bool, **options) -> None:  # noqa: ANN002, ANN003
        manifest = backup.read_manifest(archive) if archive.exists() else None
        if manifest is None:
            raise CommandError(f"{archive} does not exist")
        if not yes:
            raise CommandError(f"this replaces all current data with the backup of {manifest['created_at']}; "
                               "add --yes to go on")
        try:
            after = backup.restore(archive)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        pagecache.clear()  # the restore wrote below the app: no cached answer may outlive it
        self.stdout.write(f"restored {archive}: {sum(after['tables'].values())} rows, counts and ledger total "
                          f"({after['ledger']['total']} yuan) as in the backup")
