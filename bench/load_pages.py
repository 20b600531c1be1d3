"""Load run: the app's processes under a bounded wrk load on loopback, page by page, against a hello-world view.

    python bench/load_pages.py [--size city|street] [--seconds 10] [--connections 8] [--workers 4]

On a throwaway PostgreSQL database (gonghui_load, dropped afterwards) with the demo data (`--size city`:
~200,000 people, 北院门 at full size), `gonghui serve` runs gunicorn workers on 127.0.0.1 and wrk (Debian's)
loads, one after another and for the same time each:
- hello: `/healthz` — the same processes, middleware and one `SELECT 1`, no page;
- the worker's phone home page (`/me/`, worker1, signed in);
- the street official's relief application list (beiyuanmen);
- the street's report completeness page for today's medical-observation form;
- the people search API (`GET /api/v1/people?q=…` with a bearer token).
Each line prints throughput, p50 and p99 latency and the 5xx count (counted by wrk's Lua hook, per request);
last come `page/hello` ratios (target ≥ 0.5) and the total of 5xx (target 0). Only loopback is loaded.
The processes use Redis as deployed (sessions read through it; Redis database 12 under a prefix of the run's own).
The headline figures are the uncached pages: the first pass runs with GONGHUI_PAGE_CACHE=0, every answer built.
Then, printed beside them and never instead, the same load with the page cache of core.pagecache on (reads
only: after the first request a page comes from the cache), and with the cache on while a client changes a
person's record twice a second (what a write costs the cache); `--passes` picks one.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("GONGHUI_PG_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
DB = "gonghui_load"
PORT = 18100
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "Gonghui@2026"
REDIS = os.environ.get("GONGHUI_LOAD_REDIS", "redis://127.0.0.1:6379/12")

COUNT_5XX = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) fives = 0 end
function response(status, headers, body) if status >= 500 then fives = fives + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("fives") end
  io.write(string.format("FIVES %d\\n", total))
  io.write(string.format("P50 %f\\nP99 %f\\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("RPS %f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("REQUESTS %d\\n", summary.requests))
end
"""


def _database(action: str, name: str = DB) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if action == "create":
            connection.execute(f"CREATE DATABASE {name}")


def _session(username: str) -> str:
    """Sign in through the login form as a person would; returns the session cookie's value."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{BASE}/accounts/login/", data=body, headers={"Referer": f"{BASE}/accounts/login/"})
    opener.open(request, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"sign-in as {username} failed")
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies.get('csrftoken', '')}"


def _get(path: str, cookie: str) -> str:
    request = urllib.request.Request(f"{BASE}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        return response.read().decode()


def _token(username: str) -> str:
    import json

    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{BASE}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def _wrk(path: str, header: str | None, seconds: int, connections: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    if header:
        command += ["-H", header]
    output = subprocess.run([*command, f"{BASE}{path}"], capture_output=True, text=True, check=True).stdout
    values = dict(re.findall(r"^(FIVES|P50|P99|RPS|REQUESTS) ([\d.]+)$", output, re.MULTILINE))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(values["RPS"]), "p50": float(values["P50"]), "p99": float(values["P99"]),
            "fives": int(values["FIVES"]), "requests": int(values["REQUESTS"]),
            "non_ok": int(non_ok.group(1)) if non_ok else 0}


@contextmanager
def served_demo(name: str, *, size: str = "street", workers: int = 4) -> Iterator[Path]:
    """A throwaway PostgreSQL database `name` with the demo, served by `gonghui serve` on 127.0.0.1:PORT; yields the
    scratch folder (logs); stops the server and drops the database afterwards."""
    work = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    env = dict(os.environ, SECRET_KEY="bench-" + secrets.token_hex(24), GONGHUI_DATA_KEY="bench-" + secrets.token_hex(16),
               DATABASE_URL=f"{PG}/{name}", GONGHUI_VAR_DIR=str(work / "var"), GONGHUI_HTTPS="0",
               ALLOWED_HOSTS="127.0.0.1,localhost", GONGHUI_LOGIN_RATE_PER_IP="100000", DEBUG="0",
               REDIS_URL=REDIS, GONGHUI_PAGE_CACHE_PREFIX=f"gonghui-load:{secrets.token_hex(4)}:")
    server = None
    try:
        _database("create", name)
        started = time.perf_counter()
        subprocess.run([BIN / "gonghui", "migrate", "--noinput", "-v0"], env=env, check=True)
        subprocess.run([BIN / "gonghui", "demo", "--size", size], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([BIN / "gonghui", "collectstatic", "--noinput", "-v0"], env=env, check=True)
        print(f"data: demo --size {size} on PostgreSQL, ready in {time.perf_counter() - started:.0f} s")
        server = _serve(env, work, workers)

        def restart(**changes: str) -> None:
            nonlocal server
            _stop(server)
            server = _serve({**env, **changes}, work, workers)

        yield work, restart
    finally:
        if server is not None:
            _stop(server)
        _database("drop", name)
        _forget_cache(env["GONGHUI_PAGE_CACHE_PREFIX"])
        shutil.rmtree(work, ignore_errors=True)


def _serve(env: dict[str, str], work: Path, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([BIN / "gonghui", "serve", "--host", "127.0.0.1", "--port", str(PORT), "--workers",
                               str(workers), "--no-worker", "--no-collectstatic"], env=env,
                              stdout=(work / "serve.log").open("a"), stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    return server


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def _forget_cache(prefix: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)
    except redis.RedisError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("street", "city"), default="city")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--passes", choices=("all", "cached", "writes", "uncached"), default="all")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench installs it)")
    if subprocess.run([sys.executable, str(ROOT / "bench" / "pg_ready.py"), f"{PG}/postgres"], check=False).returncode:
        print(f"PostgreSQL not reachable at {PG}: the load run needs it and was skipped.")
        return
    with served_demo(DB, size=args.size, workers=args.workers) as (work, restart):
        passes = {"all": ["uncached", "cached", "writes"]}.get(args.passes, [args.passes])
        fives, cache_on, figures = 0, True, {}
        for name in passes:
            if (name == "uncached") == cache_on:
                cache_on = name != "uncached"
                restart(GONGHUI_PAGE_CACHE="1" if cache_on else "0")
            print(f"--- pass: {PASSES[name]}")
            figures[name] = _load_pass(work, args, writes=name == "writes")
            fives += sum(r["fives"] for r in figures[name].values())
        _summary(figures)
        print(f"5xx = {fives}")


def _summary(figures: dict[str, dict[str, dict[str, float]]]) -> None:
    """Each page's figures side by side, the uncached first (the headline), the cached ones beside it."""
    order = [name for name in ("uncached", "cached", "writes") if name in figures]
    print("--- summary: req/s and p99 ms; " + ", then ".join(PASS_LABELS[name] for name in order))
    first = figures[order[0]]
    for label in first:
        cells = [f"{PASS_LABELS[name]} {figures[name][label]['rps']:8.1f} req/s p99 {figures[name][label]['p99']:7.1f} ms"
                 for name in order]
        print(f"{label:24} " + "  |  ".join(cells))
    hello = "hello (/healthz)"
    for label in list(first)[1:]:
        ratios = [f"{PASS_LABELS[name]} {figures[name][label]['rps'] / figures[name][hello]['rps']:.2f}" for name in order]
        beside = f"  ({', '.join(ratios[1:])})" if len(ratios) > 1 else ""
        print(f"{label}/hello = {ratios[0]}{beside}")


