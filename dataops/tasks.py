"""Platform background jobs."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, PermanentJobError


@app.task(base=LedgerTask, kind="platform.selfcheck", bind=True)
def selfcheck(self, *, fail: bool = False) -> JobOutcome:
    """A no-op job proving the worker takes work from the broker and writes the ledger.

    ``fail=True`` makes it fail permanently: used to check the Failed jobs path end to end.
    """
    if fail:
        raise PermanentJobError("self-check asked to fail")
    return JobOutcome(counts={"checked": 1}, note=f"worker {self.request.hostname or 'eager'}")
