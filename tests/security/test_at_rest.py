"""No plain personal number in the database file after a run that typed them into every field that takes them.

`at_rest_typing.py` runs in its own process on a fresh SQLite file (not :memory:): it builds a small demo tree and
types distinctive ID numbers, phones and bank numbers into the person forms, the API, the search boxes, the sign-in
form (as a user name), 404 URLs, exports searched by ID, the worker's own contact forms and a filed report. Then the
raw bytes of the file and its write-ahead log are searched for each plain value, and so is everything the process
logged: none may appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from stdnum.cn import ric

ROOT = Path(__file__).resolve().parents[2]


def _id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


# Distinctive values the demo never makes (its IDs start 61/51, its phones 13[6-9] and 15).
VALUES = {
    "id_form": _id("11010119850307523"), "id_search": _id("11010119850307534"), "id_api": _id("11010119900615612"),
    "id_login": _id("11010119760101811"), "id_404": _id("11010119660202922"),
    "id_export_job": _id("11010119880808233"), "id_report": _id("11010119700909344"),
    "id_party": _id("11010119810411455"), "id_join": _id("11010119950512566"),
    "phone_form": "18912340001", "phone_emergency": "18912340002", "phone_api": "18912340003",
    "phone_api_patch": "18912340004", "phone_own": "18912340005", "phone_own_emergency": "18912340006",
    "phone_profile": "18912340007", "phone_login": "18912340008", "phone_404": "18912340009",
    "phone_report": "18912340010", "phone_party": "18912340011", "phone_agent": "18912340012",
    "phone_join": "18912340013",
    "bank_form": "6217000012345678901", "bank_edit": "6217000012345678902", "bank_login": "6217000012345678903",
}


def test_no_plain_personal_number_in_the_sqlite_file_or_the_logs(tmp_path: Path) -> None:
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(VALUES), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(GONGHUI_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="tests.settings",
               PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]), LOG_LEVEL="INFO")
    run = subprocess.run([sys.executable, "-m", "tests.security.at_rest_typing", str(values_file)], cwd=ROOT,  # noqa: S603
                         env=env, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    files = sorted((tmp_path / "var").glob("gonghui.sqlite3*"))
    assert files and files[0].stat().st_size > 100_000, "the run left no database file"
    raw = b"".join(f.read_bytes() for f in files)
    # The run did type them: the file holds their keyed-hash look-ups, and the masks of a few.
    assert b"189****0001" in raw
    found = [f"{name}={value}" for name, value in VALUES.items() if value.encode() in raw]
    assert not found, f"plain in the database file: {found}"
    logged = run.stdout + run.stderr
    assert "Not Found" in logged
    in_logs = [f"{name}={value}" for name, value in VALUES.items() if value in logged]
    assert not in_logs, f"plain in the logs: {in_logs}"
