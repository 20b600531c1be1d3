"""`gonghui calendar load FILE [--replace] [--actor USERNAME]` and `gonghui calendar show YEAR`.

`load` stores a year's State Council holiday arrangement (the text format of docs/clocks.md), recomputes the open
clocks that counted on that year and tells their officials, and prints the changes. `show` prints a year's rest
days and adjusted working days with their basis (loaded, published, provisional).
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from gonghui.core.arrangements import ArrangementError, load_arrangement, year_days

BASIS_LABELS = {"loaded": "已导入 loaded", "published": "已公布 published", "provisional": "推算 provisional"}


class Command(BaseCommand):
    help = "Load a year's holiday arrangement (load FILE) or show a year's rest and working days (show YEAR)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load an arrangement file")
        load.add_argument("file", help="the arrangement, in the format of docs/clocks.md (UTF-8)")
        load.add_argument("--replace", action="store_true", help="replace a year already loaded")
        load.add_argument("--actor", help="the system administrator's username, for the audit log")
        show = sub.add_parser("show", help="show a year's holidays and adjusted working days")
        show.add_argument("year", type=int)

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if action == "show":
            self._show(options["year"])
        else:
            self._load(options["file"], replace=options["replace"], actor_name=options.get("actor"))

    def _show(self, year: int) -> None:
        if not 1950 <= year <= 2199:
            raise CommandError(f"year {year} is out of range", returncode=2)
        days = year_days(year)
        self.stdout.write(f"{year} {BASIS_LABELS[days.basis]} · {days.source}")
        for day, name in days.rest:
            self.stdout.write(f"{day.isoformat()} 休 {name}")
        for day, name in days.working:
            self.stdout.write(f"{day.isoformat()} 班 {name}")

    def _load(self, file: str, *, replace: bool, actor_name: str | None) -> None:
        from gonghui.orgs.models import User

        actor = None
        if actor_name:
            actor = User.objects.filter(username=actor_name, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account {actor_name!r}", returncode=2)
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}", returncode=2) from exc
        try:
            result = load_arrangement(actor=actor, text=text, replace=replace)
        except ArrangementError as exc:
            raise CommandError("\n".join(exc.problems), returncode=2) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=2) from exc
        arrangement = result.arrangement
        self.stdout.write(f"{arrangement.year}: {len(arrangement.rest_days)} 休, {len(arrangement.working_days)} 班"
                          f"{' (replaced)' if result.replaced else ''} · {result.calendar_year.source}")
        self.stdout.write(f"{len(result.changes)} clock(s) changed, {result.notified} notification(s)")
        for change in result.changes:
            self.stdout.write(f"{change.old.isoformat()} → {change.new.isoformat()}  {change.what}  {change.url}")
