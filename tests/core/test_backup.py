"""`gonghui backup` and `gonghui restore` on the real database (SQLite and PostgreSQL): the archive holds the
database and the uploaded files, no plain personal data, and its restore gives back every row, the ledger total
and the files; an archive of another engine, or no archive at all, is refused and changes nothing."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gonghui.core import backup
from gonghui.orgs.models import Tag, Unit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("guards_lifted_for_flush")]


def _database_text(archive: Path, tmp_path: Path) -> bytes:
    """The database as bytes one can search for a plain value (a PostgreSQL dump turned back into SQL)."""
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp_path / "x", filter="data")
    if (tmp_path / "x" / "database.sqlite3").exists():
        return (tmp_path / "x" / "database.sqlite3").read_bytes()
    return subprocess.run(["pg_restore", "--file", "-", str(tmp_path / "x" / "database.pgdump")],
                          check=True, capture_output=True).stdout


def test_backup_and_restore_give_back_every_row_and_file(demo_tree, persona, tmp_path, settings) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = Path(settings.MEDIA_ROOT) / "attachments" / "2026" / "proof.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4 a receipt")
    worker = persona("worker1").person
    out = io.StringIO()
    call_command("backup", to=tmp_path / "backups", stdout=out)
    archive = next((tmp_path / "backups").glob("gonghui-backup-*.tar.gz"))
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = backup.read_manifest(archive)
    assert manifest["engine"] == connection.vendor and manifest["tables"] == backup.figures()["tables"]
    assert manifest["tables"]["orgs_unit"] == Unit.objects.count() > 0
    text = _database_text(archive, tmp_path)
    assert worker.id_number.encode() not in text and worker.phone.encode() not in text  # sealed in the backup
    assert worker.id_masked.encode() in text  # …and the backup really holds the people

    street = Unit.objects.get(code="610104001")
    Tag.objects.create(name="备份之后")
    Unit.objects.filter(pk=street.pk).update(name="改过的名字")
    upload.unlink()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    assert Tag.objects.filter(name="备份之后").exists()  # refused without --yes: nothing changed
    call_command("restore", str(archive), yes=True, stdout=out)
    assert not Tag.objects.filter(name="备份之后").exists()
    assert Unit.objects.get(pk=street.pk).name == street.name
    assert upload.read_bytes() == b"%PDF-1.4 a receipt"
    assert backup.figures() == {k: manifest[k] for k in ("tables", "ledger")}
    assert "restored" in out.getvalue()


def test_an_archive_of_another_engine_or_no_archive_is_refused(demo_tree, tmp_path) -> None:  # noqa: ANN001
    archive = tmp_path / "other.tar.gz"
    manifest = {"format": backup.FORMAT, "engine": "oracle", "created_at": "2026-01-01", "tables": {},
                "ledger": {"entries": 0, "total": "0.00"}}
    with tarfile.open(archive, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    before = backup.figures()
    with pytest.raises(CommandError, match="oracle"):
        call_command("restore", str(archive), yes=True)
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(b"not a tar")
    with pytest.raises(backup.BackupError, match="not a Gonghui backup"):
        backup.read_manifest(not_a_backup)
    assert backup.figures() == before
    assert settings.DATABASES["default"]["ENGINE"]
