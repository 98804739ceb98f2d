"""The offsite copy of backups on S3-compatible storage (`BACKUP_S3_URL`).

Every file goes up with its sha256 as object metadata and is then read back in full and
hashed again: a copy counts as verified only when the bytes stored there are the bytes
written here. Credentials come from the standard AWS environment variables (or the
instance's role); `BACKUP_S3_ENDPOINT_URL` points at storage other than AWS.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from dataops.portability.archive import sha256_of_path

SHA256_KEY = "sha256"
CHUNK = 1024 * 1024
TIMEOUTS = Config(connect_timeout=10, read_timeout=120, retries={"max_attempts": 3})


class OffsiteError(Exception):
    """The offsite copy could not be written, verified, read or removed; says which and why."""


def split_url(url: str) -> tuple[str, str]:
    """s3://bucket/some/prefix → ("bucket", "some/prefix") without slashes at the ends."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise OffsiteError(f"Not an s3://bucket/prefix address: {url!r}.")
    return parsed.netloc, parsed.path.strip("/")


def _client():
    return boto3.client("s3", endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None, config=TIMEOUTS)


def _key(prefix: str, *parts: str) -> str:
    return "/".join(part for part in (prefix, *parts) if part)


def upload_backup(*, folder_name: str, files: dict[Path, str]) -> str:
    """Upload `files` (path → sha256) under BACKUP_S3_URL/folder_name/ and verify each by
    reading it back; returns the folder's s3:// URL. OffsiteError on any failure."""
    bucket, prefix = split_url(settings.BACKUP_S3_URL)
    client = _client()
    for path, sha256 in files.items():
        key = _key(prefix, folder_name, path.name)
        _call(
            f"upload {path.name} to s3://{bucket}/{key}",
            _upload_file,
            client,
            path,
            bucket,
            key,
            sha256,
        )
        verify_object(client, bucket=bucket, key=key, sha256=sha256, size=path.stat().st_size)
    return f"s3://{bucket}/{_key(prefix, folder_name)}/"


def _upload_file(client, path: Path, bucket: str, key: str, sha256: str) -> None:
    client.upload_file(str(path), bucket, key, ExtraArgs={"Metadata": {SHA256_KEY: sha256}})


def verify_object(client, *, bucket: str, key: str, sha256: str, size: int) -> None:
    """Raise OffsiteError unless the stored object has `size` bytes hashing to `sha256`."""
    where = f"s3://{bucket}/{key}"
    head = _call(f"read {where}", client.head_object, Bucket=bucket, Key=key)
    if head["ContentLength"] != size:
        raise OffsiteError(f"{where} holds {head['ContentLength']} bytes, {size} were uploaded.")
    if head.get("Metadata", {}).get(SHA256_KEY) != sha256:
        raise OffsiteError(f"{where} does not carry the sha256 it was uploaded with.")
    stored = _call(f"read {where}", _hash_object, client, bucket, key)
    if stored != sha256:
        raise OffsiteError(
            f"Checksum mismatch: {where} hashes to {stored[:12]}…, the backup to {sha256[:12]}…."
        )


def _hash_object(client, bucket: str, key: str) -> str:
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in body.iter_chunks(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def delete_offsite(url: str) -> int:
    """Remove every object under a backup's offsite folder; returns how many."""
    bucket, prefix = split_url(url)
    client = _client()
    keys = _call(f"list {url}", _list_keys, client, bucket, prefix + "/")
    for key in keys:
        _call(f"delete s3://{bucket}/{key}", client.delete_object, Bucket=bucket, Key=key)
    return len(keys)


def _list_keys(client, bucket: str, prefix: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def fetch_offsite(url: str, *, suffix: str = ".tar.gz") -> Path:
    """Download an offsite copy to a local temporary file and return its path (the caller
    deletes it). `url` names an object, or a backup's folder: then its file ending in
    `suffix` (the export archive). The bytes are checked against the stored sha256."""
    bucket, key = split_url(url)
    client = _client()
    if url.endswith("/"):
        key = _archive_key(client, bucket, key, suffix)
    head = _call(f"read s3://{bucket}/{key}", client.head_object, Bucket=bucket, Key=key)
    fd, name = tempfile.mkstemp(prefix="dataops-offsite-", suffix=suffix)
    path = Path(name)
    with open(fd, "wb") as out:
        _call(f"download s3://{bucket}/{key}", client.download_fileobj, bucket, key, out)
    expected = head.get("Metadata", {}).get(SHA256_KEY)
    if expected and sha256_of_path(path) != expected:
        path.unlink(missing_ok=True)
        raise OffsiteError(f"Checksum mismatch: s3://{bucket}/{key} is not what was uploaded.")
    return path


def _archive_key(client, bucket: str, prefix: str, suffix: str) -> str:
    keys = _call(f"list s3://{bucket}/{prefix}/", _list_keys, client, bucket, prefix + "/")
    matching = sorted(key for key in keys if key.endswith(suffix))
    if not matching:
        raise OffsiteError(f"No {suffix} file under s3://{bucket}/{prefix}/.")
    return matching[-1]


def _call(what: str, function, *args, **kwargs):
    """Run one storage call; its failure becomes an OffsiteError naming what was tried."""
    try:
        return function(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        detail = f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
        raise OffsiteError(f"Could not {what} ({detail}).") from exc
    except (BotoCoreError, OSError) as exc:
        raise OffsiteError(f"Could not {what}: {exc}") from exc
