"""`gonghui migrate-data`: a street's SQLite installation moves into PostgreSQL — every row, the ledger total, the
sealed personal data still readable under the same key — and a second run adds nothing; the new database then
takes new rows (its sequences moved past the copied keys). Runs real processes on a real SQLite file and a real
PostgreSQL database; once per suite (in its SQLite pass), when PostgreSQL answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GONGHUI = [sys.executable, "-m", "gonghui.cli"]
PG = os.environ.get("GONGHUI_PG_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
TARGET = "gonghui_move_test"


def _pg_answers() -> bool:
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


pytestmark = pytest.mark.skipif(not _pg_answers(), reason="PostgreSQL does not answer")


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*GONGHUI, *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _shell(env: dict[str, str], code: str) -> str:
    return _run(env, "shell", "--no-imports", "-c", code).strip()


def test_a_street_moves_from_sqlite_to_postgresql(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TARGET}")
        conn.execute(f"CREATE DATABASE {TARGET}")
    source = f"sqlite:///{tmp_path / 'street.sqlite3'}"
    target = f"{PG}/{TARGET}"
    env = {**os.environ, "SECRET_KEY": "move-test-" + "x" * 40, "GONGHUI_DATA_KEY": "move-test-data-key",
           "GONGHUI_HTTPS": "0", "GONGHUI_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": source,
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("GONGHUI_TESTING", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _run(env, "migrate", "-v0")
    _run(env, "demo")
    probe = ("from gonghui.orgs.models import Person, User; from gonghui.reports.models import Report; "
             "p = Person.objects.order_by('pk').last(); "
             "print(Person.objects.count(), p.id_number, p.updated_at.isoformat(), User.objects.get(username='worker1').phone, "
             "Report.objects.order_by('pk').last().data['observed_total'])")
    before = _shell(env, probe)
    out = _run(env, "migrate-data", "--from", source, "--to", target)
    assert "the same as the source" in out and "orgs_person:" in out
    again = _run(env, "migrate-data", "--from", source, "--to", target)
    assert "the same as the source" in again and "copied of" not in again  # a second run adds nothing
    moved = {**env, "DATABASE_URL": target}
    assert _shell(moved, probe) == before  # sealed data reads back under the same key; stamps kept
    made = _shell(moved, "from gonghui.orgs.models import Tag; t = Tag.objects.create(name='搬迁之后'); "
                         "print(t.pk > Tag.objects.exclude(pk=t.pk).order_by('-pk').first().pk)")
    assert made == "True"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TARGET} WITH (FORCE)")


def test_a_source_behind_this_version_is_refused(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    source = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    env = {**os.environ, "SECRET_KEY": "move-test-" + "x" * 40, "GONGHUI_DATA_KEY": "move-test-data-key",
           "GONGHUI_HTTPS": "0", "GONGHUI_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": source,
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("GONGHUI_TESTING", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TARGET}_refused")
        conn.execute(f"CREATE DATABASE {TARGET}_refused")
    done = subprocess.run([*GONGHUI, "migrate-data", "--from", source, "--to", f"{PG}/{TARGET}_refused"], env=env,
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode != 0 and "gonghui migrate" in done.stderr and "Traceback" not in done.stderr
    with psycopg.connect(f"{PG}/{TARGET}_refused") as conn:  # nothing was made in the target
        assert conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") \
            .fetchone()[0] == 0
    unreachable = subprocess.run([*GONGHUI, "migrate-data", "--from", source, "--to", f"{PG}/{TARGET}_missing"],
                                 env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert unreachable.returncode != 0 and "cannot reach" in unreachable.stderr and "Traceback" not in unreachable.stderr
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TARGET}_refused WITH (FORCE)")
