"""Benchmark: the 1,000-yuan batch grant over a million household files, against the database's own floor.

    python bench/relief_batch.py [--households 1000000] [--database auto|postgres|sqlite]

On a fresh database (PostgreSQL when it answers, the production case; SQLite otherwise), with
N people and N 在档 hardship files under one street:
- floor: one `INSERT … SELECT` of the same rows (same columns, same joins) into a copy of the
  ledger table with the same indexes and constraints — no chunks, no checks, no progress;
- batch: the real path — `approve_batch` (four-eyes check, budget check in a transaction, the job)
  then the task body `run_batch_grant`: one INSERT … SELECT per 50,000 files with the
  once-per-campaign NOT EXISTS, ON CONFLICT on the idempotency key, a checkpoint and a progress
  update per chunk, the audit entry;
- re-run: the same task delivered again (resumes after its checkpoint: nothing to do), and the same
  batch with its checkpoint lost (every row refused by the ledger itself).
Prints the times and last `batch/floor = X` (target ≤ 3) and `rerun/batch = Y` (target ≤ 0.2).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
PG = os.environ.get("GONGHUI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DBNAME = "gonghui_bench_relief"
GRASSROOTS = 50


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


def tree():  # noqa: ANN201
    from gonghui.orgs import services
    from gonghui.orgs.models import Level, Role, User

    admin = User.objects.create_superuser(username="bench", password="Bench@12345x", email="")
    parent = None
    for code, name, level in (("100000", "中华全国总工会", Level.NATIONAL), ("500000", "重庆市总工会", Level.PROVINCE),
                              ("500100", "重庆市总工会（市本级）", Level.CITY), ("500103", "渝中区总工会", Level.COUNTY),
                              ("500103001", "解放碑街道总工会", Level.STREET)):
        parent = services.create_unit(actor=admin, parent=parent, code=code, name=name, level=level)
    street = parent
    units = [services.create_unit(actor=admin, parent=street, code=f"500103001{n:03d}", name=f"基层工会{n}",
                                  level=Level.GRASSROOTS) for n in range(1, GRASSROOTS + 1)]
    ids = [u.pk for u in units]
    assert ids == list(range(ids[0], ids[0] + GRASSROOTS)), "grassroots ids must be consecutive"
    maker = services.create_account(actor=admin, username="maker", display_name="经办人", role=Role.OFFICIAL,
                                    unit=street, phone="")
    checker = services.create_account(actor=admin, username="checker", display_name="审批人", role=Role.OFFICIAL,
                                      unit=street, phone="")
    return admin, street, ids[0], maker, checker


def fill(kind: str, households: int, first_unit: int, province: int) -> None:
    """N people with sealed (synthetic) ID and bank ciphertext, and N 在档 files, written by SQL."""
    from django.db import connection

    from gonghui.core import crypto

    id_cipher = crypto.encrypt("110101199001011234")
    bank_cipher = crypto.encrypt("6222020200112233445")
    series = ("generate_series(1, %s) AS s(i)" if kind == "postgres" else
              "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) SELECT i FROM n) AS s")
    empty_list = "CAST('[]' AS jsonb)" if kind == "postgres" else "'[]'"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO orgs_person (name, name_initials, id_number, id_hash, id_masked, gender, birth_date, phone,
                phone_hash, phone_masked, bank_account, bank_hash, hukou, residence, unit_id, province_id, membership,
                member_since, job, emergency_name, emergency_phone, basis, basis_note, created_at, updated_at)
            SELECT '职工' || CAST(i AS TEXT), 'zg', %s, 'h' || CAST(i AS TEXT), '1101**********1234', 'M', '1990-01-01',
                '', '', '', %s, 'b' || CAST(i AS TEXT), '', '', %s + (i %% %s), %s, 'member', '2010-01-01', '', '', '',
                'duty', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM {series}""", [id_cipher, bank_cipher, first_unit, GRASSROOTS, province, households])  # noqa: S608
        cursor.execute(f"""
            INSERT INTO relief_hardshipfile (person_id, unit_id, province_id, status, category, category_reason,
                proposed_category, proposal_reason, causes, essential_spending, hardship_costs_annual, monthly_income,
                state_support_monthly, union_help_monthly, members_count, per_head, entered_on, exit_reason,
                created_at, updated_at)
            SELECT id, unit_id, province_id, 'active', 'deep', '', 'deep', '', {empty_list}, 0, 0, 1200, 0, 0, 3, 400,
                '2020-01-01', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM orgs_person""")  # noqa: S608
        # The union verified each account on file (money goes to no other): one row per person.
        cursor.execute("""
            INSERT INTO core_accountverification (person_id_ref, account_hash, how, verified_by_id, verified_at)
            SELECT id, bank_hash, 'bench', (SELECT MIN(id) FROM orgs_user), CURRENT_TIMESTAMP FROM orgs_person""")
        if kind == "postgres":
            cursor.execute("ANALYZE")


