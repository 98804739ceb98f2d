"""Backups: a database dump and an export archive in one folder, checksummed, kept by
retention, and copied offsite when `BACKUP_S3_URL` is set.

Every backup leaves a `BackupRun` row whatever happens. A failed backup keeps no partial
file (here or offsite) and its row says why; the ledger run around it (the scheduled or
page job, or `backup_now`'s) fails too, which notifies the admins. The dump is the
database vendor's own: `pg_dump -Fc` on PostgreSQL, SQLite's online backup API on the
embedded default — both consistent while the application keeps writing.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3

# pg_dump runs with an argument list, never through a shell.
import subprocess  # nosec B404
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.jobs import PermanentJobError, current_run, enqueue, progress
from dataops.models import JobRun
from dataops.portability import offsite, retention
from dataops.portability.archive import sha256_of_path
from dataops.portability.export import export_data, record_export
from dataops.portability.models import BackupRun, ExportArchive, Outcome, Trigger
from dataops.redact import redact

log = logging.getLogger(__name__)

FOLDER_PREFIX = "backup-"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
PG_LIB_DIR = Path("/usr/lib/postgresql")
# Connection options of DATABASES["default"] that pg_dump takes from its environment.
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}
UNSETTLED = (JobRun.Status.QUEUED, JobRun.Status.RUNNING, JobRun.Status.RETRYING)
ABANDONED = "The backup did not finish: the process running it stopped."


class BackupError(PermanentJobError):
    """A backup step failed; the message says which and why (shown on the Backups page).
    Permanent for the ledger: the next scheduled backup is the retry."""

    def __init__(self, message: str, *, run: BackupRun | None = None) -> None:
        super().__init__(message)
        self.run = run


ALREADY_RUNNING = "A backup is already under way (run #{run}); wait for it to finish."


# --- from the page -----------------------------------------------------------------------


def active_backup_job() -> JobRun | None:
    """The backup job queued or running now, if any (newest first)."""
    from dataops.portability.backup_tasks import KIND

    return JobRun.objects.filter(kind=KIND, status__in=UNSETTLED).order_by("-created_at").first()


def backup_request(*, by) -> JobRun:
    """Queue a backup for `by` (the Backups page); ServiceError while one is under way.
    (Two admins clicking in the same instant get two backups in two folders: harmless.)"""
    from dataops.portability.backup_tasks import backup

    if (running := active_backup_job()) is not None:
        raise ServiceError(ALREADY_RUNNING.format(run=running.pk))
    return enqueue(
        backup,
        kwargs={"trigger": Trigger.PAGE, "by_id": by.pk},
        trigger=JobRun.Trigger.MANUAL,
        by=by,
    )


# --- one backup ----------------------------------------------------------------------------


def run_backup(*, trigger: str, by=None) -> BackupRun:
    """Write a backup, copy it offsite when configured, then apply retention.

    Writes a `BackupRun` (and the `ExportArchive` of its export) and an audit event. On
    failure the row is marked failed with a readable error, its files are removed, and
    BackupError is raised for the ledger run around the call.
    """
    run = BackupRun.objects.create(
        trigger=trigger,
        triggered_by=by,
        database_vendor=connection.vendor,
        job_run=current_run(),
    )
    folder = backup_folder(run)
    try:
        _write(run, folder)
    except Exception as exc:
        _fail(run, folder, exc)
        raise BackupError(run.error, run=run) from exc
    _succeed(run)
    prune_backups()
    return run


def describe(run: BackupRun) -> dict:
    """What a backup wrote, for `backup_now` (text and --json)."""
    export = run.export
    return {
        "backup": run.pk,
        "status": run.status,
        "folder": str(backup_folder(run)),
        "dump": {"path": run.dump_path, "bytes": run.dump_size, "sha256": run.dump_sha256},
        "export": {
            "path": export.path if export else "",
            "bytes": export.size_bytes if export else 0,
            "sha256": export.sha256 if export else "",
        },
        "offsite_url": run.offsite_url,
        "offsite_verified_at": run.offsite_verified_at.isoformat()
        if run.offsite_verified_at
        else None,
        "error": run.error,
    }


def latest_offsite_url() -> str:
    """The offsite folder of the newest backup whose copy was verified and is still there."""
    run = (
        BackupRun.objects.filter(status=Outcome.SUCCEEDED, offsite_pruned_at=None)
        .exclude(offsite_verified_at=None)
        .first()
    )
    if run is None:
        raise offsite.OffsiteError("No backup has a verified offsite copy to drill.")
    return run.offsite_url


def backup_folder(run: BackupRun) -> Path:
    return settings.BACKUP_DIR / f"{FOLDER_PREFIX}{run.started_at:%Y%m%dT%H%M%SZ}-{run.pk}"


def _write(run: BackupRun, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=False)
    dump = dump_database(folder)
    run.dump_path, run.dump_size, run.dump_sha256 = str(dump), *_measure(dump)
    run.save(update_fields=["dump_path", "dump_size", "dump_sha256"])
    progress(dump_bytes=run.dump_size)
    run.export = record_export(
        export_data(out_dir=folder), trigger=run.trigger, by=run.triggered_by, job_run=run.job_run
    )
    run.save(update_fields=["export"])
    progress(export_bytes=run.export.size_bytes)
    if settings.BACKUP_S3_URL:
        run.offsite_url = offsite.upload_backup(
            folder_name=folder.name,
            files={dump: run.dump_sha256, Path(run.export.path): run.export.sha256},
        )
        run.offsite_verified_at = timezone.now()


def _measure(path: Path) -> tuple[int, str]:
    return path.stat().st_size, sha256_of_path(path)


def _succeed(run: BackupRun) -> None:
    from dataops.services import audit_record

    run.status = Outcome.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=run.triggered_by,
        action="backup.created",
        target=run,
        changes={
            "trigger": run.trigger,
            "dump_bytes": run.dump_size,
            "export_bytes": run.export.size_bytes,
            "offsite": run.offsite_url,
        },
    )


def _fail(run: BackupRun, folder: Path, exc: BaseException) -> None:
    from dataops.services import audit_record

    now = timezone.now()
    run.status = Outcome.FAILED
    run.finished_at = now
    run.error = redact(
        str(exc)
        if isinstance(exc, BackupError | offsite.OffsiteError)
        else f"{type(exc).__name__}: {exc}"
    )[:5000]
    run.pruned_at = now  # nothing of it is left
    _remove_folder(folder)
    if run.export_id:
        ExportArchive.objects.filter(pk=run.export_id).update(deleted_at=now)
    _remove_partial_offsite(folder.name)
    run.save()
    log.error("backup %s failed: %s", run.pk, run.error)
    audit_record(
        actor=run.triggered_by,
        action="backup.failed",
        target=run,
        changes={"trigger": run.trigger},
        note=run.error.splitlines()[0][:500] if run.error else "",
    )


def _remove_partial_offsite(folder_name: str) -> None:
    if not settings.BACKUP_S3_URL:
        return
    bucket, prefix = offsite.split_url(settings.BACKUP_S3_URL)
    url = f"s3://{bucket}/{'/'.join(p for p in (prefix, folder_name) if p)}/"
    try:
        offsite.delete_offsite(url)
    except offsite.OffsiteError as exc:
        log.warning("could not remove the partial offsite copy %s: %s", url, exc)


def _remove_folder(folder: Path) -> None:
    """Remove one backup folder; refuses anything that is not a backup folder."""
    if folder.name.startswith(FOLDER_PREFIX) and folder.is_dir():
        shutil.rmtree(folder)


# --- the database dump -----------------------------------------------------------------


def dump_database(folder: Path) -> Path:
    """Write the database's own backup into `folder` and return its path."""
    if connection.vendor == "postgresql":
        return pg_dump(folder / PG_DUMP_FILE)
    if connection.vendor == "sqlite":
        return sqlite_backup(folder / SQLITE_FILE)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def sqlite_backup(target: Path) -> Path:
    """A consistent copy through SQLite's online backup API (writers may keep writing).
    Not from inside a transaction: the copy would wait for that transaction for ever."""
    if connection.in_atomic_block:
        raise BackupError("The SQLite backup cannot run inside a database transaction.")
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    return target


