"""`gonghui reports open-periods`: make today's rollup rows for every running assignment (daily, just after
midnight), so that the day's submissions only add to rows. `gonghui reports remind`: the reminders in the hour
before and the hour after each deadline (every few minutes). Both are safe to run more than once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gonghui.core.deadlines import local_date
from gonghui.reports import rules, services, targets
from gonghui.reports.models import Assignment


class Command(BaseCommand):
    help = "报表的每日准备：为当日的报告期建立汇总行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["open-periods", "remind"])
        parser.add_argument("--day", help="the day to open (YYYY-MM-DD); today by default")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"] == "remind":
            self.stdout.write(f"已提醒 {services.run_reminders()} 人")
            return
        try:
            day = dt.date.fromisoformat(options["day"]) if options.get("day") else local_date(timezone.now())
        except ValueError as exc:
            raise CommandError("--day: YYYY-MM-DD") from exc
        # who owes reports today: enterprises that resumed, were suspended, registered or tagged in bulk (no signal)
        changed = targets.sync_all(day)
        self.stdout.write(f"{day}: {changed} 项填报任务的应报企业已更新")
        opened = 0
        for assignment in Assignment.objects.filter(start_on__lte=day, end_on__gte=day).select_related("template"):
            if rules.is_period(assignment.frequency, assignment.start_on, assignment.end_on, assignment.weekday, day):
                services.open_period(assignment=assignment, period=day)
                opened += 1
        self.stdout.write(f"{day}: {opened} 项填报任务已建立当日汇总行")
