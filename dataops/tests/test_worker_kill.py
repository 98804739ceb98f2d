"""A worker killed with SIGKILL in the middle of a job: its run never stays "running".

The test runs a real Celery worker (prefork) on a redis-server of its own. Killing the pool
process that runs the job makes the worker hand the message out again at once; killing the
whole worker leaves the run to the reaper, which fails it as lost.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from conftest import ROOT
from dataops import health, services
from dataops.jobs import LOST_IN_WORKER, enqueue, reap_lost_runs
from dataops.models import JobRun, Notification
from dataops.tests.worker_jobs import HOLD_TIME_LIMIT, hold

pytestmark = [
    pytest.mark.services,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
WAIT_SECONDS = 45


def _database_url() -> str:
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(redis_server, live_broker, settings, tmp_path):
    """A prefork worker with one pool process, in its own process group (killed at the end)."""
    live_broker(redis_server.url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dataops.settings",
        "DEBUG": "false",
        "SECRET_KEY": "worker-secret-key-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_server.url,
        "DATAOPS_VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dataops",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-I",
            "dataops.tests.worker_jobs",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"kill-{uuid.uuid4().hex[:8]}@%h",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield process
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_for(run: JobRun, done) -> JobRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if done(run):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run #{run.pk} is {run.status} after {WAIT_SECONDS} s: {run.error}")


def _start_held_job() -> JobRun:
    run = enqueue(hold, kwargs={"seconds": 120})  # autocommit: sent at once
    return _wait_for(run, lambda r: r.status == JobRun.Status.RUNNING and "pid" in r.counts)


def test_a_job_whose_worker_process_is_killed_is_delivered_again_and_finishes(worker):
    run = _start_held_job()
    os.kill(run.counts["pid"], signal.SIGKILL)
    run = _wait_for(run, lambda r: r.status in (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED))
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.attempts == 2 and run.counts["finished_on_attempt"] == 2


def test_a_run_left_running_by_a_killed_worker_is_failed_as_lost(worker, admin_user):
    run = _start_held_job()
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: nobody will finish it
    worker.wait(timeout=10)
    run.refresh_from_db()
    assert run.status == JobRun.Status.RUNNING
    assert reap_lost_runs() == 0  # within its time limit it may still be working

    later = timezone.now() + timedelta(seconds=HOLD_TIME_LIMIT + 61)
    with time_machine.travel(later):
        assert reap_lost_runs() == 1
        assert reap_lost_runs() == 0
        run.refresh_from_db()
        assert run.status == JobRun.Status.FAILED and run.is_lost
        assert run.error.startswith(LOST_IN_WORKER)
        assert Notification.objects.filter(recipient=admin_user, kind="job_failed").count() == 1
        check = health.check_failed_jobs()
        assert check.status == health.WARN and "1 of them lost" in check.detail
        retry = services.job_retry(run=run, by=admin_user)
        assert retry.status == JobRun.Status.QUEUED
