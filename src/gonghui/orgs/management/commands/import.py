"""`gonghui import people FILE --unit CODE` (or `enterprises`): the Excel import from the command line."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.core import jobs
from gonghui.core.models import Job
from gonghui.orgs import imports
from gonghui.orgs.models import Unit, User


class Command(BaseCommand):
    help = "Import people or enterprises from an .xlsx file, with the same checks as the web page."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("what", choices=("people", "enterprises"))
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="code of the union unit to import into")
        parser.add_argument("--as", dest="username", help="account that imports (default: the first superuser)")
        parser.add_argument("--mode", choices=("validate", "commit"), default="commit")
        parser.add_argument("--accept-clean", action="store_true", help="import the clean rows even if some are bad")

    def handle(self, *args, what: str, file: Path, unit: str, username: str | None, mode: str,  # noqa: ANN002
               accept_clean: bool, **options) -> None:  # noqa: ANN003
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"no union unit with code {unit}")
        actor = (User.objects.filter(username=username).first() if username
                 else User.objects.filter(is_superuser=True, is_active=True).order_by("id").first())
        if actor is None:
            raise CommandError("no such account (use --as USERNAME)")
        with file.open("rb") as handle:
            source = imports.save_upload(iter(lambda: handle.read(1 << 20), b""), file.name)
        job = Job.objects.create(kind=f"{what}.import", created_by=actor, unit_path=target.path, source_file=source,
                                 source_name=file.name,
                                 params={"unit": target.pk, "mode": mode, "accept_clean": accept_clean})
        # The same task the web queues, run here, with a progress bar drawn from the job's row.
        worker = threading.Thread(target=jobs.run_job.call, args=(job.pk,))
        worker.start()
        while worker.is_alive():
            self._bar(Job.objects.get(pk=job.pk))
            time.sleep(0.5)
        worker.join()
        job.refresh_from_db()
        self._bar(job)
        sys.stderr.write("\n")
        for problem in job.problems[:50]:
            self.stdout.write(f"  第 {problem['row']} 行 · {problem['column']} · {problem['value']} · {problem['reason']}")
        if job.problem_count > 50:
            self.stdout.write(f"  … 共 {job.problem_count} 处错误")
        counts = job.counts
        self.stdout.write(job.message or "")
        self.stdout.write(f"created={counts.get('created', 0)} updated={counts.get('updated', 0)} "
                          f"unchanged={counts.get('unchanged', 0)} rejected={counts.get('rejected', 0)}")
        if job.state == Job.State.FAILED:
            raise CommandError(job.message)
        if job.problem_count and not (accept_clean and mode == "commit"):
            sys.exit(2)

    def _bar(self, job: Job) -> None:
        width = 30
        filled = width * job.percent // 100
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {job.percent:3d}%  "
                         f"{job.progress_done}/{job.progress_total or '?'}  {job.get_state_display()}   ")
        sys.stderr.flush()
