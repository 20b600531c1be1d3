"""Running long work as `django.tasks` tasks: one task runs any Job through its kind's handler.

Apps register a handler per kind (`register("people.import", handler)`); `start(job)` enqueues
the task once the surrounding transaction commits. A handler reports progress with
`progress(job, done, total)`; whatever it raises marks the job failed with the message.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
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
    """Report progress; it is also the job's heartbeat (see `recover_abandoned`)."""
    job.progress_done = done
    fields = ["progress_done"]
    if total is not None:
        job.progress_total = total
        fields.append("progress_total")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **{f: getattr(job, f) for f in fields})


def this_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process, alive
    return True


def recover_abandoned(*, now: datetime | None = None) -> list[int]:
    """Queue again the running jobs whose worker is gone: on this machine, a worker process that no longer
    exists; elsewhere, one silent for GONGHUI_JOB_STALE_SECONDS. Every handler is safe to run again (imports
    match rows on their identity, batch grants resume after their last chunk and pay by idempotency key), so
    the job completes with nothing twice and nothing lost. After GONGHUI_JOB_MAX_ATTEMPTS it is failed instead.
    Run at each worker's start and by `gonghui jobs recover`."""
    now = now or timezone.now()
    host = socket.gethostname()
    stale = now - timedelta(seconds=settings.GONGHUI_JOB_STALE_SECONDS)
    requeued = []
    for job in Job.objects.filter(state=Job.State.RUNNING).only("pk", "runner", "heartbeat_at", "started_at",
                                                                 "attempts"):
        runner_host, _colon, pid = job.runner.rpartition(":")
        if runner_host == host and pid.isdigit():
            abandoned = not _alive(int(pid))
        else:
            abandoned = (job.heartbeat_at or job.started_at or now) < stale
        if not abandoned:
            continue
        with transaction.atomic():
            if job.attempts >= settings.GONGHUI_JOB_MAX_ATTEMPTS:
                Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
                    state=Job.State.FAILED, finished_at=now,
                    message=_("后台任务的工作进程多次中断，已停止重试，请联系管理员。"))
                continue
            if Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, runner=job.runner).update(
                    state=Job.State.QUEUED, message=_("工作进程中断，已重新排队，将从中断处继续。")):
                logger.warning("job %s: its worker %s is gone; queued again", job.pk, job.runner or "?")
                start(job)
                requeued.append(job.pk)
    return requeued


@task()
def run_job(job_id: int) -> dict[str, Any]:
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now(), runner=this_runner(),
        attempts=F("attempts") + 1)
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
