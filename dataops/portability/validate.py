"""Check an export archive without trusting it: nothing is extracted, nothing is written.

Every problem is collected, each naming the member (and line) it was found in, so one run
tells the whole story. `validate_archive` is also the import's first step.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from dataops.portability import FORMAT_VERSION
from dataops.portability.archive import (
    ENTITY_DIR,
    FILE_DIR,
    MANIFEST,
    ArchiveError,
    ArchiveReader,
    entity_member,
    sha256_of,
)
from dataops.portability.entities import Entity, by_name, column, is_natural
from dataops.portability.export import total_sha256
from dataops.redact import looks_secret

MAX_PROBLEMS_PER_MEMBER = 20
_MANIFEST_KEYS = {
    "format_version": int,
    "created_at": str,
    "database_vendor": str,
    "migrations": dict,
    "entities": list,
    "files": dict,
    "total_sha256": str,
    "with_credentials": bool,
    "include_files": bool,
}
_PARSED = (
    models.DateField,
    models.TimeField,
    models.UUIDField,
    models.DecimalField,
    models.GenericIPAddressField,
)


@dataclass
class Report:
    """What validation found; `ok` when nothing."""

    archive: str
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "ok": self.ok,
            "format_version": (self.manifest or {}).get("format_version"),
            "counts": self.counts,
            "problems": self.problems,
        }


def validate_archive(*, path) -> Report:
    """Validate the archive at `path`; reads only."""
    report = Report(archive=str(path))
    try:
        reader = ArchiveReader(path)
    except ArchiveError as exc:
        report.problems.append(str(exc))
        return report
    with reader:
        report.problems.extend(reader.problems)
        report.manifest = _read_manifest(reader, report)
        if report.manifest is not None:
            _check_members(reader, report.manifest, report)
    return report


# --- manifest --------------------------------------------------------------------------------


def _read_manifest(reader: ArchiveReader, report: Report) -> dict | None:
    if MANIFEST not in reader.members:
        report.problems.append(f"{MANIFEST}: missing")
        return None
    try:
        manifest = json.loads(reader.read(MANIFEST))
    except (ValueError, UnicodeDecodeError) as exc:
        report.problems.append(f"{MANIFEST}: not JSON ({exc})")
        return None
    problems = _manifest_problems(manifest)
    report.problems.extend(f"{MANIFEST}: {problem}" for problem in problems)
    return None if problems else manifest


def _manifest_problems(manifest: Any) -> list[str]:
    if not isinstance(manifest, dict):
        return ["not a JSON object"]
    problems = [
        f"{key} is missing or not a {kind.__name__}"
        for key, kind in _MANIFEST_KEYS.items()
        if not isinstance(manifest.get(key), kind)
    ]
    if problems:
        return problems
    if manifest["format_version"] > FORMAT_VERSION:
        return [
            f"format version {manifest['format_version']} was written by a newer DataOps; "
            f"this installation reads format {FORMAT_VERSION} and older"
        ]
    entities = manifest["entities"]
    if not all(isinstance(e, dict) and _entity_entry_ok(e) for e in entities):
        return ["entities must be a list of {name, rows}"]
    return []


def _entity_entry_ok(entry: dict) -> bool:
    return isinstance(entry.get("name"), str) and type(entry.get("rows")) is int


# --- members ---------------------------------------------------------------------------------


def _check_members(reader: ArchiveReader, manifest: dict, report: Report) -> None:
    listed: dict[str, str] = manifest["files"]
    for name in sorted(set(reader.members) - set(listed) - {MANIFEST}):
        report.problems.append(f"{name}: in the archive but not in the manifest")
    if total_sha256(listed) != manifest["total_sha256"]:
        report.problems.append(f"{MANIFEST}: total_sha256 does not match the file checksums")
    scan = _Scan(with_credentials=manifest["with_credentials"])
    for entry in manifest["entities"]:
        _check_entity(reader, entry, listed, scan, report)
    if manifest["include_files"]:
        report.problems.extend(scan.missing_file_problems(listed))
    for name in sorted(listed):
        if not name.startswith(f"{ENTITY_DIR}/"):
            _check_plain_file(reader, name, listed[name], report)
    report.problems.extend(scan.reference_problems())


def _check_plain_file(reader: ArchiveReader, name: str, expected: str, report: Report) -> None:
    if name not in reader.members:
        report.problems.append(f"{name}: listed in the manifest but missing from the archive")
        return
    with reader.open(name) as stream:
        if sha256_of(stream) != expected:
            report.problems.append(f"{name}: sha256 does not match the manifest")


def _check_entity(reader, entry: dict, listed: dict, scan: _Scan, report: Report) -> None:
    name, member = entry["name"], entity_member(entry["name"])
    entity = by_name().get(name)
    if entity is None:
        report.problems.append(f"{member}: unknown entity {name!r}")
        return
    if member not in reader.members or member not in listed:
        report.problems.append(f"{member}: listed in the manifest but missing from the archive")
        return
    digest, rows, problems = hashlib.sha256(), 0, []
    for number, line in enumerate(reader.lines(member), start=1):
        digest.update(line)
        rows += 1
        problems.extend(f"{member} line {number}: {p}" for p in scan.row(entity, line))
    if digest.hexdigest() != listed[member]:
        problems.insert(0, f"{member}: sha256 does not match the manifest")
    if rows != entry["rows"]:
        problems.append(f"{member}: {rows} rows, the manifest says {entry['rows']}")
    report.counts[name] = rows
    report.problems.extend(_capped(problems))


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_PER_MEMBER:
        return problems
    more = len(problems) - MAX_PROBLEMS_PER_MEMBER
    return [*problems[:MAX_PROBLEMS_PER_MEMBER], f"… and {more} more problems in this file"]


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One exported field, with what is checked on its values worked out once per entity."""

    name: str
    field: models.Field
    kind: str
    secret_allowed: bool

    def problem(self, value: Any) -> str | None:
        if value is None:
            return None if self.field.null else f"{self.name} must not be null"
        ok = _KIND_CHECKS[self.kind](value)
        if ok and self.kind == "parsed":
            return _parse_problem(self.field, self.name, value)
        return None if ok else f"{self.name} must be {_KIND_NAMES[self.kind]}"


