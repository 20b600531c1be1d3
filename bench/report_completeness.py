"""Benchmark: the completeness summary reads rollups, so its cost follows the units, not the enterprises.

    python bench/report_completeness.py [--enterprises 100000] [--database auto|postgres|sqlite]

On a fresh database (PostgreSQL when it answers; SQLite otherwise), a province-sized tree (10 cities × 10
districts × 10 streets × 10 grassroots unions) with N enterprises, and two assignments of the medical-observation
form: one to 1,000 of them (one industry) and one to all N. Some reports are filed through the real path.
- summary: `selectors.completeness` for the province on one day — the first figures every official reads —
  for the 1,000-enterprise and the N-enterprise assignment (median of many calls);
- submit: `services.submit_report` of a new report (checks, revision, audit) with its rollup update, against the
  same submission with the rollup update switched off (interleaved, median).
Prints the times and last `summary_100k/summary_1k = X` (target ≤ 1.5) and
`submit_with_rollup/submit_plain = Y` (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
PG = os.environ.get("GONGHUI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DBNAME = "gonghui_bench_reports"
DAY = dt.date(2020, 2, 20)


def choose(database: str) -> str:
    if database in ("auto", "postgres"):
        ready = subprocess.run([sys.executable, str(ROOT / "bench" / "pg_ready.py"), f"{PG}/postgres"],
                               check=False).returncode == 0
        if ready:
            return "postgres"
        if database == "postgres":
            raise SystemExit(f"PostgreSQL does not answer at {PG}")
    return "sqlite"


def setup(kind: str, var: Path) -> None:
    os.environ.update(SECRET_KEY="bench-secret-key-" + "x" * 40, GONGHUI_DATA_KEY="bench-data-key",
                      GONGHUI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="gonghui.settings", GONGHUI_HTTPS="0")
    os.environ.pop("DATABASE_URL", None)
    if kind == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DBNAME}")
            conn.execute(f"CREATE DATABASE {DBNAME}")
        os.environ["DATABASE_URL"] = f"{PG}/{DBNAME}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def tree(enterprises: int):  # noqa: ANN201
    """The province and its 11,110 units, written level by level; N enterprises under the grassroots unions."""
    from gonghui.orgs import services
    from gonghui.orgs.models import Enterprise, Level, Unit, User

    admin = User.objects.create_superuser(username="bench", password="Bench@12345x", email="")
    national = services.create_unit(actor=admin, parent=None, code="100000", name="中华全国总工会", level=Level.NATIONAL)
    province = services.create_unit(actor=admin, parent=national, code="500000", name="重庆市总工会", level=Level.PROVINCE)
    parents = [province]
    for depth, level in enumerate((Level.CITY, Level.COUNTY, Level.STREET, Level.GRASSROOTS), start=1):
        made = Unit.objects.bulk_create([
            Unit(code=f"{parent.code}{n:02d}{depth}", name=f"{parent.name[:6]}{n}", level=level, parent=parent,
                 province=province, path=f"/new-{parent.pk}-{n}/") for parent in parents for n in range(10)],
            batch_size=2000)
        made = list(Unit.objects.filter(level=level).select_related("parent").order_by("pk"))
        for unit in made:
            unit.path = f"{unit.parent.path}{unit.pk}/"
        Unit.objects.bulk_update(made, ["path"], batch_size=2000)
        parents = made
    grassroots = parents
    Enterprise.objects.bulk_create([
        Enterprise(name=f"企业{i}", credit_code=f"91{i:016d}", unit=grassroots[i % len(grassroots)],
                   province=province, industry="A" if i % (enterprises // 1000) == 0 else "C", employees=20)
        for i in range(enterprises)], batch_size=5000)
    return admin, province


DATA = {"observed_total": "2", "observed": [
    {"name": "甲", "id_number": "11010519491231002X", "kind": "居家隔离", "start_on": "2020-02-15", "temperature": "36.6"},
    {"name": "乙", "id_number": "110101199003077774", "kind": "健康监测", "start_on": "2020-02-16", "temperature": "37.0"},
]}


def _median_ms(call, times: int) -> float:  # noqa: ANN001
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--database", default="auto", choices=["auto", "postgres", "sqlite"])
    parser.add_argument("--filed", type=int, default=300, help="reports filed before the summary is read")
    parser.add_argument("--submissions", type=int, default=150, help="timed submissions of each kind")
    args = parser.parse_args()
    kind = choose(args.database)
    with tempfile.TemporaryDirectory() as var:
        setup(kind, Path(var))
        from django.utils import timezone

        from gonghui.reports import selectors, services
        from gonghui.reports.models import FormTemplate, Target

        began = time.perf_counter()
        admin, province = tree(args.enterprises)
        template = FormTemplate.objects.get(code="medical_observation_daily")
        small = services.assign(actor=admin, template=template, unit=province, start_on=DAY, end_on=DAY,
                                industry="A", lock_after_days=60)
        large = services.assign(actor=admin, template=template, unit=province, start_on=DAY, end_on=DAY,
                                lock_after_days=60)
        print(f"{kind}: {args.enterprises} enterprises, 11,110 units, assignments of "
              f"{small.targets.count()} and {large.targets.count()} built in {time.perf_counter() - began:.1f} s")
        now = timezone.make_aware(dt.datetime.combine(DAY, dt.time(9)))
        # The day's rollup rows exist before its first report (the assignment makes its first period's; the daily
        # clock makes each later one's), so every submission below only adds to rows.
        targets = {a.pk: list(Target.objects.filter(assignment=a).select_related("enterprise__unit")
                              .order_by("pk")) for a in (small, large)}
        for assignment in (small, large):
            for target in targets[assignment.pk][:args.filed]:
                services.submit_report(actor=admin, assignment=assignment, enterprise=target.enterprise, period=DAY,
                                       data=DATA, now=now)
        if kind == "postgres":  # the statistics autovacuum would gather after such a load
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        rows_small = selectors.completeness(admin, small, DAY, province)
        rows_large = selectors.completeness(admin, large, DAY, province)
        assert rows_small[0].reported == rows_large[0].reported == args.filed
        summary_1k = _median_ms(lambda: selectors.completeness(admin, small, DAY, province), 300)
        summary_100k = _median_ms(lambda: selectors.completeness(admin, large, DAY, province), 300)

        rest = iter(targets[large.pk][args.filed:])
        real_rollup = services._apply_to_rollups
        with_rollup, plain = [], []
        for _ in range(args.submissions):
            for bucket, rollup in ((with_rollup, real_rollup), (plain, lambda *a, **k: None)):
                services._apply_to_rollups = rollup
                target = next(rest)
                start = time.perf_counter()
                services.submit_report(actor=admin, assignment=large, enterprise=target.enterprise, period=DAY,
                                       data=DATA, now=now)
                bucket.append(time.perf_counter() - start)
        services._apply_to_rollups = real_rollup
        submit_with, submit_plain = statistics.median(with_rollup) * 1000, statistics.median(plain) * 1000
    print(f"summary, 1,000 enterprises: {summary_1k:.2f} ms · {args.enterprises:,} enterprises: {summary_100k:.2f} ms")
    print(f"submit with rollup: {submit_with:.2f} ms · without: {submit_plain:.2f} ms")
    print(f"summary_100k/summary_1k = {summary_100k / summary_1k:.2f}")
    print(f"submit_with_rollup/submit_plain = {submit_with / submit_plain:.2f}")


if __name__ == "__main__":
    main()
