"""The offsite copy against a local S3-compatible server (moto's server mode on 127.0.0.1):
upload, verification by reading the bytes back, a corrupted object, retention, fetching."""

import hashlib
import json
import tempfile
import urllib.request
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from moto.server import ThreadedMotoServer

from conftest import free_port
from dataops.portability import backups, offsite
from dataops.portability.models import BackupRun, Outcome, RestoreDrill, Trigger

# Committed rows: SQLite's online backup cannot copy from inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "dataops-backups"


@pytest.fixture
def s3(settings, tmp_path, monkeypatch):
    """A moto S3 server of the test's own, with a bucket; fake credentials only."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # Servers started in one process share moto's state: start each test empty.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_S3_URL = f"s3://{BUCKET}/nightly"
    settings.BACKUP_S3_ENDPOINT_URL = endpoint
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def keys(client, prefix: str = "") -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_backup_is_uploaded_and_verified(s3):
    run = backups.run_backup(trigger=Trigger.SCHEDULE)
    folder = Path(run.dump_path).parent.name
    assert run.offsite_url == f"s3://{BUCKET}/nightly/{folder}/"
    assert run.offsite_verified_at is not None
    names = [Path(run.dump_path).name, Path(run.export.path).name]
    assert keys(s3) == sorted(f"nightly/{folder}/{name}" for name in names)
    for path, expected in ((run.dump_path, run.dump_sha256), (run.export.path, run.export.sha256)):
        stored = s3.get_object(Bucket=BUCKET, Key=f"nightly/{folder}/{Path(path).name}")
        assert stored["Metadata"]["sha256"] == expected
        assert sha256(stored["Body"].read()) == expected == sha256(Path(path).read_bytes())


def test_a_corrupted_object_fails_verification(s3, tmp_path):
    path = tmp_path / "database.dump"
    path.write_bytes(b"the real dump")
    good = sha256(path.read_bytes())
    offsite.upload_backup(folder_name="backup-x", files={path: good})
    key = "nightly/backup-x/database.dump"
    # Same length and the same metadata: only reading the bytes back tells them apart.
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"the fake dump", Metadata={"sha256": good})
    with pytest.raises(offsite.OffsiteError, match="Checksum mismatch: s3://dataops-backups/"):
        offsite.verify_object(s3, bucket=BUCKET, key=key, sha256=good, size=13)
    with pytest.raises(offsite.OffsiteError, match="is not what was uploaded"):
        offsite.fetch_offsite(f"s3://{BUCKET}/{key}")


def test_a_verify_mismatch_fails_the_backup_and_leaves_nothing_behind(s3, monkeypatch):
    def corrupting_upload(client, path, bucket, key, sha):
        client.put_object(
            Bucket=bucket, Key=key, Body=b"x" * path.stat().st_size, Metadata={"sha256": sha}
        )

    monkeypatch.setattr(offsite, "_upload_file", corrupting_upload)
    with pytest.raises(backups.BackupError, match="Checksum mismatch"):
        backups.run_backup(trigger=Trigger.SCHEDULE)
    run = BackupRun.objects.get()
    assert run.status == Outcome.FAILED and run.error.startswith("Checksum mismatch: s3://")
    assert run.offsite_verified_at is None
    assert keys(s3) == []
    assert not any(Path(backups.backup_folder(run)).parent.glob("backup-*"))


def test_an_unreachable_storage_fails_the_backup_with_a_readable_error(s3, settings):
    settings.BACKUP_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(backups.BackupError):
        backups.run_backup(trigger=Trigger.SCHEDULE)
    error = BackupRun.objects.get().error
    assert error.startswith("Could not upload database.") and "127.0.0.1" in error


def test_a_missing_bucket_is_named(s3, settings):
    settings.BACKUP_S3_URL = "s3://no-such-bucket/x"
    with pytest.raises(backups.BackupError, match=r"\(NoSuchBucket"):
        backups.run_backup(trigger=Trigger.SCHEDULE)


def test_retention_applies_to_the_offsite_copies(s3, settings):
    old = backups.run_backup(trigger=Trigger.SCHEDULE)
    BackupRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=20))
    settings.BACKUP_KEEP_DAILY = 3
    settings.BACKUP_KEEP_WEEKLY = 1
    new = backups.run_backup(trigger=Trigger.SCHEDULE)  # prunes after writing
    old.refresh_from_db()
    assert old.pruned_at and old.offsite_pruned_at
    old_prefix = old.offsite_url.removeprefix(f"s3://{BUCKET}/")
    new_prefix = new.offsite_url.removeprefix(f"s3://{BUCKET}/")
    assert keys(s3, old_prefix) == [] and len(keys(s3, new_prefix)) == 2


def test_fetch_offsite_downloads_the_export_of_a_backup_for_a_drill(s3):
    run = backups.run_backup(trigger=Trigger.SCHEDULE)
    local = offsite.fetch_offsite(run.offsite_url)
    try:
        assert local.name.endswith(".tar.gz")
        assert sha256(local.read_bytes()) == run.export.sha256
    finally:
        local.unlink()


def test_fetch_offsite_names_what_is_missing(s3):
    with pytest.raises(
        offsite.OffsiteError, match="No .tar.gz file under s3://dataops-backups/nope/"
    ):
        offsite.fetch_offsite(f"s3://{BUCKET}/nope/")
    with pytest.raises(offsite.OffsiteError, match="Not an s3://bucket/prefix address"):
        offsite.fetch_offsite("https://example.org/x.tar.gz")


def test_restore_drill_from_offsite_restores_the_downloaded_export(s3, capsys):
    run = backups.run_backup(trigger=Trigger.SCHEDULE)
    call_command("restore_drill", "--from-offsite", "--json")
    report = json.loads(capsys.readouterr().out)
    drill = RestoreDrill.objects.get()
    assert report["status"] == "succeeded" and drill.status == Outcome.SUCCEEDED
    assert drill.source == run.offsite_url
    assert drill.archive_sha256 == run.export.sha256
    assert not list(Path(tempfile.gettempdir()).glob("dataops-offsite-*"))  # download removed


def test_restore_drill_from_offsite_without_any_copy_says_so(s3):
    with pytest.raises(CommandError, match="No backup has a verified offsite copy"):
        call_command("restore_drill", "--from-offsite")