_KIND_CHECKS = {
    "any": lambda v: True,
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "natural": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "str": lambda v: isinstance(v, str),
    "parsed": lambda v: isinstance(v, str),
}
_KIND_NAMES = {
    "bool": "true or false",
    "int": "an integer",
    "number": "a number",
    "natural": "a natural key (a list of strings)",
    "str": "a string",
    "parsed": "a string",
}


def _kind(field: models.Field) -> str:
    if is_natural(field):
        return "natural"
    target = field.target_field if field.is_relation else field
    kinds = (
        (models.JSONField, "any"),
        (models.BooleanField, "bool"),
        (models.IntegerField | models.AutoField, "int"),
        (models.FloatField, "number"),
        (_PARSED, "parsed"),
    )
    return next((kind for types, kind in kinds if isinstance(target, types)), "str")


@cache
def _columns(entity: Entity, with_credentials: bool) -> tuple[_Column, ...]:
    allowed = set(entity.credentials) if with_credentials else set()
    return tuple(
        _Column(column(f), f, _kind(f), f.name in allowed)
        for f in entity.fields(with_credentials=with_credentials)
    )


class _Scan:
    """Per-row checks, and the primary keys and references seen, to resolve at the end."""

    def __init__(self, *, with_credentials: bool) -> None:
        self.with_credentials = with_credentials
        self.pks: dict[str, set] = defaultdict(set)
        self.refs: dict[tuple[str, str, str], set] = defaultdict(set)
        self.file_names: dict[str, str] = {}

    def row(self, entity: Entity, line: bytes) -> list[str]:
        try:
            row = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return ["not a JSON line"]
        if not isinstance(row, dict):
            return ["not a JSON object"]
        columns = _columns(entity, self.with_credentials)
        self._remember(entity, row)
        problems = _key_problems(columns, row)
        if problems:
            return problems
        problems = [p for c in columns if (p := c.problem(row[c.name]))]
        self._remember_files(entity, columns, row)
        return problems + _secret_problems(columns, row)

    def _remember_files(self, entity: Entity, columns: tuple[_Column, ...], row: dict) -> None:
        for c in columns:
            if isinstance(c.field, models.FileField) and isinstance(row[c.name], str):
                self.file_names.setdefault(row[c.name], f"{entity_member(entity.name)} {c.name}")

    def missing_file_problems(self, listed: dict[str, str]) -> list[str]:
        return [
            f"{where}: {name} is not in the archive's files/"
            for name, where in sorted(self.file_names.items())
            if name and f"{FILE_DIR}/{name}" not in listed
        ]

    def _remember(self, entity: Entity, row: dict) -> None:
        # A row with a bad value still counts as present: one problem, not a cascade.
        pk = row.get(entity.model._meta.pk.attname)
        if isinstance(pk, int | str):
            self.pks[entity.name].add(pk)
        for ref in entity.references():
            if isinstance(row.get(ref.attname), int):
                target = ref.related_model._meta.label_lower
                self.refs[(entity.name, ref.attname, target)].add(row[ref.attname])

    def reference_problems(self) -> list[str]:
        problems = []
        for (name, attname, target), ids in sorted(self.refs.items()):
            missing = sorted(ids - self.pks[target])
            if missing:
                problems.append(
                    f"{entity_member(name)}: {attname} refers to {len(missing)} "
                    f"{target} row(s) not in the archive (e.g. id {missing[0]})"
                )
        return problems


def _key_problems(columns: tuple[_Column, ...], row: dict) -> list[str]:
    if len(row) == len(columns) and all(c.name in row for c in columns):
        return []
    expected = {c.name for c in columns}
    missing, unknown = sorted(expected - set(row)), sorted(set(row) - expected)
    return [f"missing fields: {', '.join(missing)}"] * bool(missing) + [
        f"unknown fields: {', '.join(unknown)}"
    ] * bool(unknown)


def _parse_problem(field: models.Field, name: str, value: str) -> str | None:
    try:
        field.to_python(value)
    except ValidationError:
        return f"{name}: {value[:40]!r} is not a valid {field.get_internal_type()}"
    return None


def _secret_problems(columns: tuple[_Column, ...], row: dict) -> list[str]:
    texts = {c.name: _text(row[c.name]) for c in columns if not c.secret_allowed}
    # One look at the whole row first: almost every row is clean, and redact is not cheap.
    if not looks_secret("\n".join(texts.values())):
        return []
    return [
        f"{name} holds a secret-looking value (token, key, signed URL)"
        for name, text in texts.items()
        if looks_secret(text)
    ]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else ""


def render(report: Report) -> str:
    """The human report: counts, then every problem, then the verdict."""
    lines = [f"Archive: {report.archive}"]
    lines += [f"  {name}: {rows} rows" for name, rows in report.counts.items()]
    lines += [f"PROBLEM {problem}" for problem in report.problems]
    lines.append("OK: the archive is complete and intact." if report.ok else "INVALID.")
    return "\n".join(lines)
