"""restore_drill: an export restores into a scratch database and exports back identical.

The showcase runs on PostgreSQL (CI): generated data of every entity → export_data →
validate_export → restore_drill → identical checksums and a succeeded drill row; then a
one-byte change inside a copy of the archive makes validate_export fail naming the file.
The SQLite drill (its scratch database a temporary file) runs in a child process on a
SQLite installation, whatever database the suite itself uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dataops.models import AuditEvent, JobRun
from dataops.portability import drill as drill_module
from dataops.portability.drill import NO_EXPORT, compare, run_drill
from dataops.portability.models import ExportArchive, Outcome, RestoreDrill
from dataops.tests.portability_archives import export, members, rewrite, run
from dataops.tests.portability_data import fill_every_entity

pytestmark = pytest.mark.django_db


def manifest_of(archive: Path) -> dict:
    return json.loads(members(archive)["manifest.json"])


def scratch_databases() -> list[str]:
    """This test database's scratch databases still on the server."""
    prefix = connection.settings_dict["NAME"][:40].replace("_", "\\_")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}\\_drill\\_%"]
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def filled(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()


@pytest.mark.postgres
def test_showcase_export_validate_drill_then_a_flipped_byte_is_named(filled, tmp_path, capsys):
    archive = export(tmp_path / "out", "--include-files")
    record = ExportArchive.objects.get()
    assert Path(record.path) == archive.resolve() and record.include_files
    assert record.total_sha256 == manifest_of(archive)["total_sha256"]

    code, out = run(capsys, "validate_export", archive)
    assert code == 0 and "OK: the archive is complete and intact." in out

    code, out = run(capsys, "restore_drill", "--json")  # the latest export by default
    result = json.loads(out)
    assert code == 0, out
    assert (result["status"], result["mismatches"], result["error"]) == ("succeeded", [], "")
    drill = RestoreDrill.objects.get(pk=result["drill"])
    expected = manifest_of(archive)
    assert drill.status == Outcome.SUCCEEDED and drill.database_vendor == "postgresql"
    assert drill.source == str(archive.resolve())
    assert drill.archive_sha256 == record.sha256
    assert drill.counts == {e["name"]: e["rows"] for e in expected["entities"]}
    assert sum(drill.counts.values()) > 0 and drill.duration_seconds > 0
    assert scratch_databases() == []  # dropped afterwards
    run_row = JobRun.objects.get(kind="portability.restore-drill")
    assert run_row.status == JobRun.Status.SUCCEEDED and drill.job_run == run_row
    assert AuditEvent.objects.filter(action="data.restore_drill", target_id=str(drill.pk)).exists()

    # One byte of one member changed in a copy: validation names that member.
    def flip(files):
        name = "entities/tasks.task.jsonl"
        data = bytearray(files[name])
        at = data.index(b'"title":"') + len(b'"title":"')
        data[at] = ord("X") if data[at] != ord("X") else ord("Y")
        files[name] = bytes(data)

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", flip, reseal=False)
    code, out = run(capsys, "validate_export", tampered, "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert "entities/tasks.task.jsonl: sha256 does not match the manifest" in report["problems"]

    # Drilling the tampered copy fails, recorded, and the scratch database is gone too.
    code, out = run(capsys, "restore_drill", tampered)
    assert code == 1 and "FAILED: import_data refused the archive" in out
    failed = RestoreDrill.objects.latest("started_at")
    assert failed.status == Outcome.FAILED and "tasks.task.jsonl" in failed.error
    assert scratch_databases() == []
    assert JobRun.objects.filter(
        kind="portability.restore-drill", status=JobRun.Status.FAILED
    ).exists()


def test_the_drill_uses_a_scratch_database_of_the_same_vendor(filled, tmp_path, monkeypatch):
    archive = export(tmp_path / "out")
    seen: list[str] = []
    real = drill_module.child_env

    def spy(url, folder):
        seen.append(url)
        return real(url, folder)

    monkeypatch.setattr(drill_module, "child_env", spy)
    drill = run_drill(archive)
    assert drill.status == Outcome.SUCCEEDED, drill.error
    (url,) = seen
    if connection.vendor == "sqlite":
        assert url.startswith("sqlite:////") and url.endswith("drill.sqlite3")
        assert not Path(url.removeprefix("sqlite:///")).exists()  # a temp file, removed
    else:
        name = connection.settings_dict["NAME"]
        assert f"/{name}_drill_" in url
        assert scratch_databases() == []


def test_without_an_export_the_drill_says_what_to_do(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No export to drill: run export_data first"):
        call_command("restore_drill")
    assert NO_EXPORT == "No export to drill: run export_data first."
    assert not RestoreDrill.objects.exists()


def test_the_default_is_the_latest_export_whose_file_is_still_here(filled, tmp_path):
    from django.core.management import CommandError, call_command

    older = export(tmp_path / "a")
    newer = export(tmp_path / "b")
    assert drill_module.default_path() == newer.resolve()
    newer.unlink()
    assert drill_module.default_path() == older.resolve()
    older.unlink()
    with pytest.raises(CommandError, match="No export to drill"):
        call_command("restore_drill")


def test_a_mismatch_is_reported_per_file():
    expected = {
        "entities": [{"name": "tasks.task", "rows": 2}, {"name": "tasks.workflow", "rows": 1}],
        "files": {"entities/tasks.task.jsonl": "a" * 64, "entities/tasks.workflow.jsonl": "b" * 64},
    }
    restored = {
        "entities": [{"name": "tasks.task", "rows": 1}, {"name": "tasks.workflow", "rows": 1}],
        "files": {"entities/tasks.task.jsonl": "c" * 64, "entities/tasks.workflow.jsonl": "b" * 64},
    }
    assert compare(expected, expected) == []
    assert compare(expected, restored) == [
        {
            "name": "entities/tasks.task.jsonl",
            "archive_sha256": "a" * 64,
            "restored_sha256": "c" * 64,
            "archive_rows": 2,
            "restored_rows": 1,
        }
    ]


def test_an_unreadable_archive_fails_the_drill_with_the_reason(db, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tarball")
    drill = run_drill(bogus, source="s3://bucket/prefix/bogus.tar.gz")
    assert drill.status == Outcome.FAILED
    assert drill.source == "s3://bucket/prefix/bogus.tar.gz"
    assert "not a readable .tar.gz archive" in drill.error and drill.finished_at


def test_a_drill_on_sqlite_uses_a_temporary_file(filled, tmp_path):
    """A SQLite installation (a child process on its own SQLite file) drills the archive:
    its scratch database is a temporary file, the drill row lands in that installation."""
    archive = export(tmp_path / "out", "--include-files")
    main = tmp_path / "main.sqlite3"
    scratch_tmp = tmp_path / "tmp"
    scratch_tmp.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{main}",
        "MEDIA_ROOT": str(tmp_path / "sqlite-media"),
        "DATAOPS_VAR_DIR": str(tmp_path / "sqlite-var"),
        "DJANGO_SETTINGS_MODULE": "dataops.test_settings",
        "TMPDIR": str(scratch_tmp),
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    assert manage("migrate", "-v0").returncode == 0
    done = manage("restore_drill", str(archive), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded" and result["database_vendor"] == "sqlite"
    assert result["counts"] == {e["name"]: e["rows"] for e in manifest_of(archive)["entities"]}
    assert not list(scratch_tmp.glob("dataops-drill-*"))  # the temporary file is gone


def test_the_scratch_database_url_keeps_credentials_and_ssl_options():
    import environ

    params = {
        "NAME": "dataops",
        "USER": "dataops",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require", "pool": True},
    }
    config = environ.Env.db_url_config(drill_module._postgres_url(params, "dataops_drill_ab12"))
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == (
        "dataops_drill_ab12",
        "dataops",
        "p@ss:w/rd",
    )
    assert (config["HOST"], config["PORT"], config["OPTIONS"]) == (
        "db.internal",
        5433,
        {"sslmode": "require"},
    )


def test_a_failed_command_drill_is_retried_from_failed_jobs_and_drills(
    admin_client_, tmp_path, settings, django_capture_on_commit_callbacks
):
    """The retry sends the drill job; on an installation with no export yet it exports
    first, then drills that archive."""
    from dataops.tests.test_job_retry import _fail_a_command_run, _retry_from_the_page

    settings.VAR_DIR = tmp_path / "var"
    failed = _fail_a_command_run("portability.restore-drill")
    with django_capture_on_commit_callbacks(execute=True):
        retry, _ = _retry_from_the_page(admin_client_, failed)
    retry.refresh_from_db()
    assert retry.task_name == "dataops.portability.tasks.restore_drill_now"
    assert retry.status == JobRun.Status.SUCCEEDED, retry.error
    drill = RestoreDrill.objects.get()
    assert drill.status == Outcome.SUCCEEDED and drill.job_run == retry
    assert ExportArchive.objects.get().job_run == retry
