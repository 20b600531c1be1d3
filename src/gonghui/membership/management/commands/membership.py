"""`gonghui membership escalate`: move join applications past their decision time to the union above.

Run it daily (cron or a systemd timer, see docs/membership.md); the officials' queue page runs it too.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gonghui.membership import services


class Command(BaseCommand):
    help = "Membership chores. `escalate`: applications past their decision time go to the union above."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("escalate", help="escalate overdue join applications")

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if action == "escalate":
            moved = services.escalate_overdue()
            self.stdout.write(f"escalated: {moved}")
