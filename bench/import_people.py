"""Benchmark: importing a people file through Gonghui's full pipeline, against two floors and a tuned peer.

    python bench/import_people.py [--rows 50000] [--runs 3]

The schema is migrated once into a template database (with the same small tree of unions); each run of each
contender then gets its own copy of it in its own process, and the runs of the contenders alternate:
- import: `gonghui.orgs.imports.run_import` as a commit job — read (python-calamine), check every cell (ID
  checksum, phone, dates, choices, duplicates), check every row against the database and the importer's reach,
  seal ID/phone/bank, keyed hashes, pinyin initials, bulk writes, audit, progress;
- floor (same table): python-calamine into tuples, then one `executemany` in one transaction into Gonghui's own
  people table (its constraints, indexes and keys), every column filled with a value of the length Gonghui
  stores (sealed values, hashes and masks made before the clock starts): the least any import into this schema
  costs, as it checks, seals and hashes nothing;
- floor (bare): python-calamine into tuples, then one `executemany` in one transaction of the file's own
  columns into a plain table of as many TEXT columns, no index;
- peer: django-import-export 4 in its documented fast mode (bulk, no diff, new instances only; see
  `run_peer`), importing the same file into the same model.
Both floors run on connections opened by Django's own SQLite backend from `settings.DATABASES["default"]`,
so they have exactly the pragmas Gonghui uses (printed). Each contender runs --runs times; the medians are
compared, last: `import/floor(same table)` (target <= 2.0), `import/floor(bare)`, `peer/import` (target >= 5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_FILE = "gonghui.sqlite3"  # settings.py: the embedded database under GONGHUI_VAR_DIR
PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "cache_size", "temp_store", "mmap_size", "page_size",
           "busy_timeout")


def _setup_django(var: Path, template: Path | None = None) -> None:
    """Django on a database under `var`: a copy of the migrated `template`, or migrated here when none."""
    os.environ.update(SECRET_KEY="bench-secret-key-" + "x" * 40, GONGHUI_DATA_KEY="bench-data-key",
                      GONGHUI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="gonghui.settings", GONGHUI_HTTPS="0",
                      GONGHUI_IMPORT_MAX_ROWS="1000000")
    os.environ.pop("DATABASE_URL", None)
    if template is not None:
        var.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, var / DATABASE_FILE)
    import django

    django.setup()
    if template is None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _tree()


def _make_template(var: Path, template: Path) -> None:
    """Migrate once, create the tree, and keep a copy of the database for every run."""
    import sqlite3

    from django.db import connection

    _setup_django(var)
    connection.close()
    source, copy = sqlite3.connect(var / DATABASE_FILE), sqlite3.connect(template)
    source.backup(copy)
    source.close()
    copy.close()


def _sqlite(name: Path | str | None = None):  # noqa: ANN202
    """A raw sqlite3 connection opened by Gonghui's database settings through Django's own backend (its
    init_command pragmas, transaction mode, timeout, and anything done on connection_created), on the
    default database or on another file `name`."""
    from django.db import connections

    if name is None:
        wrapper = connections["default"]
    else:
        settings_dict = {**connections.settings["default"], "NAME": str(name)}
        wrapper = connections["default"].__class__(settings_dict, "bench")
    wrapper.ensure_connection()
    return wrapper, wrapper.connection


def _pragmas(raw) -> dict[str, object]:  # noqa: ANN001
    return {p: raw.execute(f"PRAGMA {p}").fetchone()[0] for p in PRAGMAS}


def _bench_tree():  # noqa: ANN202
    from gonghui.orgs.models import Unit, User

    return User.objects.get(username="bench"), Unit.objects.get(code="610104001001")


def _tree():  # noqa: ANN202
    from gonghui.orgs import services
    from gonghui.orgs.models import Level, User

    admin = User.objects.create_superuser(username="bench", password="Bench@12345x", email="")
    parent = None
    for code, name, level in (("100000", "中华全国总工会", Level.NATIONAL), ("610000", "陕西省总工会", Level.PROVINCE),
                              ("610100", "西安市总工会", Level.CITY), ("610104", "莲湖区总工会", Level.COUNTY),
                              ("610104001", "北院门街道总工会", Level.STREET),
                              ("610104001001", "陕西美丽豪酒店管理有限公司工会", Level.GRASSROOTS)):
        parent = services.create_unit(actor=admin, parent=parent, code=code, name=name, level=level)
    return admin, parent


def generate(path: Path, rows: int) -> None:
    import xlsxwriter
    from stdnum.cn import ric

    from gonghui.orgs.imports import PEOPLE

    rng = random.Random(7)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("数据")
    headers = [c.header for c in PEOPLE.columns]
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header)
    seen: set[str] = set()
    row = 0
    while row < rows:
        body = f"610104{1960 + rng.randrange(45)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number in seen:
            continue
        seen.add(number)
        row += 1
        member = rng.random() < 0.8
        values = {"姓名": rng.choice(surnames) + rng.choice(given) + rng.choice(given), "身份证号": number,
                  "手机号": f"13{rng.randrange(10**9):09d}", "岗位": "服务员", "会籍": "会员" if member else "非会员",
                  "入会日期": f"20{rng.randrange(5, 20):02d}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}" if member else "",
                  "户籍地": "陕西省商洛市商州区", "现居住地": "西安市莲湖区北院门"}
        for index, header in enumerate(headers):
            if values.get(header):
                sheet.write_string(row, index, values[header])
    book.close()


def run_import(path: Path, var: Path, template: Path) -> dict:
    _setup_django(var, template)
    from gonghui.core import jobs
    from gonghui.core.models import Job
    from gonghui.orgs import imports

    admin, unit = _bench_tree()
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = Job.objects.create(kind="people.import", created_by=admin, unit_path=unit.path, source_file=source,
                             source_name=path.name, params={"unit": unit.pk, "mode": "commit"})
    start, cpu = time.perf_counter(), time.process_time()
    jobs.run_job.call(job.pk)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    job.refresh_from_db()
    assert job.state == "done", job.message
    return {"seconds": seconds, "cpu": cpu, "created": job.counts["created"],
            "rejected": job.counts["rejected"], "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# The same-table floor's value of each people column, as an expression of the file's row `r` (the template's
# column order: 0 姓名, 1 身份证号, 5 岗位, 6 会籍, 7 入会日期, 9 户籍地, 10 现居住地) and of `d`, the values
# Gonghui derives (initials, ID hash, phone hash), made before the clock; the other columns take the field's
# default, prepared for the database once.
FLOOR_COLUMNS = {
    "name": "r[0]", "name_initials": "d[0]", "id_number": "SEALED_ID", "id_hash": "d[1]",
    "id_masked": "r[1][:4] + '**********' + r[1][-4:]", "gender": "'M'", "birth_date": "'1990-01-01'",
    "phone": "SEALED_PHONE", "phone_hash": "d[2]", "phone_masked": "'139****0000'", "hukou": "r[9]",
    "residence": "r[10]", "unit_id": "UNIT", "province_id": "PROVINCE",
    "membership": "'member' if r[6] == '会员' else 'non_member'", "member_since": "r[7] or None", "job": "r[5]",
    "created_at": "NOW", "updated_at": "NOW",
}


def run_floor(path: Path, var: Path, template: Path) -> dict:
    """The least any import of this file into this schema costs: python-calamine into tuples, then one
    `executemany` in one transaction into Gonghui's people table (the migrated database's own table, its
    constraints, indexes and keys), on a connection with Gonghui's settings. The values Gonghui derives
    (sealed ID and phone, keyed hashes, masks, initials) are made before the clock starts, with the lengths
    Gonghui's have: the floor moves the same bytes through the same indexes and keys and checks nothing."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    _setup_django(var, template)
    from gonghui.core.crypto import sealer
    from gonghui.orgs.models import Person

    _admin, unit = _bench_tree()
    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    seal = sealer()
    names = {"SEALED_ID": seal("610104199003151234"), "SEALED_PHONE": seal("13812345678"), "UNIT": unit.pk,
             "PROVINCE": unit.province_id, "NOW": "2026-12-01 00:00:00"}
    expressions = []
    for f in fields:
        if f.column not in FLOOR_COLUMNS:
            names[f"DEFAULT_{f.column}"] = f.get_db_prep_save(f.get_default(), connection)
        expressions.append(FLOOR_COLUMNS.get(f.column, f"DEFAULT_{f.column}"))
    row_of = eval(f"lambda r, d: ({', '.join(expressions)},)", names)  # noqa: S307 - our own expressions above
    total = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).total_height + 1
    rng = random.Random(11)
    derived = [("".join(rng.choices(string.ascii_lowercase, k=3)), f"{rng.getrandbits(256):064x}",
                f"{rng.getrandbits(256):064x}") for _ in range(total)]
    wrapper, db = _sqlite()
    pragmas = _pragmas(db)
    sql = f"INSERT INTO {Person._meta.db_table} ({', '.join(f.column for f in fields)}) VALUES ({', '.join('?' * len(fields))})"  # noqa: S608

    start, cpu = time.perf_counter(), time.process_time()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    next(rows)
    tuples = [tuple(r) for r in rows]
    db.execute(f"BEGIN {wrapper.transaction_mode or ''}")
    db.executemany(sql, (row_of(r, d) for r, d in zip(tuples, derived, strict=False)))
    db.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    wrapper.close()
    return {"seconds": seconds, "cpu": cpu, "rows": len(tuples), "pragmas": pragmas}


