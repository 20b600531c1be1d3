"""Background work of reporting: the consolidated table of a day, in the form's own layout, written to a file
as it is read (constant memory) — at once for a street, as a job with a progress bar for a province."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gonghui.core import audit, excel, jobs
from gonghui.core.models import Job
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Unit, User, subtree_q
from gonghui.reports import forms, scoping, workbook
from gonghui.reports.models import Assignment, Report


def _reports(actor: Any, assignment: Assignment, day: dt.date, unit: Unit) -> Any:
    unit = org_scoping.units.get_or_404(actor, unit.pk)
    reachable = org_scoping.enterprises.filter(actor).values("pk")
    return Report.objects.filter(subtree_q(unit.path, "unit__path"), assignment=assignment, period=day,
                                 enterprise_id__in=reachable).select_related("enterprise", "unit") \
        .order_by("unit__path", "enterprise__name")


def _write(actor: Any, assignment: Assignment, day: dt.date, unit: Unit, target: str,
           progress: Any = None) -> int:
    items = forms.parse_schema(assignment.template.current().schema)
    sheet = workbook.consolidated_sheet(assignment.template.name, items)
    rows = workbook.consolidated_rows(items, _reports(actor, assignment, day, unit).iterator(chunk_size=1000),
                                      health=lambda enterprise_id: scoping.may_read_health(actor, enterprise_id))
    count = excel.write_rows(sheet, rows, target, progress=progress)
    audit.record(actor=actor, action=audit.Action.EXPORT, obj=assignment, unit_path=unit.path,
                 changes={"consolidated": str(day), "rows": count})
    return count


def export_consolidated(*, actor: Any, assignment: Assignment, day: dt.date, unit: Unit) -> Path | Job:
    """The day's consolidated table as a file (the caller streams it), or a Job when more reports than
    GONGHUI_EXPORT_TASK_ROWS must be read. Raises `workbook.NotFlat` for a form with several tables."""
    assignment = scoping.assignments.get_or_404(actor, assignment.pk)
    workbook.table_of(forms.parse_schema(assignment.template.current().schema))
    count = _reports(actor, assignment, day, unit).count()
    if count > settings.GONGHUI_EXPORT_TASK_ROWS:
        with transaction.atomic():
            job = Job.objects.create(kind="reports.consolidated", created_by=actor, unit_path=unit.path,
                                     params={"assignment": assignment.pk, "day": day.isoformat(), "unit": unit.pk},
                                     progress_total=count)
            jobs.start(job)
        return job
    path = _file()
    _write(actor, assignment, day, unit, str(path))
    return path


def _file() -> Path:
    path = Path(settings.MEDIA_ROOT) / f"exports/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def run_consolidated(job: Job) -> None:
    actor = User.objects.get(pk=job.created_by_id or 0)
    assignment = scoping.assignments.get_or_404(actor, job.params["assignment"])
    unit = org_scoping.units.get_or_404(actor, job.params["unit"])
    path = _file()
    count = _write(actor, assignment, dt.date.fromisoformat(job.params["day"]), unit, str(path),
                   progress=lambda n: jobs.progress(job, n))
    Job.objects.filter(pk=job.pk).update(result_file=str(path.relative_to(settings.MEDIA_ROOT)),
                                         progress_done=count, counts={"rows": count})


jobs.register("reports.consolidated", run_consolidated)
