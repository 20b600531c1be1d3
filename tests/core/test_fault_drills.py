"""Fault drills with real processes: a worker killed with SIGKILL in the middle of a 50,000-row import is
started again, and the job completes with every row once — none twice, none lost. Once per suite (SQLite pass)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.core.test_workers import ROOT, _env, _gonghui

ROWS = 50_000  # three writing transactions (4 × 5,000 rows each): the kill lands after the first

SETUP = """
import sys
sys.path.insert(0, {bench!r})
from import_people import _tree, generate
from pathlib import Path
from django.db import transaction
from gonghui.orgs import imports
admin, unit = _tree()
path = Path({file!r})
generate(path, {rows})
source = imports.save_upload(iter([path.read_bytes()]), path.name)
with transaction.atomic():
    job = imports.start_import(actor=admin, kind="people.import", unit=unit, source=source, source_name=path.name,
                               mode="commit")
print(job.pk)
"""


def _job(db: Path | sqlite3.Connection, job_id: int) -> tuple[str, int, int, int]:
    c = db if isinstance(db, sqlite3.Connection) else sqlite3.connect(db, timeout=20)
    return c.execute("SELECT state, progress_done, progress_total, attempts FROM core_job WHERE id = ?",
                     [job_id]).fetchone()


def test_an_import_whose_worker_is_killed_midway_completes_with_every_row_once(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    env = _env(tmp_path, GONGHUI_TASKS_BACKEND="db", GONGHUI_IMPORT_MAX_ROWS="100000")
    db = tmp_path / "db.sqlite3"
    assert _gonghui(env, "migrate", "-v0").returncode == 0
    made = _gonghui(env, "shell", "--no-imports", "-c",
                    SETUP.format(bench=str(ROOT / "bench"), file=str(tmp_path / "people.xlsx"), rows=ROWS))
    assert made.returncode == 0, made.stderr
    job_id = int(made.stdout.strip().splitlines()[-1])

    worker = subprocess.Popen([sys.executable, "-m", "gonghui.cli", "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watch = sqlite3.connect(db, timeout=20, isolation_level=None)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until the first writing transaction has committed
            state, done, total, _attempts = _job(watch, job_id)
            if state == "running" and total and done > total // 2:
                break
            assert state in ("queued", "running"), state
            time.sleep(0.005)
        else:
            pytest.fail("the import never reached its writing pass")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    with sqlite3.connect(db) as c:
        written_before = c.execute("SELECT count(*) FROM orgs_person").fetchone()[0]
    assert 0 < written_before < ROWS, written_before  # killed midway: some rows written, not all
    assert _job(db, job_id)[0] == "running"  # abandoned, as a kill leaves it

    again = _gonghui(env, "worker", "--burst")  # a worker starting again takes up the abandoned job
    assert again.returncode == 0, again.stderr
    assert "queued again" in again.stdout
    state, done, total, attempts = _job(db, job_id)
    assert (state, done, total, attempts) == ("done", ROWS, ROWS, 2)
    with sqlite3.connect(db) as c:
        people, distinct = c.execute("SELECT count(*), count(DISTINCT id_hash) FROM orgs_person").fetchone()
        counts = c.execute("SELECT counts FROM core_job WHERE id = ?", [job_id]).fetchone()[0]
    assert people == distinct == ROWS
    assert f'"created": {ROWS}' in counts and '"rejected": 0' in counts, counts
    with sqlite3.connect(db) as c:
        message = c.execute("SELECT message FROM core_job WHERE id = ?", [job_id]).fetchone()[0]
    assert f"其中 {written_before} 条在工作进程中断前已写入" in message, message
