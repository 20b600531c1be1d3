"""Exporting the people and enterprise lists to XLSX: small lists at once, large ones as a job."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gonghui.core import audit, crypto, excel, jobs
from gonghui.core.masking import scrubbed, shown
from gonghui.core.models import Job
from gonghui.orgs import imports, scoping, selectors
from gonghui.orgs.models import Enterprise, Person, Unit, User


def person_rows(people: QuerySet[Person], *, full: bool) -> Iterator[dict[str, Any]]:
    for person in people.iterator(chunk_size=2000):
        yield {
            "name": person.name,
            "id_number": person.id_number if full else person.id_masked,
            "phone": person.phone if full else person.phone_masked,
            "unit_code": person.unit.code,
            "employer_code": person.employer.credit_code if person.employer_id else "",
            "job": person.job,
            "membership": person.membership,
            "member_since": person.member_since,
            "tags": ",".join(t.name for t in person.tags.all()),
            "hukou": person.hukou,
            "residence": person.residence,
            "emergency_name": person.emergency_name,
            "emergency_phone": person.emergency_phone if full else "",
            "bank_account": person.bank_account if full else shown(person.bank_account, "bank_account"),
            "basis": person.basis,
        }


def enterprise_rows(enterprises: QuerySet[Enterprise], *, full: bool = False) -> Iterator[dict[str, Any]]:
    for enterprise in enterprises.iterator(chunk_size=2000):
        yield {f: getattr(enterprise, f) for f in imports.EnterprisePlanner.fields} | {
            "credit_code": enterprise.credit_code, "unit_code": enterprise.unit.code}


SPECS = {
    "people": (imports.PEOPLE, selectors.people_list, person_rows),
    "enterprises": (imports.ENTERPRISES, selectors.enterprise_list, enterprise_rows),
}


def _filters(actor: User, filters: dict[str, Any]) -> dict[str, Any]:
    resolved = dict(filters)
    if resolved.get("unit") is not None:  # unit 0 is a unit that does not exist (404), not "no filter"
        resolved["unit"] = scoping.units.get_or_404(actor, resolved["unit"])
    return resolved


def export(*, actor: User, what: str, filters: dict[str, Any], full: bool = False) -> bytes | Job:
    """The filtered list as XLSX bytes, or a Job when it is longer than GONGHUI_EXPORT_TASK_ROWS.

    A full (unmasked) export is open only to those who may display full personal data, and
    is audited like any display of it.
    """
    sheet, select, rows = SPECS[what]
    if full and what == "people" and not _may_export_full(actor):
        full = False
    items = select(actor, **_filters(actor, filters))
    count = items.count()
    if count > settings.GONGHUI_EXPORT_TASK_ROWS:
        with transaction.atomic():
            # The job must run the same search later: a search text (perhaps an ID number) is kept sealed.
            job = Job.objects.create(kind=f"{what}.export", created_by=actor,
                                     params={"filters": _sealed_filters(filters), "full": full}, progress_total=count)
            jobs.start(job)
        return job
    buffer = io.BytesIO()
    excel.write_rows(sheet, rows(items, full=full), buffer)
    _audit_export(actor, what, filters, full, count)
    return buffer.getvalue()


SEARCH_TEXT = ("query",)


def _sealed_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: crypto.encrypt(v) if k in SEARCH_TEXT and isinstance(v, str) and v else v for k, v in filters.items()}


def _opened_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: crypto.decrypt(v) if k in SEARCH_TEXT and isinstance(v, str) and v.startswith(f"{crypto.PREFIX}:")
            else v for k, v in filters.items()}


def _scrubbed_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the audit log keeps them: a search text with any personal number in it masked."""
    return {k: scrubbed(v) if isinstance(v, str) else v for k, v in filters.items()}


def _may_export_full(actor: User) -> bool:
    return actor.is_superuser or bool(scoping.roles_of(actor, scoping.people.roles_by_action["reveal"]))


def _audit_export(actor: User, what: str, filters: dict[str, Any], full: bool, count: int) -> None:
    unit = actor.primary_unit
    audit.record(actor=actor, action=audit.Action.EXPORT if not full else audit.Action.REVEAL,
                 unit_path=unit.path if unit else "", object_repr=f"{what} export ({count})",
                 changes={"what": what, "filters": _scrubbed_filters(filters), "full": full, "rows": count})


def run_export(job: Job) -> None:
    what = job.kind.split(".")[0]
    sheet, select, rows = SPECS[what]
    actor = User.objects.get(pk=job.created_by_id)
    filters = _opened_filters(job.params.get("filters", {}))
    items = select(actor, **_filters(actor, filters))
    relative = f"exports/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}.xlsx"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    total = job.progress_total or items.count()
    count = excel.write_rows(sheet, rows(items, full=job.params.get("full", False)), str(path),
                             progress=lambda n: jobs.progress(job, n, total))
    Job.objects.filter(pk=job.pk).update(result_file=relative, progress_done=count, counts={"rows": count})
    _audit_export(actor, what, filters, job.params.get("full", False), count)


jobs.register("people.export", run_export)
jobs.register("enterprises.export", run_export)


def unit_choices(actor: User) -> QuerySet[Unit]:
    return scoping.units.filter(actor, action=scoping.CHANGE).order_by("path")
