"""`gonghui demo`: load the demo tree and accounts once (idempotent), then list the accounts."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from gonghui.orgs import demo
from gonghui.orgs.models import Role, User


class Command(BaseCommand):
    help = "Load the demo data (Shaanxi tree from the seed) unless it is already there, and print the demo accounts."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--size", choices=("street", "city"), default="street",
                            help="street: ~3,000 people and 200 enterprises; city: ~200,000 people and 北院门 at "
                                 "its full 1,329 enterprises back at work")

    def handle(self, *args, size: str = "street", **options) -> None:  # noqa: ANN002, ANN003
        if demo.already_loaded():
            self.stdout.write("演示数据已存在，未重复导入。Demo data already loaded; nothing added.")
        else:
            if size == "city":
                counts = demo.build(people=200_000, enterprises=400, street_enterprises=1329)
            else:
                counts = demo.build()
            demo.build_services()
            if connection.vendor == "postgresql":
                # Fresh planner statistics for the bulk-loaded tables: autovacuum would take minutes to get there,
                # and until then PostgreSQL plans the people search as a nested loop over a million pairs.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(self.style.SUCCESS(
                f"演示数据已导入：{counts['units']} 个工会组织，{counts['accounts']} 个演示账号，{counts['members']} 个职工账号，"
                f"{counts['people']} 份职工档案，{counts['enterprises']} 家企业。"
            ))
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {settings.GONGHUI_DEMO_PASSWORD}） / Demo accounts (password above):")
        for account in demo.ACCOUNTS:
            user = User.objects.filter(username=account.username).first()
            if user is None:
                continue
            unit = next((a.unit.name for a in user.active_roles()), "")
            phone = f"  手机 {account.phone}" if account.role == "worker" and account.phone else ""
            self.stdout.write(f"  {account.username:<11} {user.display_name}  {account.role:<13} {unit}{phone}")
        for user in User.objects.filter(role_assignments__role__in=(Role.EMPLOYER_REP, Role.REPORTER),
                                        role_assignments__revoked_at__isnull=True).order_by("username").distinct():
            held = next((a for a in user.active_roles() if a.enterprise_id), None)
            if held is not None:
                self.stdout.write(f"  {user.username:<11} {user.display_name}  {held.role:<13} {held.enterprise.name}")
