"""`gonghui cache clear`: drop every cached page answer (after a write made outside the app, e.g. with psql)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gonghui.core import pagecache


class Command(BaseCommand):
    help = "Drop every cached page answer (core.pagecache): run after changing data outside the app."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("action", choices=["clear"])

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if not pagecache.enabled():
            self.stdout.write("the page cache is off (no REDIS_URL): nothing to clear")
            return
        try:
            pagecache.redis_client().ping()
        except Exception as exc:
            raise CommandError(f"Redis cannot be reached: {exc}") from exc
        pagecache.clear()
        self.stdout.write("page cache cleared: every cached answer is dropped")
