"""Restore an export archive into an empty installation, or report what that would do.

The archive is validated first and an invalid one is refused. The real import runs in one
transaction: rows go in parents first, in batches, with their primary keys, and on
PostgreSQL the id sequences are moved past the imported ids afterwards. Rows are inserted
as they were exported: no save(), no signals, no auto_now stamping. Recurring generation and
the due-notifier are paused while it runs (see pause.py).

`merge=True` is for an installation that already has data, and only adds: a row whose
primary key is not here is inserted, a row whose primary key is here with the same content
(every exported column) is skipped, and a row whose primary key is here with different
content refuses the whole import (nothing is overwritten, nothing written). Restoring rows
deleted by mistake from an archive of this same installation is the case it serves; rows
made elsewhere usually collide on ids and are refused, and any other unique value taken here
(a username) is refused by the database, again with nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

from dataops.portability import pause
from dataops.portability.archive import FILE_DIR, ArchiveReader, entity_member, sha256_of
from dataops.portability.entities import Entity, NaturalKeys, column, exported, is_natural
from dataops.portability.export import dump_line, row_of
from dataops.portability.validate import validate_archive

BATCH_ROWS = 1000
NOT_EMPTY = (
    "This installation already has data ({entities}); import_data restores only into an "
    "empty installation (run migrate on a new database, then import), or with --merge adds "
    "only the rows missing here (identical rows skipped, a changed row refuses the import)."
)
CONFLICT = "{member} line {number}: {pk_name} {pk} is here with different content ({fields})"
INVALID = "The archive is not valid; nothing was imported."
REFUSED_BY_DATABASE = "The database refused a row; nothing was imported:"


class ImportRefused(Exception):
    """Raised inside the import transaction to roll it back with the problem list."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    dry_run: bool
    merge: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # --merge: identical rows here
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        key = "would_create" if self.dry_run else "created"
        data = {"dry_run": self.dry_run, "ok": self.ok, key: self.counts}
        if self.merge:
            data |= {"merge": True, "skipped": self.skipped}
        return data | {"problems": self.problems}


def import_data(*, path: Path, dry_run: bool, merge: bool = False) -> ImportResult:
    """Validate the archive, check the target is empty (or with `merge` that no row here
    differs), then (unless `dry_run`) restore it all in one transaction, with recurring
    generation and notifications paused. Writes nothing when anything is wrong or with
    `dry_run`."""
    result = ImportResult(dry_run=dry_run, merge=merge)
    report = validate_archive(path=path)
    if not report.ok:
        result.problems = [INVALID, *report.problems]
        return result
    entities = [e for e in exported() if e.name in report.counts]
    result.problems = [] if merge else _not_empty(entities)
    with ArchiveReader(path) as reader:
        collect = dry_run or bool(result.problems)
        plan = _Plan(
            reader,
            with_credentials=report.manifest["with_credentials"],
            collect=collect,
            merge=merge,
        )
        if collect:
            result.counts = plan.count(entities)
            result.skipped = plan.skipped
            result.problems += plan.problems
            return result
        try:
            manifest = report.manifest
            with pause.paused(f"import_data restores {path.name}"):
                result.counts = _restore(
                    plan, entities, files=_file_members(manifest), checksums=manifest["files"]
                )
            result.skipped = plan.skipped
        except ImportRefused as exc:
            result.problems, result.counts = exc.problems, {}
        except DatabaseError as exc:
            result.problems, result.counts = [f"{REFUSED_BY_DATABASE} {exc}"], {}
    return result


def _not_empty(entities: list[Entity]) -> list[str]:
    filled = [e.name for e in entities if e.model._base_manager.exists()]
    return [NOT_EMPTY.format(entities=", ".join(filled))] if filled else []


def _file_members(manifest: dict) -> list[str]:
    return sorted(name for name in manifest["files"] if name.startswith(f"{FILE_DIR}/"))


