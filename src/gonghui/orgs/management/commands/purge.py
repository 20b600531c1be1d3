"""`gonghui purge`: delete or anonymise personal data past its retention period (PIPL Art. 19, 47)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from gonghui.core import audit, retention
from gonghui.core.models import Job
from gonghui.orgs.models import LoginAttempt, Person, SmsCode


class Command(BaseCommand):
    help = "Delete or anonymise what is past the retention set in GONGHUI_RETENTION_DAYS."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run: bool = False, **options) -> None:  # noqa: ANN002, ANN003
        days = settings.GONGHUI_RETENTION_DAYS
        now = timezone.now()
        report = {}
        with transaction.atomic():
            attempts = LoginAttempt.objects.filter(at__lt=now - timedelta(days=days["login_attempts"]))
            codes = SmsCode.objects.filter(created_at__lt=now - timedelta(days=days["sms_codes"]))
            report["login_attempts"] = attempts.count()
            report["sms_codes"] = codes.count()
            old_jobs = Job.objects.filter(created_at__lt=now - timedelta(days=days["uploads"]))
            files = 0
            for job in old_jobs.exclude(source_file="", result_file=""):
                for name in (job.source_file, job.result_file):
                    path = Path(settings.MEDIA_ROOT) / name if name else None
                    if path is not None and path.is_file():
                        files += 1
                        if not dry_run:
                            path.unlink()
            report["uploaded_and_exported_files"] = files
            cutoff = timezone.localdate(now) - timedelta(days=days["transferred_people"])  # a Beijing date
            gone = Person.objects.filter(membership=Person.Membership.TRANSFERRED, updated_at__date__lt=cutoff,
                                         user__isnull=True).exclude(name="（已匿名）").exclude(
                pk__in=retention.held_people(now))
            report["people_anonymised"] = gone.count()
            if not dry_run:
                attempts.delete()
                codes.delete()
                old_jobs.update(source_file="", result_file="", problems=[])
                for person in gone:
                    self._anonymise(person)
            for name, handler in retention.PURGES.items():
                report[name] = handler(now, dry_run)
            if not dry_run and any(report.values()):
                audit.record(actor=None, action=audit.Action.DELETE, object_repr="retention purge",
                                 changes=report, actor_label="gonghui purge")
        for key, value in report.items():
            self.stdout.write(f"{key}: {value}{' (dry run)' if dry_run else ''}")

    @staticmethod
    def _anonymise(person: Person) -> None:
        """Keep the row (statistics still count it) but nothing that identifies the person."""
        person.name = "（已匿名）"
        person.name_initials = ""
        person.id_number = uuid.uuid4().hex
        person.id_hash = uuid.uuid4().hex + uuid.uuid4().hex
        person.id_masked = "**************" + "****"
        person.phone = person.phone_hash = person.phone_masked = ""
        person.bank_account = person.bank_hash = ""
        person.emergency_name = person.emergency_phone = ""
        person.hukou = person.residence = person.job = ""
        person.save()
        person.tags.clear()
