"""`gonghui bargaining clocks`: the daily run of every bargaining clock (answers, vacancies, votes, submission,
entry into force, expiry reminders). Safe to run more than once a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.bargaining import services


class Command(BaseCommand):
    help = "集体协商的每日时限：20日回应、代表空缺、投票截止、报送审查、15日生效、期满提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["clocks"])
        parser.add_argument("--today", help="run as of this date (YYYY-MM-DD), for catching up")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["today"]) if options.get("today") else None
        except ValueError as exc:
            raise CommandError("--today: YYYY-MM-DD") from exc
        run = services.run_clocks(today=today)
        self.stdout.write(
            f"未回应 {run.unanswered} · 空缺提醒 {run.vacancies} · 计票 {run.tallied} · 逾期报送提醒 {run.submissions_late}"
            f" · 生效 {run.in_force} · 期满提醒 {run.reminders} · 期满 {run.expired}")
