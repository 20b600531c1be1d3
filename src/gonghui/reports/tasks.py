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


# --- a large workbook uploaded as the day's report ---

UPLOAD_KIND = "reports.import"  # an import: the job page offers the annotated file (orgs job_annotated_view)
PROBLEMS_KEPT = 5000  # as the registry's imports: the first ones in the job, all of them in the annotated file


def start_upload(*, actor: Any, assignment: Assignment, enterprise: Any, day: dt.date, source: str,
                 source_name: str) -> Job:
    """Check and file a large uploaded workbook as a job (progress bar; every bad cell in the annotated copy)
    rather than in the request — a sheet of many thousand rows would otherwise answer with a page of megabytes
    of problems, or time out. The same checks and the same service as the inline upload."""
    assignment = scoping.assignments.get_or_404(actor, assignment.pk)
    with transaction.atomic():
        job = Job.objects.create(kind=UPLOAD_KIND, created_by=actor, unit_path=enterprise.unit.path,
                                 source_file=source, source_name=source_name[:255],
                                 params={"assignment": assignment.pk, "enterprise": enterprise.pk,
                                         "day": day.isoformat(), "mode": "file"})
        jobs.start(job)
    return job


def run_upload(job: Job) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from gonghui.orgs.models import Enterprise
    from gonghui.reports import services

    actor = User.objects.get(pk=job.created_by_id or 0)
    assignment = scoping.assignments.get_or_404(actor, job.params["assignment"])
    enterprise = Enterprise.objects.get(pk=job.params["enterprise"])
    day = dt.date.fromisoformat(job.params["day"])
    items = forms.parse_schema(assignment.template.current().schema)
    path = Path(settings.MEDIA_ROOT) / job.source_file
    existing = Report.objects.filter(assignment=assignment, enterprise=enterprise, period=day).first()
    try:
        data, problems = workbook.read_report(path, assignment.template.name, items,
                                              on_progress=lambda done, total: jobs.progress(job, done, total),
                                              stored=existing.data if existing is not None else None)
    except excel.FileRefused as refused:
        raise jobs.JobError(str(refused)) from refused
    table = workbook.table_of(items)
    rows = len(data.get(table.key) or []) if table is not None else 0
    if problems:
        Job.objects.filter(pk=job.pk).update(
            problems=[p.as_dict() for p in problems[:PROBLEMS_KEPT]], problem_count=len(problems),
            counts={"rows": rows, "rejected": len({p.row for p in problems})}, progress_done=rows, progress_total=rows,
            message=_("文件中有 %(n)d 处错误，未报送。请下载标注了错误的文件，改正后重新上传。") % {"n": len(problems)})
        return
    try:
        report = services.submit_report(actor=actor, assignment=assignment, enterprise=enterprise, period=day,
                                        data=data, channel="excel")
    except ValidationError as error:
        raise jobs.JobError(" ".join(error.messages)) from error
    Job.objects.filter(pk=job.pk).update(
        counts={"rows": rows}, progress_done=rows, progress_total=rows, message=_("已通过 Excel 报送%(late)s，共 %(n)d 行。") % {
            "late": _("（迟报）") if report.late else "", "n": rows})


jobs.register(UPLOAD_KIND, run_upload)
