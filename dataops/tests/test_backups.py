"""Backups: a real dump of the test database, the export beside it, failure, retention on
real files, `backup_now`, and the Health checks."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dataops.models import AuditEvent, JobRun, Notification
from dataops.portability import backups
from dataops.portability.backup_tasks import KIND
from dataops.portability.health import (
    NO_BACKUP,
    NO_DRILL,
    check_backups,
    check_restore_drills,
)
from dataops.portability.models import BackupRun, ExportArchive, Outcome, RestoreDrill, Trigger

# Committed rows: SQLite's online backup cannot copy from inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_S3_URL = ""
    return settings.BACKUP_DIR


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def folders(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# --- writing a backup ------------------------------------------------------------------


def test_a_backup_records_both_files_with_their_size_and_checksum(admin_user, backup_dir):
    run = backups.run_backup(trigger=Trigger.PAGE, by=admin_user)
    run.refresh_from_db()
    assert run.status == Outcome.SUCCEEDED and run.finished_at and not run.error
    assert run.database_vendor == connection.vendor
    dump = Path(run.dump_path)
    assert dump.parent.parent == backup_dir
    assert run.dump_size == dump.stat().st_size > 0 and run.dump_sha256 == sha256(dump)
    archive = run.export
    assert Path(archive.path).parent == dump.parent and archive.trigger == Trigger.PAGE
    assert archive.size_bytes == Path(archive.path).stat().st_size
    assert archive.sha256 == sha256(archive.path) and archive.counts["dataops.user"] == 1
    event = AuditEvent.objects.get(action="backup.created")
    assert event.actor == admin_user and event.changes["dump_bytes"] == run.dump_size


@pytest.mark.postgres
def test_the_postgresql_dump_is_one_pg_restore_reads(admin_user):
    run = backups.run_backup(trigger=Trigger.COMMAND)
    listing = subprocess.run(
        ["pg_restore", "--list", run.dump_path], capture_output=True, text=True, check=True
    )
    assert "TABLE public dataops_user" in listing.stdout
    assert "TABLE public dataops_backuprun" in listing.stdout
    assert Path(run.dump_path).name == backups.PG_DUMP_FILE


def _sqlite_installation(tmp_path: Path):
    """`manage.py` of a SQLite installation of its own (a child process, whatever database
    this test run uses), so the SQLite online backup is exercised on every run."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'main.sqlite3'}",
        "DATAOPS_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "sqlite-backups"),
        "BACKUP_S3_URL": "",
        "DJANGO_SETTINGS_MODULE": "dataops.test_settings",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    return manage


