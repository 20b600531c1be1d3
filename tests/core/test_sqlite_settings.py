"""Any SQLite database gets the embedded database's safeguards, however it is named (issue 21): a
`DATABASE_URL` of `sqlite:///…` is WAL, IMMEDIATE and waits on a busy database as the default file does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gonghui.core.sqlite import SQLITE_OPTIONS, sqlite_database, with_safeguards

ROOT = Path(__file__).resolve().parents[2]

# Loads the real settings from the environment, opens the configured database and reports what it is.
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.db import connection

database = settings.DATABASES["default"]
with connection.cursor() as cursor:
    live = {}
    for pragma in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys"):
        cursor.execute(f"PRAGMA {pragma}")
        live[pragma] = cursor.fetchone()[0]
print(json.dumps({"name": str(database["NAME"]), "options": database["OPTIONS"], "live": live,
                  "transaction_mode": connection.transaction_mode}))
connection.close()
"""


def _probe(tmp_path: Path, **extra: str) -> dict:
    environ = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environ.update(SECRET_KEY="sqlite-settings-test", GONGHUI_DATA_KEY="sqlite-settings-test",
                   GONGHUI_VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT / "src"), **extra)
    environ["DJANGO_SETTINGS_MODULE"] = "gonghui.settings"
    done = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_sqlite_url_gets_the_same_options_and_a_live_connection_is_wal_with_a_busy_timeout(tmp_path: Path) -> None:
    url_file = tmp_path / "x.sqlite3"
    from_url = _probe(tmp_path, DATABASE_URL=f"sqlite:///{url_file}")
    embedded = _probe(tmp_path)
    assert from_url["name"] == str(url_file) and url_file.exists()
    assert embedded["name"] == str(tmp_path / "var" / "gonghui.sqlite3")
    assert from_url["options"] == embedded["options"] == SQLITE_OPTIONS
    for probed in (from_url, embedded):
        assert probed["live"]["journal_mode"] == "wal"
        assert probed["live"]["busy_timeout"] == SQLITE_OPTIONS["timeout"] * 1000 > 0
        assert probed["live"]["synchronous"] == 1  # NORMAL
        assert probed["live"]["foreign_keys"] == 1
        assert probed["transaction_mode"] == "IMMEDIATE"


def test_a_url_cannot_weaken_the_safeguards_and_other_engines_are_left_alone() -> None:
    weakened = with_safeguards({"ENGINE": "django.db.backends.sqlite3", "NAME": "x",
                                "OPTIONS": {"timeout": 0, "transaction_mode": "DEFERRED"}})
    assert weakened["OPTIONS"] == SQLITE_OPTIONS
    assert sqlite_database("x")["OPTIONS"] == SQLITE_OPTIONS
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "gonghui", "OPTIONS": {}}
    assert with_safeguards(postgres) is postgres


def test_the_databases_named_to_migrate_data_get_the_safeguards_too(tmp_path: Path, django_db_blocker) -> None:  # noqa: ANN001
    from django.db import connections

    from gonghui.core import move

    try:
        django_db_blocker.unblock()  # two databases of this test's own, not the test database
        move.connect(f"sqlite:///{tmp_path / 'from.sqlite3'}", f"sqlite:///{tmp_path / 'to.sqlite3'}")
        for alias in (move.SOURCE, move.TARGET):
            assert connections.settings[alias]["OPTIONS"] == SQLITE_OPTIONS
            with connections[alias].cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] > 0
    finally:
        for alias in (move.SOURCE, move.TARGET):
            if alias in connections.settings:
                connections[alias].close()
                del connections[alias]
                del connections.settings[alias]
        django_db_blocker.restore()
