"""Fault drill: PostgreSQL stopped for 10 seconds under load — requests fail cleanly, nothing is half-written, and
service resumes by itself.

    python bench/fault_postgres.py [--outage 10] [--threads 4]

On a throwaway database (gonghui_fault, dropped afterwards) with the street demo, `gonghui serve` (gunicorn) runs on
127.0.0.1 and four client threads loop for a bounded time over a page (the street official's people list) and a
write (`POST /api/v1/enterprises`, a new enterprise each time: one service call that writes the row and its audit
entry in one transaction). After a few seconds this machine's PostgreSQL cluster is stopped (`pg_ctlcluster … stop
-m fast`) for `--outage` seconds and started again. It then checks and prints:
- every answer was 200/201 or a clean 503 with its message — no 500, no other code (connection errors while the
  server restarted are counted apart);
- every 201 has its enterprise and that enterprise's audit entry; no enterprise exists whose request did not get
  its 201 (nothing half-written, nothing written twice);
- the first good answer after PostgreSQL came back, and that the last second of the run is all good answers.
Only loopback is loaded; the loop stops by itself. Run as root (or with sudo) where PostgreSQL is Debian's cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_pages import PG, PORT, _get, _session, _token, served_demo  # noqa: E402 - the load run's helpers

DB = "gonghui_fault"
BASE = f"http://127.0.0.1:{PORT}"
SUDO = [] if os.geteuid() == 0 else ["sudo"]


def _cluster() -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return [*SUDO, "pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    while True:
        body = "91610104" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        if uscc.is_valid(code):
            return code


def _request(method: str, path: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE}{path}", data=data, method=method,
                                     headers={**headers, **({"Content-Type": "application/json"} if data else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""  # the connection itself failed


def _text(body: str) -> str:
    """A page as it is, an API answer's JSON decoded (its message may be written with \\u escapes)."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("pg_ctlcluster") or not os.path.isdir("/etc/postgresql"):
        print("No Debian PostgreSQL cluster on this machine: the drill was skipped.")
        return
    if subprocess.run([sys.executable, str(Path(__file__).parent / "pg_ready.py"), f"{PG}/postgres"],
                      check=False).returncode:
        print(f"PostgreSQL not reachable at {PG}: the drill was skipped.")
        return
    try:
        with served_demo(DB, workers=3):
            _drill(args)
    finally:
        if subprocess.run([sys.executable, str(Path(__file__).parent / "pg_ready.py"), f"{PG}/postgres"],
                          check=False).returncode:
            subprocess.run([*_cluster(), "start"], check=False)  # never leave this machine's PostgreSQL stopped


def _drill(args: argparse.Namespace) -> None:  # noqa: C901 - one drill, read top to bottom
    cookie = _session("beiyuanmen")
    token = _token("beiyuanmen")
    _get("/people/", cookie)
    street = json.loads(_request("GET", "/api/v1/orgs?q=" + urllib.parse.quote("北院门"), {"Authorization": f"Bearer {token}"})[1])
    unit_id = next(u["id"] for u in (street if isinstance(street, list) else street["items"]) if "北院门" in u["name"])

    answers: list[tuple[float, str, int, str, str]] = []  # (time, kind, status, credit code, body)
    lock = threading.Lock()
    stop_at = time.monotonic() + 5 + args.outage + 15

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            status, body = _request("GET", "/people/", {"Cookie": cookie})
            with lock:
                answers.append((time.monotonic(), "page", status, "", body[:300]))
            code = _credit_code(rng)
            status, body = _request("POST", "/api/v1/enterprises", {"Authorization": f"Bearer {token}"},
                                    {"name": f"演练企业{code[-6:]}", "credit_code": code, "unit_id": unit_id})
            with lock:
                answers.append((time.monotonic(), "write", status, code, body[:300]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    down_at = time.monotonic()
    subprocess.run([*_cluster(), "stop", "-m", "fast"], check=True)
    print(f"PostgreSQL stopped for {args.outage} s under load ({args.threads} clients)")
    time.sleep(args.outage)
    subprocess.run([*_cluster(), "start"], check=True)
    up_at = time.monotonic()
    for thread in threads:
        thread.join()

    codes: dict[int, int] = {}
    for _at, _kind, status, _code, _body in answers:
        codes[status] = codes.get(status, 0) + 1
    print("answers by status:", ", ".join(f"{k or 'no connection'}: {v}" for k, v in sorted(codes.items())))
    unclean = [a for a in answers if a[2] not in (200, 201, 503, 0)]
    bad_503 = [a for a in answers if a[2] == 503 and "数据库暂时无法连接" not in _text(a[4])]
    created = {a[3] for a in answers if a[1] == "write" and a[2] == 201}
    refused = {a[3] for a in answers if a[1] == "write" and a[2] != 201}
    during = [a for a in answers if down_at <= a[0] <= up_at]
    after = [a for a in answers if a[0] > up_at]
    first_good = next((a[0] - up_at for a in after if a[2] in (200, 201)), None)
    tail = [a for a in answers if a[0] > stop_at - 1]

    import psycopg

    with psycopg.connect(f"{PG}/{DB}") as connection:
        rows = connection.execute(
            "SELECT e.credit_code, count(a.id) FROM orgs_enterprise e LEFT JOIN core_auditevent a "
            "ON a.object_type = 'orgs.enterprise' AND a.object_id = CAST(e.id AS TEXT) AND a.action = 'create' "
            "WHERE e.name LIKE '演练企业%%' GROUP BY e.credit_code").fetchall()
    stored = dict(rows)
    print(f"during the outage: {len(during)} answers, {sum(1 for a in during if a[2] == 503)} clean 503s")
    print(f"writes: {len(created)} answered 201, {len(refused)} refused; enterprises stored: {len(stored)}")
    print(f"first good answer {first_good:.1f} s after PostgreSQL came back" if first_good is not None
          else "no good answer after PostgreSQL came back")
    problems = []
    if unclean:
        problems.append(f"{len(unclean)} answers neither good nor a clean 503: "
                        + "; ".join(f"{a[1]} {a[2]} {a[4][:200]}" for a in unclean[:3]))
    if bad_503:
        problems.append(f"{len(bad_503)} 503s without the message")
    if not any(a[2] == 503 for a in during):
        problems.append("no 503 during the outage: the drill did not take PostgreSQL down")
    if set(stored) != created:
        problems.append(f"stored but not answered 201: {sorted(set(stored) - created)[:5]}; "
                        f"answered 201 but not stored: {sorted(created - set(stored))[:5]}")
    if any(audits != 1 for audits in stored.values()):
        problems.append("an enterprise without exactly one audit entry (half-written)")
    if not tail or any(a[2] not in (200, 201) for a in tail):
        problems.append("service did not resume by itself: the last second still fails")
    for problem in problems:
        print("FAILED:", problem)
    print(f"outage drill: {'every check held' if not problems else 'FAILED'}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
