"""Write the whole installation's exported entities to one archive.

Tables are streamed in primary-key order into temporary JSONL files (memory stays flat),
hashed, then packed with the manifest first so a reader knows the checksums up front.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from dataops.jobs import progress
from dataops.models import JobRun, User
from dataops.portability import FORMAT_VERSION
from dataops.portability.archive import (
    FILE_DIR,
    MANIFEST,
    ArchiveWriter,
    entity_member,
    sha256_of,
    sha256_of_path,
)
from dataops.portability.entities import Entity, NaturalKeys, column, exported, is_natural, to_json
from dataops.portability.models import ExportArchive

CHUNK_ROWS = 2000
PROGRESS_ROWS = 10_000  # a long table reports its progress this often


@dataclass
class ExportResult:
    path: Path
    manifest: dict


def dump_line(row: dict) -> bytes:
    return (
        json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    )


def row_of(fields: list[models.Field], values, keys: NaturalKeys) -> dict:
    """A row as it is written to the archive: `values` are the fields' attnames in order."""
    return {
        column(f): keys.key(f.related_model, v) if is_natural(f) else to_json(v)
        for f, v in zip(fields, values, strict=True)
    }


def _write_entity(
    entity: Entity, out: IO[bytes], *, with_credentials: bool, rows_before: int = 0
) -> int:
    fields = entity.fields(with_credentials=with_credentials)
    keys = NaturalKeys()
    rows = entity.model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    count = 0
    for values in rows.iterator(chunk_size=CHUNK_ROWS):
        out.write(dump_line(row_of(fields, values, keys)))
        count += 1
        if count % PROGRESS_ROWS == 0:
            progress(rows=rows_before + count)
    return count


def _file_names(entity: Entity) -> list[str]:
    names: list[str] = []
    for field in entity.fields():
        if isinstance(field, models.FileField):
            rows = entity.model._base_manager.order_by("pk").values_list(field.attname, flat=True)
            names.extend(name for name in rows.iterator(chunk_size=CHUNK_ROWS) if name)
    return names


def _migration_state() -> dict[str, str]:
    state: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        state[app] = max(state.get(app, ""), name)
    return dict(sorted(state.items()))


def _app_version() -> str:
    with (settings.BASE_DIR / "pyproject.toml").open("rb") as stream:
        return tomllib.load(stream)["project"]["version"]


def total_sha256(files: dict[str, str]) -> str:
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _archive_path(out_dir: Path, now) -> Path:
    """A new name: two exports within one second must not overwrite each other."""
    stem = f"dataops-export-{now:%Y%m%dT%H%M%SZ}"
    path, n = out_dir / f"{stem}.tar.gz", 1
    while path.exists():
        n += 1
        path = out_dir / f"{stem}-{n}.tar.gz"
    return path


def export_data(
    *, out_dir: Path, include_files: bool = False, with_credentials: bool = False
) -> ExportResult:
    """Write one archive into `out_dir` and return it with its manifest. Reads only."""
    now = timezone.now()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dataops-export-") as tmp:
        staged = _stage(Path(tmp), with_credentials=with_credentials)
        files = _stored_files() if include_files else {}
        checksums = {entity_member(n): sha256_of_path(path) for n, (path, _) in staged.items()}
        for member, name in files.items():
            with default_storage.open(name, "rb") as stream:
                checksums[member] = sha256_of(stream)
        counts = {name: rows for name, (_, rows) in staged.items()}
        manifest = _manifest(now=now, counts=counts, with_credentials=with_credentials)
        manifest["include_files"] = include_files
        manifest["files"] = dict(sorted(checksums.items()))
        manifest["total_sha256"] = total_sha256(checksums)
        target = _archive_path(out_dir, now)
        entity_files = {entity_member(name): path for name, (path, _) in staged.items()}
        _pack(target, manifest, entity_files, files)
    return ExportResult(path=target, manifest=manifest)


def _stage(folder: Path, *, with_credentials: bool) -> dict[str, tuple[Path, int]]:
    """Each entity's JSONL file in `folder`: entity name → (path, rows)."""
    staged: dict[str, tuple[Path, int]] = {}
    entities = exported()
    total = 0
    progress(entities=0, entities_total=len(entities), rows=0)
    for done, entity in enumerate(entities, start=1):
        path = folder / f"{entity.name}.jsonl"
        with path.open("wb") as stream:
            rows = _write_entity(
                entity, stream, with_credentials=with_credentials, rows_before=total
            )
        staged[entity.name] = (path, rows)
        total += rows
        progress(entities=done, rows=total)
    return staged


def _stored_files() -> dict[str, str]:
    """Archive member name → storage name of every file an exported row points at."""
    names = sorted(name for entity in exported() for name in _file_names(entity))
    return {f"{FILE_DIR}/{name}": name for name in names}


def _manifest(*, now, counts: dict[str, int], with_credentials: bool) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "migrations": _migration_state(),
        "created_at": now.isoformat(),
        "database_vendor": connection.vendor,
        "with_credentials": with_credentials,
        "entities": [{"name": name, "rows": rows} for name, rows in counts.items()],
    }


def _pack(target: Path, manifest: dict, staged: dict[str, Path], files: dict[str, str]) -> None:
    with ArchiveWriter(target) as writer:
        writer.add(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        for member, path in staged.items():
            writer.add(member, path)
        for member, name in files.items():
            with default_storage.open(name, "rb") as stream:
                writer.add_stream(member, stream, size=default_storage.size(name))


def record_export(
    result: ExportResult, *, trigger: str, by: User | None = None, job_run: JobRun | None = None
) -> ExportArchive:
    """Remember a written archive: the Export page lists it and a restore drill takes the
    latest by default. Backups call this for the export they write. Audit events are the
    caller's (the Export page's job records one; a command export records none, see
    export_data's command)."""
    path = result.path.resolve()
    manifest = result.manifest
    return ExportArchive.objects.create(
        name=path.name,
        path=str(path),
        size_bytes=path.stat().st_size,
        sha256=sha256_of_path(path),
        total_sha256=manifest["total_sha256"],
        counts={entry["name"]: entry["rows"] for entry in manifest["entities"]},
        include_files=manifest["include_files"],
        trigger=trigger,
        created_by=by,
        job_run=job_run,
    )
