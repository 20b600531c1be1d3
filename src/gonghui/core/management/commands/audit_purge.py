"""`gonghui audit_purge`: drop audit entries older than the retention period (at least 180 days)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from gonghui.core.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit entries older than GONGHUI_AUDIT_RETENTION_DAYS (never fewer than 180 days)."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        days = max(180, settings.GONGHUI_AUDIT_RETENTION_DAYS)
        cutoff = timezone.now() - timedelta(days=days)
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        # The model refuses deletes; the database trigger allows this one because every
        # row it touches is past the 180-day floor.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608 - table name is ours
            deleted = cursor.rowcount
        self.stdout.write(f"audit entries older than {days} days deleted: {deleted}")
