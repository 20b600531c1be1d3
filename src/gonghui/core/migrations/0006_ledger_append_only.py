"""Make the payments ledger append-only in the database (see gonghui.core.audit_guard)."""

from django.db import migrations

from gonghui.core import audit_guard


def forwards(apps, schema_editor):
    audit_guard.install(schema_editor, ("ledger",))


def backwards(apps, schema_editor):
    audit_guard.remove(schema_editor, ("ledger",))


class Migration(migrations.Migration):
    dependencies = [("core", "0005_ledger_attachments")]

    operations = [migrations.RunPython(forwards, backwards)]