def run_bare_floor(path: Path, var: Path, template: Path) -> dict:
    """The floor read most narrowly: python-calamine into tuples, then one `executemany` in one transaction of
    the file's own columns into a table of as many TEXT columns with no index, on a file of its own opened with
    Gonghui's settings."""
    from python_calamine import CalamineWorkbook

    _setup_django(var, template)
    wrapper, db = _sqlite(var / "bare.sqlite3")
    pragmas = _pragmas(db)
    width = len(next(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()))
    db.execute(f"CREATE TABLE person ({', '.join(f'c{i} TEXT' for i in range(width))})")

    start, cpu = time.perf_counter(), time.process_time()
    rows = [tuple(r) for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()][1:]
    db.execute(f"BEGIN {wrapper.transaction_mode or ''}")
    db.executemany(f"INSERT INTO person VALUES ({', '.join('?' * width)})", rows)  # noqa: S608
    db.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    wrapper.close()
    return {"seconds": seconds, "cpu": cpu, "rows": len(rows), "pragmas": pragmas}


def run_peer(path: Path, var: Path, template: Path) -> dict:
    """django-import-export 4 as a Django shop tunes it for a large import, by its documentation
    (docs/bulk_import.rst, "Performance tuning", and the ResourceOptions in import_export/options.py):
    `use_bulk = True` (bulk_create in batches), `batch_size` left at its default 1000 ("setting this to None
    always resulted in worse performance"), `force_init_instance = True` (creating instances only: no look-up
    per row; this file holds only new people), `skip_diff = True` (no copy and comparison per row; the docs'
    `skip_unchanged` needs the diff, and with no existing rows there is nothing unchanged to skip),
    `skip_html_diff = True`, `report_skipped = False`, and `import_data(dry_run=False, use_transactions=True,
    collect_failed_rows=False)`. Per row it does the least the model needs: parse the ID number (for the
    derived gender and birth date), its keyed hash, initials; the model's encrypted fields seal on save."""
    _setup_django(var, template)
    import tablib
    from import_export import fields, resources

    from gonghui.core.crypto import lookup_hash
    from gonghui.orgs import rules
    from gonghui.orgs.models import Person

    _admin, unit = _bench_tree()

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        phone = fields.Field(attribute="phone", column_name="手机号")
        job = fields.Field(attribute="job", column_name="岗位")
        hukou = fields.Field(attribute="hukou", column_name="户籍地")
        residence = fields.Field(attribute="residence", column_name="现居住地")
        id_hash = fields.Field(attribute="id_hash", column_name="id_hash")

        class Meta:
            model = Person
            import_id_fields = ("id_hash",)
            fields = ("name", "id_number", "phone", "job", "hukou", "residence", "id_hash")
            use_bulk = True
            batch_size = 1000
            force_init_instance = True
            skip_diff = True
            skip_html_diff = True
            report_skipped = False
            use_transactions = True

        def before_import_row(self, row, **kwargs) -> None:  # noqa: ANN001, ANN003
            identity = rules.parse_id_number(row["身份证号"])
            row["身份证号"] = identity.number
            row["id_hash"] = lookup_hash(identity.number, "id")

        def before_save_instance(self, instance, row, **kwargs) -> None:  # noqa: ANN001, ANN003
            identity = rules.parse_id_number(instance.id_number)
            instance.id_masked, instance.gender, instance.birth_date = identity.masked, identity.gender, identity.birth_date
            instance.unit, instance.province_id = unit, unit.province_id
            instance.name_initials = rules.initials(instance.name)

    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    dataset.append_col([""] * len(dataset), header="id_hash")  # the match key, filled per row
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True,
                                          collect_failed_rows=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    created = Person.objects.count()
    return {"seconds": seconds, "cpu": cpu, "created": created, "errors": result.has_errors()}


