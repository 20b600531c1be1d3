"""`gonghui deadline --start DATE (--days N | --working-days N | --months N)`: the last day of a statutory period.

Counted from the day after DATE by the one deadline helper (民法典 第二百零一条), so that anyone can check a clock
the app keeps: a period of days or months whose last day is a rest day ends on the first working day after it
(第二百零三条). When a year without a published arrangement was used, the provisional note goes to stderr.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from gonghui.core.deadlines import PROVISIONAL_NOTE, add_days, period_end, relies_on_provisional
from gonghui.core.numbers import count_arg_upto

_MAX = {"days": 36600, "working_days": 25000, "months": 1200}


class Command(BaseCommand):
    help = ("Print (ISO) the last day of a period of N days, N working days or N months, counted from the day "
            "after START; a last day that is a rest day rolls to the next working day.")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--start", required=True, help="the event's date, YYYY-MM-DD")
        length = parser.add_mutually_exclusive_group(required=True)
        # core.numbers: "1e999", "nan", "²", "-3" are usage errors (exit 2); about 100 years at most
        length.add_argument("--days", type=count_arg_upto(_MAX["days"]),
                            help="calendar days (rolled past a last rest day)")
        length.add_argument("--working-days", type=count_arg_upto(_MAX["working_days"]),
                            help="working days (official holidays and 调休 counted)")
        length.add_argument("--months", type=count_arg_upto(_MAX["months"]),
                            help="months (民法典 第二百零二条; rolled past a last rest day)")

    def handle(self, *args, start: str, days: int | None, working_days: int | None, months: int | None,
               **options) -> None:  # noqa: ANN002, ANN003
        try:
            event = date.fromisoformat(start)
        except ValueError as exc:
            raise CommandError(f"--start must be a date such as 2020-02-01, not {start!r}", returncode=2) from exc
        kind, length = next((k, n) for k, n in (("days", days), ("working_days", working_days), ("months", months))
                            if n is not None)
        if length < 0 or length > _MAX[kind]:
            raise CommandError(f"the number must be between 0 and {_MAX[kind]}", returncode=2)
        try:
            if kind == "months":
                last = period_end(event, months=length)
            else:
                last = add_days(event, length, working=kind == "working_days")
        except (OverflowError, ValueError) as exc:
            raise CommandError(f"no such period: {exc}", returncode=2) from exc
        self.stdout.write(last.isoformat())
        if relies_on_provisional(event, last):
            self.stderr.write(str(PROVISIONAL_NOTE))
