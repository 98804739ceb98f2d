"""Background jobs of the Data pages: "Export now" and "Run a drill now".

Both record a ledger run (progress per entity on the export), the export or drill row, and
an audit event naming the admin who asked.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, PermanentJobError, current_run
from dataops.portability.models import Outcome, Trigger

EXPORT_KIND = "portability.export"
DRILL_KIND = "portability.restore-drill"


def exports_dir() -> Path:
    """Where the Export page writes archives (export_data's default folder)."""
    return Path(settings.VAR_DIR) / "exports"


def _export(*, by, run, include_files: bool):
    """Write, record and audit one archive in the export folder."""
    from dataops.portability.export import export_data, record_export
    from dataops.services import audit_record

    result = export_data(out_dir=exports_dir(), include_files=include_files)
    archive = record_export(result, trigger=Trigger.PAGE, by=by, job_run=run)
    audit_record(
        actor=by,
        action="data.exported",
        target=archive,
        changes={"rows": archive.rows, "bytes": archive.size_bytes, "files": include_files},
    )
    return archive


@app.task(base=LedgerTask, kind=EXPORT_KIND)
def export_now(include_files: bool = False) -> JobOutcome:
    """Write an export archive, its progress on the run (entities done, rows)."""
    run = current_run()
    archive = _export(
        by=run.triggered_by if run is not None else None, run=run, include_files=include_files
    )
    return JobOutcome(
        counts={"rows": archive.rows},
        note=f"{archive.name}, {filesizeformat(archive.size_bytes)}",
        target=archive,
    )


@app.task(base=LedgerTask, kind=DRILL_KIND)
def restore_drill_now() -> JobOutcome:
    """Drill the latest export (with none, export first); a drill that fails fails the run
    (the admins are told)."""
    from dataops.portability.drill import DrillError, default_path, run_drill

    run = current_run()
    by = run.triggered_by if run is not None else None
    try:
        path = default_path()
    except DrillError:
        # Nothing exported yet (a retry of a failed command drill on a fresh installation):
        # export first, so the drill still proves what this installation holds.
        path = Path(_export(by=by, run=run, include_files=False).path)
    drill = run_drill(path, source=str(path), trigger=Trigger.PAGE, by=by, job_run=run)
    if drill.status != Outcome.SUCCEEDED:
        raise PermanentJobError(f"Restore drill #{drill.pk} failed: {drill.error}")
    rows = sum(drill.counts.values())
    return JobOutcome(counts={"rows": rows}, note=f"{rows} rows restored identical", target=drill)
