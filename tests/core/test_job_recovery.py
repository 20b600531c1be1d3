"""A job whose worker died is queued again and completes with nothing twice and nothing lost."""

from __future__ import annotations

import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.core import jobs
from gonghui.core.models import Job

pytestmark = pytest.mark.django_db


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])  # noqa: S607
    process.wait()
    return process.pid  # gone: its number names no process (reused only after the pid space wraps)


def _running(runner: str, heartbeat_seconds_ago: float, attempts: int = 1) -> Job:
    beat = timezone.now() - timedelta(seconds=heartbeat_seconds_ago)
    return Job.objects.create(kind="people.import", state=Job.State.RUNNING, runner=runner, heartbeat_at=beat,
                              started_at=beat, attempts=attempts)


def test_a_job_of_a_dead_worker_on_this_machine_is_queued_again_at_once(django_capture_on_commit_callbacks) -> None:
    host = socket.gethostname()
    dead = _running(f"{host}:{_dead_pid()}", heartbeat_seconds_ago=1)
    alive = _running(jobs.this_runner(), heartbeat_seconds_ago=10_000)  # silent, but its process lives
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.recover_abandoned() == [dead.pk]
    assert len(callbacks) == 1  # its task is enqueued once the requeue commits
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == Job.State.QUEUED and "重新排队" in dead.message
    assert alive.state == Job.State.RUNNING


def test_a_job_of_another_machine_is_taken_up_only_after_the_silence(settings) -> None:  # noqa: ANN001
    settings.GONGHUI_JOB_STALE_SECONDS = 300
    fresh = _running("elsewhere:123", heartbeat_seconds_ago=299)
    silent = _running("elsewhere:124", heartbeat_seconds_ago=301)
    assert jobs.recover_abandoned() == [silent.pk]
    fresh.refresh_from_db()
    assert fresh.state == Job.State.RUNNING


def test_progress_is_the_heartbeat(settings) -> None:  # noqa: ANN001
    settings.GONGHUI_JOB_STALE_SECONDS = 300
    job = _running("elsewhere:125", heartbeat_seconds_ago=301)
    jobs.progress(job, 10, 100)
    assert jobs.recover_abandoned() == []


def test_a_job_that_keeps_losing_its_worker_is_failed_not_retried_for_ever(settings) -> None:  # noqa: ANN001
    settings.GONGHUI_JOB_MAX_ATTEMPTS = 3
    tried = _running("elsewhere:126", heartbeat_seconds_ago=10_000, attempts=3)
    again = _running("elsewhere:127", heartbeat_seconds_ago=10_000, attempts=2)
    assert jobs.recover_abandoned() == [again.pk]
    tried.refresh_from_db()
    assert tried.state == Job.State.FAILED and "多次中断" in tried.message


def test_claiming_a_job_names_its_runner_and_counts_the_attempt(run_queue) -> None:  # noqa: ANN001
    seen = {}

    def handler(job: Job) -> None:
        seen.update(runner=job.runner, attempts=job.attempts)

    jobs.register("test.recovery", handler)
    job = run_queue(lambda: jobs.start(Job.objects.create(kind="test.recovery")))
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert seen == {"runner": jobs.this_runner(), "attempts": 1}
