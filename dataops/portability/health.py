"""Health checks of data safety: is there a recent backup, and was restoring one tried?"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from dataops.health import FAIL, OK, WARN, CheckResult, _ago
from dataops.portability.models import BackupRun, Outcome, RestoreDrill

BACKUP_MAX_AGE = timedelta(hours=26)
DRILL_MAX_AGE = timedelta(days=30)
NO_BACKUP = "No backup has ever succeeded. Run manage.py backup_now or use the Backups page."
NO_DRILL = "No restore drill has succeeded yet: run manage.py restore_drill."


def is_production_install() -> bool:
    """Real data lives here: DEBUG is off and this is not the demo (`make run`)."""
    return not settings.DEBUG and not settings.DEMO_MODE


def check_backups() -> CheckResult:
    last = BackupRun.objects.filter(status=Outcome.SUCCEEDED).select_related("export").first()
    if last is None:
        status = FAIL if is_production_install() else WARN
        return CheckResult("Backups", status, NO_BACKUP + _last_failure())
    age = timezone.now() - (last.finished_at or last.started_at)
    size = filesizeformat(last.dump_size + (last.export.size_bytes if last.export else 0))
    text = f"Last backup {_ago(age)} ({size}; {_offsite_state(last)})."
    if age > BACKUP_MAX_AGE:
        return CheckResult("Backups", WARN, f"{text} Backups should run daily." + _last_failure())
    return CheckResult("Backups", OK, text)


def _offsite_state(run: BackupRun) -> str:
    if run.offsite_verified_at:
        return "offsite copy verified"
    return "offsite copy not configured" if not settings.BACKUP_S3_URL else "no offsite copy"


def _last_failure() -> str:
    failed = BackupRun.objects.filter(status=Outcome.FAILED).first()
    newest = BackupRun.objects.exclude(status=Outcome.RUNNING).first()
    if failed is None or failed != newest:
        return ""
    return f" The latest attempt failed: {failed.error.splitlines()[0][:200]}"


def check_restore_drills() -> CheckResult:
    last_ok = RestoreDrill.objects.filter(status=Outcome.SUCCEEDED).first()
    last = RestoreDrill.objects.exclude(status=Outcome.RUNNING).first()
    detail = f" Last drill: {describe_drill(last)}" if last else ""
    if last_ok is None:
        return CheckResult("Restore drills", WARN, NO_DRILL + detail)
    age = timezone.now() - (last_ok.finished_at or last_ok.started_at)
    if age > DRILL_MAX_AGE:
        text = f"The last successful restore drill was {_ago(age)}; drill at least monthly."
        return CheckResult("Restore drills", WARN, text + detail)
    return CheckResult("Restore drills", OK, f"Restore drill succeeded {_ago(age)}.{detail}")


def describe_drill(drill: RestoreDrill) -> str:
    """The archive, rows and duration of one drill, and what went wrong if it failed."""
    rows = sum(drill.counts.values()) if drill.counts else 0
    took = f"{drill.duration_seconds:.0f} s" if drill.duration_seconds is not None else "?"
    source = drill.source.rsplit("/", 1)[-1] or drill.source or "unknown archive"
    text = f"{drill.get_status_display().lower()}, {source}, {rows} rows"
    text += f" in {len(drill.counts)} entities, took {took}."
    if drill.mismatches:
        names = ", ".join(mismatch["name"] for mismatch in drill.mismatches)
        text += f" Checksums differ for: {names}."
    elif drill.error:
        text += f" {drill.error.splitlines()[0][:200]}"
    return text