def pg_dump(target: Path) -> Path:
    """`pg_dump -Fc` of the default database into `target`; the password travels in the
    environment (PGPASSWORD), never on the command line where `ps` would show it."""
    db = connection.settings_dict
    binary = pg_dump_binary(server_major=connection.pg_version // 10000)
    args = [binary, "-Fc", "--no-password", "--file", str(target), "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = dict(os.environ)  # libpq reads PG* here as it does for Django's own connection
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    options = db.get("OPTIONS", {})
    env |= {LIBPQ_ENV[key]: str(options[key]) for key in LIBPQ_ENV if options.get(key)}
    # An argument list, no shell; the binary was checked by pg_dump_binary.
    done = subprocess.run(  # nosec B603
        args, env=env, capture_output=True, text=True, timeout=settings.JOB_TIME_LIMIT_SECONDS
    )
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:]) or "no message"
        raise BackupError(f"pg_dump failed (exit {done.returncode}): {detail}")
    return target


def pg_dump_binary(*, server_major: int) -> str:
    """The pg_dump to run: BACKUP_PG_DUMP, else the one on PATH, else the newest one of
    /usr/lib/postgresql/*/bin. It must be at least the server's major version (pg_dump
    refuses newer servers)."""
    if settings.BACKUP_PG_DUMP:
        candidates = [settings.BACKUP_PG_DUMP]
    else:
        installed = sorted(PG_LIB_DIR.glob("*/bin/pg_dump"), key=_dir_version, reverse=True)
        candidates = [p for p in [shutil.which("pg_dump"), *map(str, installed)] if p]
    if not candidates:
        raise BackupError("pg_dump is not installed (set BACKUP_PG_DUMP to its path).")
    found = []
    for candidate in candidates:
        major = pg_dump_major(candidate)
        if major >= server_major:
            return candidate
        found.append(f"{candidate} is version {major}")
    raise BackupError(
        f"No pg_dump of version {server_major} or newer for this PostgreSQL {server_major} "
        f"server ({'; '.join(found)})."
    )


