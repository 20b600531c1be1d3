"""Make the audit log append-only in the database (see gonghui.core.audit_guard)."""

from django.db import migrations

from gonghui.core import audit_guard


def forwards(apps, schema_editor):
    audit_guard.install(schema_editor, ("audit",))


def backwards(apps, schema_editor):
    audit_guard.remove(schema_editor, ("audit",))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
