"""The backup job: scheduled by beat (`BACKUP_CRON`) and queued by the Backups page."""

from __future__ import annotations

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask
from dataops.portability.models import Trigger

KIND = "portability.backup"


@app.task(base=LedgerTask, kind=KIND, name="dataops.portability.backup_tasks.backup")
def backup(*, trigger: str = Trigger.SCHEDULE, by_id: int | None = None) -> JobOutcome:
    """One backup then retention; a failure fails the run (admins are notified)."""
    from dataops.models import User
    from dataops.portability.backups import run_backup

    by = User.objects.filter(pk=by_id).first() if by_id else None
    run = run_backup(trigger=trigger, by=by)
    return JobOutcome(
        counts={"dump_bytes": run.dump_size, "export_bytes": run.export.size_bytes},
        note=f"backup #{run.pk}" + (f", offsite {run.offsite_url}" if run.offsite_url else ""),
        target=run,
    )
