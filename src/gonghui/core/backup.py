"""Backups of a whole installation — the database and the uploaded files — in one archive, and their restore.

The archive (`gonghui-backup-<time>.tar.gz`, readable by its owner only) holds `manifest.json` (the engine, the
time, every table's row count, the payments ledger's count and total), the database (SQLite: a consistent copy
taken with SQLite's online backup API while the app runs; PostgreSQL: `pg_dump --format=custom`) and `media/`
(attachments, imports, exports). Personal data is in it as the database holds it: sealed. Restoring checks the
archive belongs to this engine, replaces the database and the files, then counts again against the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why (nothing was changed by a refused restore)."""


def figures(using: str = "default") -> dict[str, Any]:
    """Every table's row count and the ledger's count and total: what a restore or a move must give back."""
    from gonghui.core.models import PaymentEntry

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = model._default_manager.using(using).count()
    entries = PaymentEntry.objects.using(using)
    ledger = entries.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return {"tables": dict(sorted(tables.items())), "ledger": {"entries": entries.count(), "total": f"{ledger:.2f}"}}


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")),
                                        ("PGUSER", db.get("USER")), ("PGPASSWORD", db.get("PASSWORD")),
                                        ("PGDATABASE", db.get("NAME"))) if v})
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install -y postgresql-client)")
    return found


def create(target_dir: Path) -> Path:
    """Write a backup archive into `target_dir` and return its path."""
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".backup-") as work:
        root = Path(work)
        manifest = {"format": FORMAT, "engine": connection.vendor, "created_at": timezone.now().isoformat(),
                    **figures()}
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            copy = sqlite3.connect(root / "database.sqlite3")
            with copy:
                connection.connection.backup(copy)
            copy.close()
        elif connection.vendor == "postgresql":
            subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",  # noqa: S603
                            "--file", str(root / "database.pgdump")], env=_pg_env(), check=True,
                           capture_output=True)
        else:
            raise BackupError(f"no backup for the {connection.vendor} engine")
        (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        archive = target_dir / f"gonghui-backup-{stamp}.tar.gz"
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(root / "manifest.json", arcname="manifest.json")
            for name in ("database.sqlite3", "database.pgdump"):
                if (root / name).exists():
                    tar.add(root / name, arcname=name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, arcname="media")
        os.chmod(partial, 0o600)
        partial.replace(archive)
    return archive


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Gonghui backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has backup format {manifest.get('format')}, this version reads {FORMAT}")
    return manifest


@contextmanager
def _extracted(archive: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gonghui-restore-") as work, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(work, filter="data")  # no absolute paths, no "..", no devices
        yield Path(work)


def restore(archive: Path) -> dict[str, Any]:
    """Replace this installation's database and files with the archive's; returns the figures counted after."""
    manifest = read_manifest(archive)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"the backup is of a {manifest['engine']} database, this installation runs "
                          f"{connection.vendor} (to move between them: gonghui migrate-data)")
    with _extracted(archive) as root:
        if connection.vendor == "sqlite":
            source = sqlite3.connect(root / "database.sqlite3")
            connections.close_all()
            connection.ensure_connection()
            with source:
                source.backup(connection.connection)
            source.close()
        else:
            connections.close_all()
            subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",  # noqa: S603
                            "--single-transaction", "--dbname", str(connection.settings_dict["NAME"]),
                            str(root / "database.pgdump")], env=_pg_env(), check=True, capture_output=True)
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        if (root / "media").exists():
            shutil.copytree(root / "media", media)
    after = figures()
    if (after["tables"], after["ledger"]) != (manifest["tables"], manifest["ledger"]):
        wrong = sorted(t for t in manifest["tables"] if after["tables"].get(t) != manifest["tables"][t])
        raise BackupError(f"restored, but the counts differ from the backup's: {wrong or after['ledger']}")
    return after