def test_a_sqlite_installation_backs_up_through_the_online_backup_api(tmp_path):
    manage = _sqlite_installation(tmp_path)
    assert manage("migrate", "-v0").returncode == 0
    made = manage("shell", "-c", SQLITE_USER)
    assert made.returncode == 0, made.stderr
    done = manage("backup_now", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    dump = Path(report["dump"]["path"])
    assert dump.name == backups.SQLITE_FILE and dump.parent.parent == tmp_path / "sqlite-backups"
    assert report["dump"]["sha256"] == sha256(dump)
    copy = sqlite3.connect(dump)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master")}
        users = copy.execute("SELECT username FROM dataops_user").fetchall()
    finally:
        copy.close()
    assert {"dataops_user", "tasks_task", "dataops_backuprun"} <= tables
    assert users == [("ada",)]
    assert Path(report["export"]["path"]).exists()

    refused = manage("shell", "-c", SQLITE_BACKUP_IN_TRANSACTION)
    assert refused.returncode == 0, refused.stderr
    assert "refused: " in refused.stdout and "inside a database" in refused.stdout


SQLITE_USER = "from dataops.models import User; User.objects.create(username='ada')"
SQLITE_BACKUP_IN_TRANSACTION = """
from pathlib import Path
from django.db import transaction
from dataops.portability import backups
try:
    with transaction.atomic():
        backups.sqlite_backup(Path(backups.settings.BACKUP_DIR) / "copy.sqlite3")
except backups.BackupError as exc:
    print("refused:", exc)
"""


# --- failure -------------------------------------------------------------------------


def _fake_pg_dump(tmp_path: Path) -> Path:
    """Answers --version like pg_dump 99, writes half a file, then fails like a full disk."""
    script = tmp_path / "pg_dump"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.1"; exit 0; fi\n'
        'while [ "$1" != "--file" ]; do shift; done\n'
        'echo partial > "$2"\n'
        'echo "pg_dump: error: could not write to output file: No space left on device" >&2\n'
        "exit 1\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.postgres
def test_a_missing_pg_dump_fails_the_backup_with_a_readable_error(settings, backup_dir):
    settings.BACKUP_PG_DUMP = "/nonexistent/bin/pg_dump"
    with pytest.raises(backups.BackupError):
        backups.run_backup(trigger=Trigger.SCHEDULE)
    run = BackupRun.objects.get()
    assert run.status == Outcome.FAILED and run.finished_at
    assert run.error == "pg_dump not found at /nonexistent/bin/pg_dump (BACKUP_PG_DUMP or PATH)."
    assert folders(backup_dir) == []
    assert AuditEvent.objects.get(action="backup.failed").note == run.error


@pytest.mark.postgres
def test_a_pg_dump_that_fails_leaves_no_partial_file(settings, backup_dir, tmp_path):
    settings.BACKUP_PG_DUMP = str(_fake_pg_dump(tmp_path))
    with pytest.raises(backups.BackupError):
        backups.run_backup(trigger=Trigger.SCHEDULE)
    run = BackupRun.objects.get()
    assert run.error.startswith("pg_dump failed (exit 1): pg_dump: error: could not write")
    assert folders(backup_dir) == [] and run.export is None


@pytest.mark.postgres
def test_the_password_travels_in_the_environment_never_on_the_command_line(
    settings, monkeypatch, tmp_path
):
    seen = tmp_path / "seen"
    script = tmp_path / "pg_dump"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.1"; exit 0; fi\n'
        f'echo "$@" > {seen}.args; echo "$PGPASSWORD" > {seen}.env\n'
        'while [ "$1" != "--file" ]; do shift; done\n'
        'echo dump > "$2"\n'
    )
    script.chmod(0o755)
    settings.BACKUP_PG_DUMP = str(script)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pw")
    backups.pg_dump(tmp_path / "out.dump")
    args = Path(f"{seen}.args").read_text().split()
    assert args[0] == "-Fc" and "--no-password" in args
    assert args[args.index("--dbname") + 1] == connection.settings_dict["NAME"]
    assert "s3cret-pw" not in " ".join(args)
    assert Path(f"{seen}.env").read_text().strip() == "s3cret-pw"


@pytest.mark.postgres
def test_a_pg_dump_older_than_the_server_is_refused(monkeypatch):
    monkeypatch.setattr(backups, "pg_dump_major", lambda binary: 9)
    with pytest.raises(backups.BackupError, match="No pg_dump of version 1[0-9] or newer"):
        backups.pg_dump_binary(server_major=connection.pg_version // 10000)


def test_a_failure_after_the_export_removes_it_too(monkeypatch, backup_dir):
    def broken_upload(**kwargs):
        raise backups.offsite.OffsiteError("Could not upload: storage refused")

    monkeypatch.setattr(backups.settings, "BACKUP_S3_URL", "s3://nowhere/prefix")
    monkeypatch.setattr(backups.offsite, "upload_backup", broken_upload)
    monkeypatch.setattr(backups, "_remove_partial_offsite", lambda name: None)
    with pytest.raises(backups.BackupError):
        backups.run_backup(trigger=Trigger.SCHEDULE)
    run = BackupRun.objects.get()
    assert run.error == "Could not upload: storage refused"
    assert folders(backup_dir) == []
    assert ExportArchive.objects.get().deleted_at is not None


# --- the command and the ledger --------------------------------------------------------


def test_backup_now_prints_what_it_wrote_and_records_a_ledger_run(capsys):
    call_command("backup_now", "--json")
    report = json.loads(capsys.readouterr().out)
    run = BackupRun.objects.get()
    assert report["backup"] == run.pk and report["status"] == "succeeded"
    assert report["dump"] == {
        "path": run.dump_path,
        "bytes": run.dump_size,
        "sha256": sha256(run.dump_path),
    }
    assert report["export"]["sha256"] == sha256(report["export"]["path"])
    assert report["offsite_url"] == ""
    ledger = JobRun.objects.get(kind=KIND)
    assert ledger.status == JobRun.Status.SUCCEEDED and ledger.trigger == JobRun.Trigger.COMMAND
    assert run.job_run == ledger and run.trigger == Trigger.COMMAND

    call_command("backup_now")
    text = capsys.readouterr().out
    assert text.startswith(f"Backup #{run.pk + 1} written to ")
    assert "offsite not configured" in text


@pytest.mark.postgres
def test_a_failed_backup_now_exits_1_and_notifies_the_admins(
    settings, admin_user, capsys, django_capture_on_commit_callbacks
):
    settings.BACKUP_PG_DUMP = "/nonexistent/pg_dump"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SystemExit) as exit_:
        call_command("backup_now")
    assert exit_.value.code == 1
    assert "failed: pg_dump not found at /nonexistent/pg_dump" in capsys.readouterr().out
    ledger = JobRun.objects.get(kind=KIND)
    assert ledger.status == JobRun.Status.FAILED and "pg_dump not found" in ledger.error
    assert Notification.objects.filter(recipient=admin_user, kind="job_failed").exists()


