"""`gonghui membership escalate`: move join applications past their decision time to the union above.

`gonghui membership rebinds`: phone re-bindings whose cooling period is over take effect.

Run escalate daily and rebinds hourly (cron or a systemd timer, see docs/membership.md); the officials' queue page
escalates too, and a re-binding also takes effect when the new number asks for a sign-in code.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gonghui.membership import services


class Command(BaseCommand):
    help = ("Membership chores. `escalate`: applications past their decision time go to the union above; "
            "`rebinds`: phone re-bindings past their cooling period take effect.")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("escalate", help="escalate overdue join applications")
        commands.add_parser("rebinds", help="apply phone re-bindings whose cooling period is over")

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if action == "escalate":
            moved = services.escalate_overdue()
            self.stdout.write(f"escalated: {moved}")
        elif action == "rebinds":
            applied = services.apply_due_rebinds()
            self.stdout.write(f"re-bindings applied: {applied}")
