"""`gonghui worker [--burst]`: run background tasks (imports, exports, batch payments, reminders sent later) —
on RQ workers when GONGHUI_TASKS_BACKEND=rq (a city's or province's deployment), else from the database queue.
Run several beside each other; each task is claimed by one worker only. At its start a worker queues again the jobs
whose worker died (`gonghui jobs recover`)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gonghui.core import jobs


class Command(BaseCommand):
    help = "Run the background-task worker of this deployment (RQ or the database queue)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--burst", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, burst: bool, **options) -> None:  # noqa: ANN002, ANN003
        requeued = jobs.recover_abandoned()  # the jobs of a worker that died are taken up again
        if requeued:
            self.stdout.write(f"queued again (their worker was gone): {', '.join(map(str, requeued))}")
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
            call_command("rqworker", "default", "--job-class", "django_tasks_rq.Job", *(["--burst"] if burst else []))
        else:
            call_command("db_worker", "--no-startup-delay", *(["--batch"] if burst else []))