class _Plan:
    """Turns JSON lines back into model instances, resolving natural keys."""

    def __init__(
        self, reader: ArchiveReader, *, with_credentials: bool, collect: bool, merge: bool = False
    ) -> None:
        self.reader = reader
        self.with_credentials = with_credentials
        self.collect = collect  # a dry run lists every problem; an import stops at the first
        self.merge = merge
        self.keys = NaturalKeys()
        self.problems: list[str] = []
        self.skipped: dict[str, int] = {}

    def objects(self, entity: Entity) -> Iterator[models.Model]:
        member = entity_member(entity.name)
        fields = entity.fields(with_credentials=self.with_credentials)
        for number, row in self._rows(entity, member, fields):
            values = {f.attname: self._value(f, row[column(f)], member, number) for f in fields}
            yield entity.model(**values)

    def _rows(self, entity: Entity, member: str, fields) -> Iterator[tuple[int, dict]]:
        """(line number, row) of every row to insert: all of them, or with merge those
        whose primary key is not here (identical ones counted as skipped)."""
        lines = enumerate(self.reader.lines(member), start=1)
        if not self.merge:
            for number, line in lines:
                yield number, json.loads(line)
            return
        self.skipped[entity.name] = 0
        batch: list[tuple[int, dict]] = []
        for number, line in lines:
            batch.append((number, json.loads(line)))
            if len(batch) == BATCH_ROWS:
                yield from self._new_rows(entity, member, fields, batch)
                batch = []
        yield from self._new_rows(entity, member, fields, batch)

    def _new_rows(self, entity: Entity, member: str, fields, batch: list[tuple[int, dict]]):
        pk_field = entity.model._meta.pk
        pk_name = column(pk_field)
        wanted = [pk_field.to_python(row[pk_name]) for _, row in batch]
        here = {
            values[0]: values[1:]
            for values in entity.model._base_manager.filter(pk__in=wanted).values_list(
                pk_field.attname, *(f.attname for f in fields)
            )
        }
        for (number, row), pk in zip(batch, wanted, strict=True):
            if pk not in here:
                yield number, row
                continue
            current = json.loads(dump_line(row_of(fields, here[pk], self.keys)))
            if current == row:
                self.skipped[entity.name] += 1
                continue
            changed = sorted(k for k in row if row[k] != current.get(k))
            self._problem(
                CONFLICT.format(
                    member=member, number=number, pk_name=pk_name, pk=pk, fields=", ".join(changed)
                )
            )

    def _value(self, f: models.Field, value: Any, member: str, number: int) -> Any:
        if value is None:
            return None
        if is_natural(f):
            pk = self.keys.pk(f.related_model, value)
            if pk is None:
                label = f.related_model._meta.label
                self._problem(f"{member} line {number}: no {label} {value} here")
            return pk
        if f.is_relation or isinstance(f, models.JSONField | models.FileField):
            return value
        return f.to_python(value)

    def _problem(self, text: str) -> None:
        if not self.collect:
            raise ImportRefused([text])
        self.problems.append(text)

    def count(self, entities: list[Entity]) -> dict[str, int]:
        return {e.name: sum(1 for _ in self.objects(e)) for e in entities}


def _restore(
    plan: _Plan, entities: list[Entity], *, files: list[str], checksums: dict[str, str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction.atomic(), _stamps_off([e.model for e in entities]):
        for entity in entities:
            counts[entity.name] = _insert(entity, plan.objects(entity))
        _reset_sequences([e.model for e in entities])
        _restore_files(plan.reader, files, checksums)
    return counts


def _insert(entity: Entity, objects: Iterator[models.Model]) -> int:
    batch: list[models.Model] = []
    count = 0
    for obj in objects:
        batch.append(obj)
        if len(batch) == BATCH_ROWS:
            count += len(entity.model._base_manager.bulk_create(batch))
            batch = []
            pause.refresh()
    return count + len(entity.model._base_manager.bulk_create(batch))


@contextmanager
def _stamps_off(model_list: list[type[models.Model]]) -> Iterator[None]:
    # auto_now / auto_now_add would overwrite the exported timestamps at insert time.
    stamped = [
        (f, f.auto_now, f.auto_now_add)
        for model in model_list
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for f, _, _ in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in stamped:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _restore_files(reader: ArchiveReader, members: list[str], checksums: dict[str, str]) -> None:
    for member in members:
        name = member.removeprefix(f"{FILE_DIR}/")
        if default_storage.exists(name):
            # Media that survived the database (same bytes) is kept; anything else is refused.
            with default_storage.open(name, "rb") as existing:
                if sha256_of(existing) == checksums[member]:
                    continue
            raise ImportRefused([f"{member}: a different file named {name} is in storage"])
        with reader.open(member) as stream:
            default_storage.save(name, stream)


def render(result: ImportResult) -> str:
    verb = "would create" if result.dry_run else "created"
    lines = [
        f"  {name}: {verb} {rows}"
        + (f", {result.skipped[name]} identical here skipped" if result.skipped.get(name) else "")
        for name, rows in result.counts.items()
    ]
    lines += [f"PROBLEM {problem}" for problem in result.problems]
    if result.ok:
        lines.append("Dry run: nothing was written." if result.dry_run else "Import complete.")
    return "\n".join(lines)
