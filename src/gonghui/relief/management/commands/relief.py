"""`gonghui relief quote --policy CODE --facts FACTS.json [--on DATE]`: price facts under a policy, writing nothing.

Prints {"eligible", "amount", "reasons", "trace"} as JSON. Bad facts, an unknown policy or an
unreadable file print the reason and exit with status 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gonghui.relief import services
from gonghui.relief.models import HardshipFile


class Command(BaseCommand):
    help = "Hardship relief from the command line. `quote`: what a policy pays on given facts (nothing is written)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        commands = parser.add_subparsers(dest="action", required=True)
        quote = commands.add_parser("quote", help="price facts under a relief policy")
        quote.add_argument("--policy", required=True, help="policy code, e.g. cq-temp-acute")
        quote.add_argument("--facts", required=True, help="a JSON file of facts, or - for standard input")
        quote.add_argument("--on", help="the day to price on (YYYY-MM-DD); default today")

    def handle(self, *args, action: str, **options) -> None:  # noqa: ANN002, ANN003
        if action == "quote":
            self.quote(options["policy"], options["facts"], options.get("on"))

    def quote(self, code: str, facts_path: str, on: str | None) -> None:
        try:
            text = sys.stdin.read() if facts_path == "-" else Path(facts_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {facts_path}: {exc.strerror}", returncode=2) from exc
        try:
            facts = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{facts_path} is not valid JSON: {exc}", returncode=2) from exc
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError as exc:
            raise CommandError(f"--on {on!r} is not a date (YYYY-MM-DD)", returncode=2) from exc
        household = None
        if isinstance(facts, dict) and facts.get("household") is not None:
            household = HardshipFile.objects.filter(pk=facts["household"]).first() \
                if str(facts["household"]).isascii() and str(facts["household"]).isdigit() else None
            if household is None:
                raise CommandError(f"no hardship file {facts['household']!r}", returncode=2)
        try:
            result = services.quote_policy(code=code, facts=facts, on=day, file=household)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages), returncode=2) from exc
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
