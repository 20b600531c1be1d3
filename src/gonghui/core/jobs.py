"""Running long work as `django.tasks` tasks: one task runs any Job through its kind's handler.

Apps register a handler per kind (`register("people.import", handler)`); `start(job)` enqueues
the task once the surrounding transaction commits. A handler reports progress with
`progress(job, done, total)`; whatever it raises marks the job failed with the message.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from gonghui.core.models import Job

logger = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[Job], None]] = {}


class JobError(Exception):
    """A failure to report to the user as it is (a clear message, not a traceback)."""


def register(kind: str, handler: Callable[[Job], None]) -> None:
    HANDLERS[kind] = handler


def start(job: Job) -> Job:
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def progress(job: Job, done: int, total: int | None = None) -> None:
    job.progress_done = done
    fields = ["progress_done"]
    if total is not None:
        job.progress_total = total
        fields.append("progress_total")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


@task()
def run_job(job_id: int) -> dict[str, Any]:
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now())
    if not claimed:
        return {"skipped": True}  # already run (a task delivered twice does nothing twice)
    job = Job.objects.get(pk=job_id)
    try:
        HANDLERS[job.kind](job)
    except JobError as exc:
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, message=str(exc), finished_at=timezone.now())
        return {"state": "failed"}
    except Exception as exc:
        logger.error("job %s failed: %s", job_id, traceback.format_exc())
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, message=f"{exc.__class__.__name__}: {exc}",
                                             finished_at=timezone.now())
        return {"state": "failed"}
    job.refresh_from_db()
    if job.state == Job.State.RUNNING:
        Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, finished_at=timezone.now())
    return {"state": "done"}