ROLES = {"floor": run_floor, "bare_floor": run_bare_floor, "import": run_import, "peer": run_peer}


def _child(role: str, path: Path, template: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{role}-") as var:
        output = subprocess.run([sys.executable, __file__, "--role", role, "--file", str(path), "--var", var,
                                 "--template", str(template)], capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise SystemExit(f"{role} failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--role", choices=tuple(ROLES))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--var", type=Path)
    parser.add_argument("--template", type=Path)
    args = parser.parse_args()
    if args.role:
        print(json.dumps(ROLES[args.role](args.file, args.var, args.template)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path, template = Path(tmp) / "people.xlsx", Path(tmp) / "template.sqlite3"
        started = time.perf_counter()
        _make_template(Path(tmp) / "var", template)
        print(f"schema migrated once in {time.perf_counter() - started:.1f} s; each run starts from a copy")
        started = time.perf_counter()
        generate(path, args.rows)
        print(f"file: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s")
        results: dict[str, list[dict]] = {role: [] for role in ROLES}
        for run in range(1, args.runs + 1):
            for role in ROLES:
                results[role].append(result := _child(role, path, template))
                print(f"run {run} {role:10} {result['seconds']:7.2f} s  (CPU {result['cpu']:.2f} s)", flush=True)
        print(f"SQLite settings in effect (Gonghui's, read through Django's backend): {results['floor'][0]['pragmas']}")
        median = {role: statistics.median(r["seconds"] for r in runs) for role, runs in results.items()}
        imported = results["import"]
        print(f"medians of {args.runs} runs, {args.rows} rows:")
        print(f"  floor, same table (calamine + executemany into the people table, its constraints and indexes): "
              f"{median['floor']:.2f} s")
        print(f"  floor, bare (calamine + executemany of the file's columns into a plain table): {median['bare_floor']:.2f} s")
        print(f"  import (full pipeline): {median['import']:.2f} s, created {imported[0]['created']}, "
              f"peak memory {statistics.median(r['peak_mib'] for r in imported):.0f} MiB")
        print(f"  peer (django-import-export, bulk fast mode): {median['peer']:.2f} s, created {results['peer'][0]['created']}")
        for role, expected in (("import", args.rows), ("peer", args.rows)):
            if any(r["created"] != expected for r in results[role]):
                raise SystemExit(f"{role} created {[r['created'] for r in results[role]]}, not {expected}")
        print(f"import/floor(same table) = {median['import'] / median['floor']:.2f} (target <= 2.0)")
        print(f"import/floor(bare) = {median['import'] / median['bare_floor']:.2f}")
        print(f"peer/import = {median['peer'] / median['import']:.2f} (target >= 5)")


if __name__ == "__main__":
    main()