def test_the_job_records_a_page_backup_for_whoever_asked(admin_user):
    from dataops.portability.backup_tasks import backup

    backup.apply(kwargs={"trigger": Trigger.PAGE, "by_id": admin_user.pk})
    run = BackupRun.objects.get()
    assert run.status == Outcome.SUCCEEDED and run.triggered_by == admin_user
    ledger = JobRun.objects.get(kind=KIND)
    assert ledger.status == JobRun.Status.SUCCEEDED and run.job_run == ledger
    assert ledger.counts["dump_bytes"] == run.dump_size
    assert ledger.counts["export_bytes"] == run.export.size_bytes


# --- retention on real files -----------------------------------------------------------


def _aged_backup(days: int) -> BackupRun:
    """A real backup, moved `days` into the past."""
    run = backups.run_backup(trigger=Trigger.SCHEDULE)
    started = timezone.now() - timedelta(days=days)
    BackupRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=started)
    run.refresh_from_db()
    return run


def test_pruning_removes_what_retention_does_not_keep(settings, backup_dir):
    old, yesterday, today = _aged_backup(9), _aged_backup(1), _aged_backup(0)
    settings.BACKUP_KEEP_DAILY = 2
    settings.BACKUP_KEEP_WEEKLY = 0
    failed = BackupRun.objects.create(status=Outcome.FAILED, error="boom")
    leftover = backups.backup_folder(failed)
    leftover.mkdir(parents=True)
    (leftover / "database.dump").write_bytes(b"half")

    assert backups.prune_backups() == 2
    for run in (old, yesterday, today, failed):
        run.refresh_from_db()
    assert old.pruned_at and failed.pruned_at and not yesterday.pruned_at and not today.pruned_at
    assert not Path(old.dump_path).exists() and not leftover.exists()
    assert Path(today.dump_path).exists() and Path(yesterday.export.path).exists()
    assert old.export.deleted_at is not None and today.export.deleted_at is None
    assert backups.prune_backups() == 0  # nothing left to do


def test_pruning_never_removes_the_newest_successful_backup(settings):
    only = _aged_backup(60)
    settings.BACKUP_KEEP_DAILY = 1
    settings.BACKUP_KEEP_WEEKLY = 1
    BackupRun.objects.create(status=Outcome.FAILED, error="pg_dump failed")
    backups.prune_backups()
    only.refresh_from_db()
    assert only.pruned_at is None and Path(only.dump_path).exists()


def test_a_backup_left_running_by_a_dead_process_is_failed_and_cleaned(settings):
    run = BackupRun.objects.create(status=Outcome.RUNNING)
    BackupRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(days=1))
    run.refresh_from_db()
    backups.backup_folder(run).mkdir(parents=True)
    backups.prune_backups()
    run.refresh_from_db()
    assert run.status == Outcome.FAILED and run.error == backups.ABANDONED
    assert not backups.backup_folder(run).exists()


