"""`gonghui mediation clocks`: the daily run of mediation's clocks.

Negotiations unanswered for 5 days, acceptance decisions overdue, the statutory 15 days after which either
party may apply for arbitration, the end of the mediation period, reminders to mediators, agreed payments
past their date. Run it daily (cron or a systemd timer, see docs/mediation.md); a case's page runs the clocks
of that case too.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from gonghui.mediation import services


class Command(BaseCommand):
    help = "Mediation chores. `clocks`: apply every deadline due today."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        commands = parser.add_subparsers(dest="action", required=True)
        clocks = commands.add_parser("clocks", help="apply the deadlines due today (or on --today)")
        clocks.add_argument("--today", help="the day to run for, YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args, action: str, today: str | None = None, **options) -> None:  # noqa: ANN002, ANN003
        if action == "clocks":
            try:
                day = date.fromisoformat(today) if today else None
            except ValueError as exc:
                raise CommandError(f"--today must be a date such as 2020-02-01, not {today!r}") from exc
            counts = services.run_clocks(day)
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")
