"""Platform background jobs: the self-check, and the ledger's own housekeeping.

The two housekeeping tasks are plain Celery tasks, not `LedgerTask`s: they keep the ledger
itself honest, run every minute, and must not depend on the rows they repair.
"""

from dataops import jobs
from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, PermanentJobError
from dataops.notify import tasks as notify_tasks  # noqa: F401 - registers the sender
from dataops.portability import backup_tasks  # noqa: F401 - registers the backup job
from dataops.portability import tasks as portability_tasks  # noqa: F401 - registers its jobs
from dataops.telegram import tasks as telegram_tasks  # noqa: F401 - registers its job


@app.task(base=LedgerTask, kind="platform.selfcheck", bind=True, time_limit=60)
def selfcheck(self, *, fail: bool = False) -> JobOutcome:
    """A no-op job proving the worker takes work from the broker and writes the ledger.

    ``fail=True`` makes it fail permanently: used to check the Failed jobs path end to end.
    """
    if fail:
        raise PermanentJobError("self-check asked to fail")
    return JobOutcome(counts={"checked": 1}, note=f"worker {self.request.hostname or 'eager'}")


@app.task(name="dataops.tasks.resend_waiting_runs", ignore_result=True)
def resend_waiting_runs() -> int:
    """Send the runs recorded while the queue was unavailable (also run at worker start)."""
    return jobs.resend_waiting_runs()


@app.task(name="dataops.tasks.reap_lost_runs", ignore_result=True)
def reap_lost_runs() -> int:
    """Fail, with the code `lost`, the runs a killed worker or a lost message left behind."""
    return jobs.reap_lost_runs()