def pg_dump_major(binary: str) -> int:
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise BackupError(f"pg_dump not found at {binary} (BACKUP_PG_DUMP or PATH).")
    # An argument list of an existing executable, no shell.
    done = subprocess.run(  # nosec B603
        [binary, "--version"], capture_output=True, text=True, timeout=30
    )
    match = re.search(r"\)\s+(\d+)", done.stdout)
    if done.returncode != 0 or match is None:
        raise BackupError(f"{binary} --version did not answer like pg_dump: {done.stdout!r}")
    return int(match.group(1))


def _dir_version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


# --- retention -------------------------------------------------------------------------


def prune_backups() -> int:
    """Apply retention here and offsite (see `retention`); returns how many backups lost
    their files. Failed backups' leftovers go too; a backup still running is left alone
    unless it has been running longer than any job may (its process died)."""
    now = timezone.now()
    _fail_abandoned(now)
    succeeded = BackupRun.objects.filter(status=Outcome.SUCCEEDED).only("id", "started_at")
    keep = retention.backups_to_keep(
        [retention.Backup(r.id, timezone.localtime(r.started_at)) for r in succeeded],
        today=timezone.localdate(now),
        keep_daily=settings.BACKUP_KEEP_DAILY,
        keep_weekly=settings.BACKUP_KEEP_WEEKLY,
    )
    doomed = (
        BackupRun.objects.exclude(status=Outcome.RUNNING)
        .exclude(pk__in=keep)
        .filter(Q(pruned_at=None) | (~Q(offsite_url="") & Q(offsite_pruned_at=None)))
    )
    pruned = sum(_prune(run, now) for run in doomed)
    if pruned:
        log.info("retention removed %s backup(s)", pruned)
    return pruned


def _prune(run: BackupRun, now) -> int:
    removed = 0
    if run.pruned_at is None:
        _remove_folder(Path(run.dump_path).parent if run.dump_path else backup_folder(run))
        if run.export_id:
            ExportArchive.objects.filter(pk=run.export_id).update(deleted_at=now)
        run.pruned_at, removed = now, 1
    if run.offsite_url and run.offsite_pruned_at is None:
        try:
            offsite.delete_offsite(run.offsite_url)
            run.offsite_pruned_at = now
        except offsite.OffsiteError as exc:  # tried again by the next pruning
            log.warning("could not prune the offsite copy of backup %s: %s", run.pk, exc)
    run.save(update_fields=["pruned_at", "offsite_pruned_at"])
    return removed


def _fail_abandoned(now) -> None:
    limit = timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS * 2)
    BackupRun.objects.filter(status=Outcome.RUNNING, started_at__lt=now - limit).update(
        status=Outcome.FAILED, finished_at=now, error=ABANDONED
    )
