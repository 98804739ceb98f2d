"""Jobs for tests that run a real worker (started with ``-I dataops.tests.worker_jobs``)."""

import os
import time

from dataops.celery import app
from dataops.jobs import LedgerTask, current_run, progress

HOLD_TIME_LIMIT = 20


@app.task(base=LedgerTask, kind="test.hold", time_limit=HOLD_TIME_LIMIT)
def hold(seconds: float = 60.0) -> dict:
    """Record the worker process, then hold it on the first attempt (long enough to be killed
    mid-job); an attempt after a redelivery finishes at once."""
    run = current_run()
    progress(pid=os.getpid())
    if run.attempts == 1:
        time.sleep(seconds)
    return {"finished_on_attempt": run.attempts}
