"""`gonghui worker`: background tasks run on RQ workers over Redis when GONGHUI_TASKS_BACKEND=rq (a city's or
province's deployment), from the database queue otherwise — the same task, the same result. Real processes, real
Redis; once per suite (in its SQLite pass)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("GONGHUI_REDIS_TEST_URL", "redis://127.0.0.1:6379/14")

ENQUEUE = """
from django.db import transaction
from gonghui.core import jobs
from gonghui.core.models import Job
from gonghui.orgs.models import User
user = User.objects.create_superuser(username="worker-test", password="x" * 12, email="")
with transaction.atomic():
    job = Job.objects.create(kind="enterprises.export", created_by=user, params={"filters": {}, "full": False})
    jobs.start(job)
print(job.pk)
"""


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SECRET_KEY": "worker-test-" + "x" * 40, "GONGHUI_DATA_KEY": "worker-test-key",
           "GONGHUI_HTTPS": "0", "GONGHUI_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONPATH": str(ROOT / "src"), **extra}
    for name in ("GONGHUI_TESTING", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def _gonghui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gonghui.cli", *args], env=env, capture_output=True, text=True,
                          check=False, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("backend", ["rq", "db"])
def test_a_queued_export_runs_on_the_worker(backend: str, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    if backend == "rq" and not _redis_answers():
        pytest.skip("Redis does not answer")
    if backend == "rq":
        redis.Redis.from_url(REDIS).flushdb()  # a database of its own, emptied: no stale job of another run
    env = _env(tmp_path, GONGHUI_TASKS_BACKEND=backend, REDIS_URL=REDIS)
    assert _gonghui(env, "migrate", "-v0").returncode == 0
    made = _gonghui(env, "shell", "--no-imports", "-c", ENQUEUE)
    assert made.returncode == 0, made.stderr
    job_id = made.stdout.strip().splitlines()[-1]
    state = "from gonghui.core.models import Job; j = Job.objects.get(pk={}); print(j.state, bool(j.result_file))"
    assert _gonghui(env, "shell", "--no-imports", "-c", state.format(job_id)).stdout.split() == ["queued", "False"]
    ran = _gonghui(env, "worker", "--burst")
    assert ran.returncode == 0, ran.stderr
    assert _gonghui(env, "shell", "--no-imports", "-c", state.format(job_id)).stdout.split() == ["done", "True"]


def test_rq_without_redis_is_refused_at_start(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    env = _env(tmp_path, GONGHUI_TASKS_BACKEND="rq")
    env.pop("REDIS_URL", None)
    done = _gonghui(env, "check")
    assert done.returncode != 0 and "needs REDIS_URL" in done.stderr
