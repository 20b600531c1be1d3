"""Benchmark: importing a people file through Gonghui's full pipeline, against a floor and a peer.

    python bench/import_people.py --rows 200000

Each contender runs in its own process on its own fresh SQLite database, in this one run:
- import: `gonghui.orgs.imports.run_import` — read (python-calamine), check every cell (ID checksum,
  phone, dates, choices, duplicates), check every row against the database and the importer's
  reach, encrypt ID/phone/bank, keyed hashes, pinyin initials, bulk writes, audit, progress;
- floor: python-calamine into tuples, then `sqlite3.executemany` of the same number of rows into a
  plain table of the same columns, in one transaction (no checks, no encryption);
- peer: django-import-export 4 (dev dependency) importing the same file into the same model
  through a ModelResource with its usual validation.
Prints the times, the import's peak memory, and last `import/floor = X` and `peer/import = Y`
(targets: X <= 2.5, Y >= 10).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django(var: Path) -> None:
    os.environ.update(SECRET_KEY="bench-secret-key-" + "x" * 40, GONGHUI_DATA_KEY="bench-data-key",
                      GONGHUI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="gonghui.settings", GONGHUI_HTTPS="0",
                      GONGHUI_IMPORT_MAX_ROWS="1000000")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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


def run_import(path: Path, var: Path) -> dict:
    _setup_django(var)
    from gonghui.core import jobs
    from gonghui.core.models import Job
    from gonghui.orgs import imports

    admin, unit = _tree()
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = Job.objects.create(kind="people.import", created_by=admin, unit_path=unit.path, source_file=source,
                             source_name=path.name, params={"unit": unit.pk, "mode": "commit"})
    start = time.perf_counter()
    jobs.run_job.call(job.pk)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    assert job.state == "done", job.message
    return {"seconds": seconds, "created": job.counts["created"], "rejected": job.counts["rejected"],
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_floor(path: Path, var: Path) -> dict:
    """The least any import of this file into this database can cost: python-calamine into tuples, then one
    `sqlite3.executemany` in one transaction into a plain table of the same columns, constraints and indexes as
    Gonghui's people table (the migrated database's own table), under the same pragmas. The values Gonghui derives (sealed ID and phone, keyed hashes,
    masks, initials, birth date) are made before the clock starts, with the lengths Gonghui's have: the floor
    moves the same bytes through the same indexes and keys and checks nothing."""
    import sqlite3

    from python_calamine import CalamineWorkbook

    _setup_django(var)
    from django.conf import settings

    from gonghui.orgs.models import Person

    _admin, unit = _tree()
    database = settings.DATABASES["default"]
    pragmas = database["OPTIONS"]["init_command"]
    columns = [f.column for f in Person._meta.concrete_fields if not f.primary_key]
    total = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).total_height + 1
    rng = random.Random(11)
    sealed = "v1:aes-256-gcm:" + "A" * 64  # a sealed ID number's length; a phone's is a little shorter
    derived = [("".join(rng.choices(string.ascii_lowercase, k=3)), f"{rng.getrandbits(256):064x}",
                f"{rng.getrandbits(256):064x}") for _ in range(total)]
    db = sqlite3.connect(database["NAME"])  # the migrated database itself: the same table, indexes and keys
    db.executescript(pragmas)
    sql = f"INSERT INTO {Person._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    next(rows)
    tuples = [tuple(r) for r in rows]
    with db:
        db.executemany(sql, ((r[0], d[0], sealed, d[1], r[1][:4] + "**********" + r[1][-4:], "M", "1990-01-01",
                              sealed[:-12], d[2], "139****0000", "", "", r[9], r[10], None, unit.pk, unit.province_id,
                              "member" if r[6] == "会员" else "non_member",
                              r[7] or None, r[5], "", "", None, "duty", "", None, None, "2026-12-01 00:00:00",
                              "2026-12-01 00:00:00") for r, d in zip(tuples, derived, strict=False)))
    db.close()
    return {"seconds": time.perf_counter() - start, "rows": len(tuples)}


def run_bare_floor(path: Path, var: Path) -> dict:
    """The floor read most narrowly: python-calamine into tuples, then `sqlite3.executemany` of the file's own
    columns into a table of as many TEXT columns with no index, in one transaction."""
    import sqlite3

    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    rows = [tuple(r) for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()][1:]
    db = sqlite3.connect(var / "floor.sqlite3")
    width = len(rows[0])
    db.execute(f"CREATE TABLE person ({', '.join(f'c{i} TEXT' for i in range(width))})")
    with db:
        db.executemany(f"INSERT INTO person VALUES ({', '.join('?' * width)})", rows)  # noqa: S608
    db.close()
    return {"seconds": time.perf_counter() - start, "rows": len(rows)}


def run_peer(path: Path, var: Path) -> dict:
    _setup_django(var)
    import tablib
    from import_export import fields, resources

    from gonghui.core.crypto import lookup_hash
    from gonghui.orgs import rules
    from gonghui.orgs.models import Person

    _admin, unit = _tree()

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

    start = time.perf_counter()
    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    dataset.append_col([""] * len(dataset), header="id_hash")  # the match key, filled per row
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "created": result.totals["new"], "errors": result.has_errors()}


def _child(role: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{role}-") as var:
        output = subprocess.run([sys.executable, __file__, "--role", role, "--file", str(path), "--var", var],
                                capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise SystemExit(f"{role} failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--peer-rows", type=int, default=None, help="rows for the peer (default: --rows)")
    parser.add_argument("--role", choices=("import", "floor", "bare_floor", "peer"))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--var", type=Path)
    args = parser.parse_args()
    if args.role:
        runner = {"import": run_import, "floor": run_floor, "bare_floor": run_bare_floor, "peer": run_peer}[args.role]
        print(json.dumps(runner(args.file, args.var)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path = Path(tmp) / "people.xlsx"
        with tempfile.TemporaryDirectory() as var:
            _setup_django(Path(var))
            started = time.perf_counter()
            generate(path, args.rows)
        print(f"file: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s")
        floor = _child("floor", path)
        print(f"floor  (calamine + sqlite3 executemany into the same table and indexes): {floor['seconds']:.2f} s")
        bare = _child("bare_floor", path)
        print(f"bare floor (calamine + sqlite3 executemany, the file's columns, no index): {bare['seconds']:.2f} s")
        imported = _child("import", path)
        print(f"import (full pipeline): {imported['seconds']:.2f} s, created {imported['created']}, "
              f"peak memory {imported['peak_mib']:.0f} MiB")
        peer_path = path
        if args.peer_rows and args.peer_rows < args.rows:
            peer_path = Path(tmp) / "peer.xlsx"
            generate(peer_path, args.peer_rows)
        peer = _child("peer", peer_path)
        peer_seconds = peer["seconds"] * (args.rows / args.peer_rows if args.peer_rows and args.peer_rows < args.rows else 1)
        note = f" (measured on {args.peer_rows} rows, scaled linearly)" if peer_path != path else ""
        print(f"peer   (django-import-export): {peer_seconds:.2f} s{note}, created {peer['created']}")
        print(f"import/bare_floor = {imported['seconds'] / bare['seconds']:.2f}")
        print(f"import/floor = {imported['seconds'] / floor['seconds']:.2f}")
        print(f"peer/import = {peer_seconds / imported['seconds']:.2f}")


if __name__ == "__main__":
    main()
