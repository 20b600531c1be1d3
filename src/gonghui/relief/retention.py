"""Retention of hardship files: kept at least 10 years after exit (GONGHUI_RETENTION_DAYS["hardship_files"]),
then their household details are anonymised and their attachments deleted by `gonghui purge`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gonghui.core import retention
from gonghui.core.attachments import path_of
from gonghui.core.models import Attachment
from gonghui.relief.models import HardshipFile, HouseholdMember

ANONYMOUS = "（已匿名）"


def _cutoff(now: datetime) -> object:
    # An exit date is a Beijing calendar day: count back from today's Beijing date, not from UTC's (which is still
    # yesterday before 08:00 Beijing time).
    return timezone.localdate(now) - timedelta(days=settings.GONGHUI_RETENTION_DAYS["hardship_files"])


def hold(now: datetime) -> list[int]:
    """People with an open file, or a file closed less than the retention period ago: keep their registry file."""
    return list(HardshipFile.objects.filter(Q(exited_on__isnull=True) | Q(exited_on__gte=_cutoff(now)))
                .values_list("person_id", flat=True))


def purge(now: datetime, dry_run: bool) -> int:
    files = HardshipFile.objects.filter(exited_on__lt=_cutoff(now)).exclude(members__name=ANONYMOUS).distinct()
    count = files.count()
    if dry_run or not count:
        return count
    ids = list(files.values_list("id", flat=True))
    HouseholdMember.objects.filter(file_id__in=ids).update(name=ANONYMOUS, health="", schooling="", employment="",
                                                           guardian_name="", person=None)
    HardshipFile.objects.filter(id__in=ids).update(category_reason="", proposal_reason="", exit_reason="")
    from gonghui.relief.models import Application

    app_ids = list(Application.objects.filter(file_id__in=ids).values_list("id", flat=True))
    for attachment in Attachment.objects.filter(owner_type="relief.application", owner_id__in=app_ids):
        Path(path_of(attachment)).unlink(missing_ok=True)
    Attachment.objects.filter(owner_type="relief.application", owner_id__in=app_ids).delete()
    Application.objects.filter(id__in=app_ids).update(description="", bank_account="", bank_hash="")
    return count


retention.register_hold(hold)
retention.register_purge("hardship_files_anonymised", purge)
