"""`gonghui jobs recover`: queue again the background jobs whose worker died (kill -9, a crash, a lost machine).

Each `gonghui worker` does this when it starts; run it every few minutes as well (the reminder timer does), so that
a job of a worker on a machine that did not come back is taken up by another once it has been silent for
GONGHUI_JOB_STALE_SECONDS.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gonghui.core import jobs


class Command(BaseCommand):
    help = "Background jobs. `recover`: queue again the running jobs whose worker is gone."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("recover", help="queue again the jobs whose worker is gone")

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if action == "recover":
            requeued = jobs.recover_abandoned()
            self.stdout.write(f"queued again: {len(requeued)}" + (f" ({', '.join(map(str, requeued))})" if requeued else ""))