PASS_LABELS = {"uncached": "uncached", "cached": "cached", "writes": "cached+writes"}
PASSES = {
    "cached": "page cache on (Redis), reads only",
    "writes": "page cache on, and a person's record changed through the API twice a second meanwhile "
              "(a write to the people table and the audit log, which the homes, the relief list and the search read)",
    "uncached": "page cache off (GONGHUI_PAGE_CACHE=0): every answer built",
}


@contextmanager
def _writing(token: str, every: float = 0.5) -> Iterator[list[int]]:
    """A client that changes one person's record through the API every `every` seconds; yields its statuses."""
    import json
    import threading

    listing = urllib.request.Request(f"{BASE}/api/v1/people?limit=1", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(listing, timeout=30) as response:
        person = json.loads(response.read())["items"][0]["id"]
    statuses: list[int] = []
    stop = threading.Event()

    def write() -> None:
        while not stop.wait(every):
            body = json.dumps({"job": f"岗位{len(statuses)}"}).encode()
            request = urllib.request.Request(f"{BASE}/api/v1/people/{person}", data=body, method="PATCH", headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join(timeout=30)


def _load_pass(work: Path, args: argparse.Namespace, *, writes: bool = False) -> dict[str, dict[str, float]]:
    worker, official = _session("worker1"), _session("beiyuanmen")
    reports = _get("/reports/", official)
    task = re.search(r'href="/reports/(\d+)/"', reports)
    if not task:
        raise SystemExit("no report task on the street's reports page")
    token = _token("beiyuanmen")
    script = work / "count.lua"
    script.write_text(COUNT_5XX)
    targets = [
        ("hello (/healthz)", "/healthz", None),
        ("worker home (phone)", "/me/", f"Cookie: {worker}"),
        ("relief applications", "/relief/applications/", f"Cookie: {official}"),
        ("report completeness", f"/reports/{task.group(1)}/", f"Cookie: {official}"),
        ("people search API", "/api/v1/people?q=%E7%8E%8B", f"Authorization: Bearer {token}"),
    ]
    for _label, path, header in targets[1:]:  # each page answers 200 before it is loaded
        if header and header.startswith("Cookie: "):
            _get(path, header.removeprefix("Cookie: "))
    print(f"wrk: 2 threads, {args.connections} connections, {args.seconds} s a page; "
          f"gunicorn {args.workers} workers; 2 cores shared by both")
    results, writer = {}, (_writing(token) if writes else _nothing())
    with writer as statuses:
        for label, path, header in targets:
            results[label] = result = _wrk(path, header, args.seconds, args.connections, script)
            print(f"{label:24} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms"
                  f"  {result['requests']:6d} requests  5xx {result['fives']}  non-2xx/3xx {result['non_ok']}")
    if writes:
        print(f"writes meanwhile: {len(statuses)}, answered {sorted(set(statuses))}")
        if any(status != 200 for status in statuses):
            raise SystemExit("a write of the writing client failed")
    return results


@contextmanager
def _nothing() -> Iterator[list[int]]:
    yield []

if __name__ == "__main__":
    main()
