"""`gonghui migrate-data --from sqlite:///…/gonghui.sqlite3 --to postgres://…`: copy a whole installation's data
into another database (made by `migrate` first), verify every table's count and the ledger total, safe to re-run."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gonghui.core import move, pagecache


class Command(BaseCommand):
    help = "Copy all data from one database to another (SQLite → PostgreSQL) and verify counts and ledger totals."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--from", dest="source", required=True, help="the database to copy from (a URL)")
        parser.add_argument("--to", dest="target", required=True, help="the database to copy into (a URL)")

    def handle(self, *args, source: str, target: str, **options) -> None:  # noqa: ANN002, ANN003
        if source == target:
            raise CommandError("--from and --to are the same database")
        try:
            move.connect(source, target)
            result = move.move(progress=lambda table, copied, total: self.stdout.write(
                f"{table}: {copied} copied of {total}") if copied else None)
        except move.MoveError as exc:
            raise CommandError(str(exc)) from exc
        pagecache.clear()  # the copy may have bypassed the app's connections
        figures = result["target"]
        self.stdout.write(f"done: {sum(figures['tables'].values())} rows in {len(figures['tables'])} tables, "
                          f"ledger {figures['ledger']['entries']} entries, {figures['ledger']['total']} yuan — "
                          "the same as the source")
