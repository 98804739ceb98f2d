"""The embedded mode (no Redis: the filesystem broker) keeps Health's worker check honest.

A real worker runs on the filesystem broker, as under `make run`, and Health's check is run
in a process of its own with the same settings: the worker must answer the ping within the
check's deadline (the broker folder is polled; at the transport's default of one second it
never did).
"""

import contextlib
import os
import signal
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from conftest import ROOT

pytestmark = [pytest.mark.services, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECK = """
import time
import django
django.setup()
from dataops import health
deadline = time.monotonic() + 120  # the worker's start-up, on a machine busy with other tests
while time.monotonic() < deadline:
    started = time.monotonic()
    result = health.check_worker()
    took = time.monotonic() - started
    if result.status == health.OK:
        break
else:
    raise SystemExit(f"no answer: {result.detail}")
# Once the worker is up, every check must find it, not one in a few.
results = [health.check_worker() for _ in range(5)]
print(sum(r.status == health.OK for r in results), result.detail)
"""


def _embedded_env(tmp_path) -> dict:
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dataops.settings",
        "DEBUG": "false",
        "SECRET_KEY": "embedded-secret-key-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": "",  # the embedded broker
        "DATAOPS_VAR_DIR": str(tmp_path / "var"),
    }


def _start_worker(env: dict, output) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dataops", "worker", "--pool", "solo",
         "--without-mingle", "--without-gossip", "--loglevel", "INFO",
         "--hostname", f"embedded-{uuid.uuid4().hex[:8]}@%h"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def test_a_worker_on_the_filesystem_broker_answers_health_within_the_deadline(tmp_path):
    env = _embedded_env(tmp_path)
    log = tmp_path / "worker.log"
    with log.open("w") as output:  # the worker keeps its own copy of the descriptor
        worker = _start_worker(env, output)
    try:
        check = subprocess.run(
            [sys.executable, "-c", CHECK],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    answer = check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr
    worker_log = log.read_text(errors="replace")[-3000:]
    assert answer.startswith("5 1 worker(s) answered: embedded-"), f"{answer}\n{worker_log}"
