"""`gonghui deadline --start DATE (--days N | --working-days N)`: the last day of a statutory period.

Counted from the day after DATE by the one deadline helper, so that anyone can check a clock the app keeps.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from gonghui.core.deadlines import add_days
from gonghui.core.numbers import count_arg_upto


class Command(BaseCommand):
    help = "Print (ISO) the last day of a period of N days, or N working days, counted from the day after START."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--start", required=True, help="the event's date, YYYY-MM-DD")
        length = parser.add_mutually_exclusive_group(required=True)
        # core.numbers: "1e999", "nan", "²", "-3" are usage errors (exit 2); 100 years at most (past 9999: overflow)
        length.add_argument("--days", type=count_arg_upto(36_500), help="calendar days")
        length.add_argument("--working-days", type=count_arg_upto(36_500),
                            help="working days (official holidays and 调休 counted)")

    def handle(self, *args, start: str, days: int | None, working_days: int | None, **options) -> None:  # noqa: ANN002, ANN003
        try:
            event = date.fromisoformat(start)
        except ValueError as exc:
            raise CommandError(f"--start must be a date such as 2020-02-01, not {start!r}") from exc
        length = days if days is not None else working_days
        if length is None or length < 0:
            raise CommandError("the number of days must be zero or more")
        self.stdout.write(add_days(event, length, working=working_days is not None).isoformat())