def make_floor_table(kind: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if kind == "postgres":
            cursor.execute("CREATE TABLE floor_entries (LIKE core_paymententry INCLUDING ALL)")
            return
        cursor.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = 'core_paymententry' AND sql IS NOT NULL")
        statements = cursor.fetchall()
        for kind_of, sql in sorted(statements, key=lambda row: row[0] != "table"):
            sql = sql.replace('"core_paymententry"', '"floor_entries"').replace("core_paymententry", "floor_entries")
            if kind_of == "index":
                sql = sql.replace("CREATE INDEX \"", "CREATE INDEX \"floor_").replace(
                    "CREATE UNIQUE INDEX \"", "CREATE UNIQUE INDEX \"floor_")
            cursor.execute(sql)


def floor(street_path: str) -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO floor_entries (idempotency_key, payee_person_id, payee_name, bank_account, amount,
                purpose_code, purpose_ref, memo, unit_id_ref, unit_path, province_id_ref, period, state,
                failure_reason, reversed_from_state, created_by_id, created_at)
            SELECT CAST('grant:epidemic-grant-1000:' AS TEXT) || CAST(p.id AS TEXT), p.id, p.name, p.bank_account, 1000,
                'epidemic-grant-1000', 'floor', '疫情特殊困难生活救助金', u.id, u.path, f.province_id, CURRENT_DATE,
                'pending', '', '', NULL, CURRENT_TIMESTAMP
            FROM relief_hardshipfile f
            JOIN orgs_person p ON p.id = f.person_id
            JOIN orgs_unit u ON u.id = f.unit_id
            WHERE f.status IN ('active', 'returned') AND u.path >= %s AND u.path < %s""",
                       [street_path, street_path[:-1] + "0"])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("auto", "postgres", "sqlite"), default="auto")
    args = parser.parse_args()
    kind = choose(args.database)
    with tempfile.TemporaryDirectory() as folder:
        setup(kind, Path(folder))
        try:
            run(kind, args.households)
        finally:
            if kind == "postgres":
                from django.db import connection

                connection.close()
                import psycopg

                with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {DBNAME}")


def run(kind: str, households: int) -> None:
    from datetime import date
    from decimal import Decimal

    from gonghui.core.models import Job, PaymentEntry
    from gonghui.relief import services
    from gonghui.relief.models import GrantBatch, Policy

    admin, street, first_unit, maker, checker = tree()
    started = time.perf_counter()
    fill(kind, households, first_unit, street.province_id)
    print(f"database: {kind}; {households:,} households written in {time.perf_counter() - started:.1f} s")
    grant = Policy.objects.get(code="epidemic-grant-1000")
    services.move_budget(actor=admin, unit=street, policy=grant, year=date.today().year,  # noqa: DTZ011
                         amount=Decimal(households) * 1000, kind="allocate")
    make_floor_table(kind)
    floor_time = floor(street.path)

    start = time.perf_counter()
    batch = services.preview_batch(actor=maker, unit=street, policy=grant)
    preview_time = time.perf_counter() - start
    assert batch.preview_count == households, batch.preview_count

    start = time.perf_counter()
    batch = services.approve_batch(actor=checker, batch=batch)
    services.run_batch_grant(Job.objects.get(pk=batch.job_id))
    batch_time = time.perf_counter() - start
    written = PaymentEntry.objects.filter(purpose_code="epidemic-grant-1000").count()
    assert written == households, written

    start = time.perf_counter()
    services.run_batch_grant(Job.objects.get(pk=batch.job_id))  # the task delivered a second time
    rerun_time = time.perf_counter() - start
    GrantBatch.objects.filter(pk=batch.pk).update(done_through=0)
    start = time.perf_counter()
    again = services.write_grant_entries(GrantBatch.objects.get(pk=batch.pk))  # checkpoint lost
    cold_rerun_time = time.perf_counter() - start
    assert again == 0 and PaymentEntry.objects.filter(purpose_code="epidemic-grant-1000").count() == households

    print(f"floor (one INSERT … SELECT):        {floor_time:8.2f} s")
    print(f"preview (count, excluding paid):    {preview_time:8.2f} s")
    print(f"batch (approve + task, {households:,} entries): {batch_time:8.2f} s")
    print(f"re-run of the same task:            {rerun_time:8.3f} s  (adds 0)")
    print(f"re-run with the checkpoint lost:    {cold_rerun_time:8.2f} s  (adds 0: refused row by row)")
    print(f"rerun(checkpoint lost)/batch = {cold_rerun_time / batch_time:.2f}")
    print(f"batch/floor = {batch_time / floor_time:.2f}  (target <= 3)")
    print(f"rerun/batch = {rerun_time / batch_time:.3f}  (target <= 0.2)")


if __name__ == "__main__":
    main()