# --- Health ------------------------------------------------------------------------------
# timesince() writes non-breaking spaces; the checks run at a frozen instant.


def text(result) -> str:
    return result.detail.replace("\xa0", " ")


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False):
        yield


def _backup_row(hours_ago: float, **extra) -> BackupRun:
    at = timezone.now() - timedelta(hours=hours_ago)
    return BackupRun.objects.create(
        status=Outcome.SUCCEEDED, started_at=at, finished_at=at, dump_size=3 * 1024**2, **extra
    )


@pytest.mark.parametrize(
    ("debug", "demo", "status"),
    [(False, False, "fail"), (False, True, "warn"), (True, False, "warn")],
)
def test_no_backup_ever_fails_health_only_on_a_production_install(settings, debug, demo, status):
    settings.DEBUG, settings.DEMO_MODE = debug, demo
    result = check_backups()
    assert (result.status, result.detail) == (status, NO_BACKUP)


def test_a_failed_latest_attempt_is_named(settings):
    settings.DEBUG, settings.DEMO_MODE = False, False
    BackupRun.objects.create(status=Outcome.FAILED, error="pg_dump failed (exit 1): disk full")
    result = check_backups()
    assert result.status == "fail"
    assert result.detail.endswith("The latest attempt failed: pg_dump failed (exit 1): disk full")


def test_a_backup_older_than_26_hours_warns(frozen):
    _backup_row(27)
    result = check_backups()
    assert result.status == "warn"
    assert text(result).startswith("Last backup 1 day, 3 hours ago (3.0 MB; offsite copy")


def test_a_recent_backup_is_ok_with_age_size_and_offsite_state(frozen):
    _backup_row(30)
    _backup_row(2, offsite_url="s3://b/p/x/", offsite_verified_at=timezone.now())
    result = check_backups()
    assert result.status == "ok"
    assert text(result) == "Last backup 2 hours ago (3.0 MB; offsite copy verified)."
    BackupRun.objects.filter(offsite_url__gt="").update(offsite_url="", offsite_verified_at=None)
    assert "offsite copy not configured" in check_backups().detail


def _drill(days_ago: float, status=Outcome.SUCCEEDED, **extra) -> RestoreDrill:
    at = timezone.now() - timedelta(days=days_ago)
    return RestoreDrill.objects.create(
        status=status,
        started_at=at - timedelta(seconds=42),
        finished_at=at,
        source="/srv/backups/backup-1/dataops-export-20261201T023000Z.tar.gz",
        counts={"dataops.user": 3, "tasks.task": 120},
        **extra,
    )


def test_no_successful_drill_warns():
    assert check_restore_drills().detail == NO_DRILL
    assert check_restore_drills().status == "warn"


def test_a_recent_drill_is_ok_and_shows_archive_counts_and_duration(frozen):
    _drill(40)
    _drill(3)
    result = check_restore_drills()
    assert result.status == "ok"
    assert text(result) == (
        "Restore drill succeeded 3 days ago. Last drill: succeeded, "
        "dataops-export-20261201T023000Z.tar.gz, 123 rows in 2 entities, took 42 s."
    )


def test_a_drill_older_than_30_days_warns_and_a_failed_last_drill_is_shown(frozen):
    _drill(31)
    _drill(1, status=Outcome.FAILED, mismatches=[{"name": "tasks.task"}])
    result = check_restore_drills()
    assert result.status == "warn"
    assert text(result).startswith("The last successful restore drill was 1 month ago;")
    assert result.detail.endswith("Checksums differ for: tasks.task.")


def test_the_checks_are_listed_in_settings():
    from django.conf import settings

    assert "dataops.portability.health.check_backups" in settings.HEALTH_CHECKS
    assert "dataops.portability.health.check_restore_drills" in settings.HEALTH_CHECKS


def test_cleanup_helper_refuses_folders_that_are_not_backups(tmp_path):
    precious = tmp_path / "media"
    precious.mkdir()
    backups._remove_folder(precious)
    assert precious.exists()
    shutil.rmtree(precious)
