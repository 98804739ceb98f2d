"""One file of the mirror → one registry record, with the problems its own text shows.

Pure Python over the SOP core (no Django, no database): `read_record` never raises, so a
single bad file can never stop the rest of the corpus from loading. Problems that need the
whole corpus (references, duplicate ids and aliases) are found later, by `docs_app.registry`.

Severities chosen for what the file alone shows (the quality report lists them):

* **registry** — YAML error, invalid `id`: *blocking* (the doc's identity is unreliable, so
  references to it break); unsupported `doc_type`, malformed alias, skipped file (binary,
  not UTF-8, too large, symlink leaving the repository): *warning*; a symlink inside the
  repository: *info* (listed, the target is the real doc).
* **lint** — *blocking* for marked SOPs (they declare `schema_version`), *warning* for the
  other docs the linter covers (legacy SOPs: only L02/L03 apply to them).
* **missing-metadata** — *info*: no frontmatter at all, no title anywhere, no `summary`, an
  SOP/checklist without `owner`. The report raises it to *warning* for docs a workflow
  template links to (computed at report time).
* **missing-metadata** also holds the *info* finding for an empty file (nothing but
  whitespace: the page would show nothing), in place of the other metadata findings.
* **todo-or-placeholder** — *info*: every `<!-- sop-todo -->` marker and every line with
  `TODO`, `TBD` or `FIXME` outside code (frontmatter excluded), and a title that is an
  unfilled template placeholder (`{{ name }}`, `<title>`, `TODO`).
* **missing-validation** — *warning*: a marked SOP whose Validation section has no text.
"""

from __future__ import annotations

import logging
import math
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from docs_app.links import extract_link_refs
from docs_app.sop import (
    DOC_TYPES,
    SopParseError,
    applies,
    domain_of,
    extract_refs,
    generated_id,
    headings,
    infer_doc_type,
    is_valid_id,
    lint,
    parse,
    split_frontmatter,
    title_for,
)
from docs_app.sop.lines import FenceTracker, content_of, split_lines, strip_code_spans
from docs_app.sop.refs import invalid_id_message, unsupported_doc_type_message
from docs_app.sop.text import plain_text
from docs_app.sop.tree import Document as SopDocument
from docs_app.sop.tree import Todo, split_heading

log = logging.getLogger(__name__)

BLOCKING, WARNING, INFO = "blocking", "warning", "info"
BROKEN_DOC, BROKEN_ASSET, LINT = "broken-doc-reference", "broken-asset-reference", "lint"
METADATA, PLACEHOLDER = "missing-metadata", "todo-or-placeholder"
VALIDATION, REGISTRY = "missing-validation", "registry"

MAX_ID, MAX_TITLE, MAX_LABEL, MAX_TYPE, MAX_DOMAIN = 300, 500, 120, 32, 120
MAX_PLACEHOLDERS = 50
PLACEHOLDER_WORDS = re.compile(r"\b(TODO|TBD|FIXME)\b")
SOP_TODO_LINE = re.compile(r"\s*<!--\s*sop-todo\s*:")
# A title left as a template placeholder: `{{ name }}`, `<title>`, `[Title]`, `TODO`.
PLACEHOLDER_TITLE = re.compile(
    r"\{\{.*\}\}|\{%.*%\}|<[^<>]*>|\[[^\[\]]*\]|(?:TODO|TBD|FIXME|XXX)[\s:.!-]*", re.S
)
LINTED_TYPES = ("sop", "checklist")

LINT_ACTIONS = {
    "L01": "Add YAML frontmatter (between `---` lines) with `title` and `doc_type` at the top.",
    "L02": "Set `doc_type: sop` (or `checklist`), or remove `schema_version` if this is not "
    "a procedure.",
    "L03": "Add `title:` to the frontmatter.",
    "L04": "Set `schema_version: 1`.",
    "L05": "Set `schema_version: 1` (the only version the portal reads).",
    "L06": "Fix the marker named in the message; until then the SOP's steps cannot be shown.",
    "L08": "Put every step inside a group, or remove the groups.",
    "L09": "Give each step its own id: renumber the steps 1..N in document order.",
    "L10": "Renumber the step ids 1..N in document order.",
    "L11": "Use one of the allowed actions: navigate, click, type, upload, download, copy, "
    "paste, submit, verify, wait, other.",
    "L12": "Add the system to the frontmatter `systems` list, or fix the step's `systems`.",
    "L13": "Add the image `![alt](path)` inside the screenshot block, or remove the block.",
    "L14": "Make the step's first line start with its id (`3.  Do X` for id=3).",
    "L15": "Move the text into a step or a `<!-- sop-prose-start -->` block, or delete it.",
    "L16": "Keep one image per screenshot block; give each other image its own block.",
    "L17": "Use a whole number as the step id (ids run 1..N).",
    "L18": "Close the caption with `<!-- sop-caption-end -->`.",
}
DEFAULT_LINT_ACTION = "Fix it, then check with `python manage.py sop_lint {path}`."


@dataclass(frozen=True)
class Problem:
    """A finding before it is stored: what is wrong, how bad, and what to do next."""

    severity: str
    category: str
    code: str
    message: str
    next_action: str
    line: int | None = None


@dataclass(frozen=True)
class RefSpec:
    """A reference the document makes, before resolution (kind as in `DocumentLink.Kind`)."""

    kind: str
    target: str
    anchor: str
    line: int | None
    written: str


@dataclass
class DocRecord:
    """Everything the registry stores about one file (field names follow `Document`)."""

    path: str
    folder: str
    doc_id: str
    id_is_generated: bool
    title: str
    doc_type: str
    domain: str
    aliases: list[str] = field(default_factory=list)
    summary: str = ""
    description: str = ""
    frontmatter: dict[str, Any] = field(default_factory=dict)
    related_docs: list[str] = field(default_factory=list)
    is_marked_sop: bool = False
    headings: list[dict[str, Any]] = field(default_factory=list)
    blob_sha: str = ""
    size: int = 0
    skipped_reason: str = ""
    lint_status: str = "n/a"
    lint_messages: list[dict[str, Any]] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)
    refs: list[RefSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def model_fields(self) -> dict[str, Any]:
        """The values for a `Document` row."""
        skip = {"labels", "refs", "problems"}
        return {name: value for name, value in vars(self).items() if name not in skip}


@dataclass(frozen=True)
class Source:
    """How a file looks in git: its bytes (None when not read), blob sha, size and kind."""

    path: str
    data: bytes | None
    blob_sha: str = ""
    size: int = 0
    symlink_target: str | None = None


# --- entry point ------------------------------------------------------------------------


def read_record(source: Source, *, max_bytes: int) -> DocRecord:
    """The registry record of one file. Never raises: a crash becomes a skipped record."""
    try:
        reason, problem = _skip_reason(source, max_bytes)
        if reason:
            return _skipped(source, reason, problem)
        assert source.data is not None
        return _parsed(source, source.data.decode("utf-8"))
    except Exception as exc:  # a parser bug must not stop the corpus from loading
        log.exception("could not register %s", source.path)
        reason = f"could not be read ({type(exc).__name__})"
        return _skipped(source, reason, _skip_problem(reason, source.path))


def _skip_reason(source: Source, max_bytes: int) -> tuple[str, Problem | None]:
    if source.symlink_target is not None:
        return _symlink_reason(source)
    if source.size > max_bytes:
        reason = f"larger than the {_size_text(max_bytes)} limit ({source.size:,} bytes)"
        return reason, _skip_problem(reason, source.path)
    data = source.data or b""
    if b"\0" in data:
        return "binary file (contains NUL bytes)", _skip_problem("binary", source.path)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (invalid byte at offset {exc.start})"
        return reason, _skip_problem(reason, source.path)
    return "", None


def _symlink_reason(source: Source) -> tuple[str, Problem]:
    target = source.symlink_target or ""
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source.path), target))
    outside = target.startswith("/") or resolved == ".." or resolved.startswith("../")
    if outside:
        return "symlink pointing outside the repository", Problem(
            WARNING,
            REGISTRY,
            "symlink-outside",
            f"Symlink to {target!r} points outside the repository; it was not followed.",
            "Replace the symlink with the file itself (the portal never follows links out "
            "of the repository).",
        )
    return f"symlink to {resolved}", Problem(
        INFO,
        REGISTRY,
        "symlink",
        f"This file is a symlink to {resolved}; the portal lists the target as the document.",
        f"Link to `{resolved}` instead, or replace the symlink with a real file.",
    )


def _skip_problem(reason: str, path: str) -> Problem:
    if reason == "binary":
        message = "Skipped: the file contains NUL bytes (binary), so it is not Markdown text."
    else:
        message = f"Skipped: the file is {reason}."
    return Problem(
        WARNING,
        REGISTRY,
        "skipped",
        message,
        "Save it as UTF-8 Markdown text under the size limit, or remove it from the repository.",
    )


def _identity(path: str, data: dict[str, Any]) -> tuple[str, str, str, bool, list[Problem]]:
    """`(folder, doc_type, doc_id, id_is_generated, problems)` for the path and frontmatter."""
    problems: list[Problem] = []
    doc_type = data.get("doc_type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        problems.append(
            Problem(
                WARNING,
                REGISTRY,
                "unsupported-doc-type",
                unsupported_doc_type_message(str(doc_type)),
                f"Use one of {', '.join(DOC_TYPES)} "
                f"(treated as '{infer_doc_type(path)}' until then).",
            )
        )
        doc_type = None
    doc_type = str(doc_type or infer_doc_type(path))[:MAX_TYPE]
    generated = generated_id(path, doc_type)[:MAX_ID]
    explicit = data.get("id")
    if explicit is None or (isinstance(explicit, str) and not explicit.strip()):
        return posixpath.dirname(path), doc_type, generated, True, problems
    if not isinstance(explicit, str) or not is_valid_id(explicit) or len(explicit) > MAX_ID:
        problems.append(
            Problem(
                BLOCKING,
                REGISTRY,
                "invalid-id",
                invalid_id_message(str(explicit)),
                "Use lowercase letters, digits, `.`, `_` and `-` for `id`, starting with a letter "
                f"or digit (the doc answers to `{generated}` until then).",
            )
        )
        return posixpath.dirname(path), doc_type, generated, True, problems
    return posixpath.dirname(path), doc_type, explicit, False, problems


def _skipped(source: Source, reason: str, problem: Problem | None) -> DocRecord:
    folder, doc_type, doc_id, generated, _ = _identity(source.path, {})
    return DocRecord(
        path=source.path,
        folder=folder,
        doc_id=doc_id,
        id_is_generated=generated,
        title=title_for(None, "", source.path)[:MAX_TITLE] or source.path,
        doc_type=doc_type,
        domain=domain_of(source.path)[:MAX_DOMAIN],
        blob_sha=source.blob_sha,
        size=source.size,
        skipped_reason=reason[:200],
        lint_status="error",
        problems=[problem] if problem else [],
    )


# --- a readable file ------------------------------------------------------------------------


def _parsed(source: Source, text: str) -> DocRecord:
    split = split_frontmatter(text)
    frontmatter = split.frontmatter
    data = frontmatter.data if frontmatter is not None else {}
    folder, doc_type, doc_id, generated, problems = _identity(source.path, data)
    record = DocRecord(
        path=source.path,
        folder=folder,
        doc_id=doc_id,
        id_is_generated=generated,
        title=_no_nul(title_for(data, split.body, source.path))[:MAX_TITLE] or source.path,
        doc_type=doc_type,
        domain=domain_of(source.path)[:MAX_DOMAIN],
        summary=_text(data.get("summary")),
        description=_text(data.get("description")) or _text(data.get("summary")),
        blob_sha=source.blob_sha,
        size=source.size,
    )
    try:
        record.frontmatter = json_safe(data)
    except FrontmatterTooBig:
        problems.append(
            Problem(
                WARNING,
                REGISTRY,
                "frontmatter-too-big",
                "The frontmatter expands to too many values (YAML aliases?); it is not stored.",
                "Write the frontmatter out plainly, without YAML anchors and aliases.",
            )
        )
    record.aliases, alias_problems = _aliases(data.get("aliases"))
    record.related_docs = [
        _text(value) for value in _as_list(data.get("related_docs")) if _text(value)
    ]
    record.labels = _labels(data)
    record.headings = [vars(heading) for heading in headings(split.body, split.body_start_line)]
    record.refs = _refs(
        split.body,
        split.body_start_line,
        record.related_docs,
        frontmatter.key_lines.get("related_docs") if frontmatter else None,
    )
    record.problems = problems + alias_problems
    if frontmatter is not None and frontmatter.error:
        record.problems.append(_yaml_problem(frontmatter.error))
    _lint_into(record, text, frontmatter, data)
    if not text.strip():
        record.problems.append(EMPTY_DOC)
    elif frontmatter is None or not frontmatter.error:  # a YAML error already says it all
        record.problems += _metadata_problems(record, data, has_frontmatter=frontmatter is not None)
    record.problems += placeholder_title_problems(record.title)
    record.problems += _structure_problems(record, text)
    record.problems += placeholder_problems(split.body, split.body_start_line)
    return record


def _yaml_problem(error: str) -> Problem:
    line = re.match(r"line (\d+)", error)
    return Problem(
        BLOCKING,
        REGISTRY,
        "yaml-error",
        f"Frontmatter is not valid YAML: {error}",
        "Fix the YAML between the `---` lines; until then the doc's id, title, type and "
        "links from its frontmatter are ignored.",
        int(line.group(1)) if line else None,
    )


def _aliases(value: Any) -> tuple[list[str], list[Problem]]:
    aliases: list[str] = []
    problems: list[Problem] = []
    for alias in _as_list(value):
        if isinstance(alias, str) and _text(alias):
            aliases.append(_text(alias))
        else:
            problems.append(
                Problem(
                    WARNING,
                    REGISTRY,
                    "invalid-alias",
                    f"invalid alias {alias!r}",
                    "Write each alias as an old id or an old repository path ending in `.md`.",
                )
            )
    return list(dict.fromkeys(aliases)), problems


def _labels(data: dict[str, Any]) -> list[tuple[str, str]]:
    labels: list[tuple[str, str]] = []
    for kind, key in (("tag", "tags"), ("system", "systems")):
        value = data.get(key)
        items = value.split(",") if isinstance(value, str) else _as_list(value)
        for item in items:
            text = _text(item)[:MAX_LABEL]
            if text and (kind, text) not in labels:
                labels.append((kind, text))
    return labels


def _refs(
    body: str, first_line: int, related: list[str], related_line: int | None
) -> list[RefSpec]:
    found = extract_refs(body, first_line) + extract_link_refs(body, first_line)
    refs = [
        RefSpec(ref.kind, ref.target, ref.anchor or "", ref.line, ref.written)
        for ref in sorted(found, key=lambda ref: ref.line)
        if ref.target or ref.kind != "image"
    ]
    refs += [RefSpec("related", value, "", related_line, value) for value in related]
    return refs


def _lint_into(record: DocRecord, text: str, frontmatter, data: dict[str, Any]) -> None:
    if not applies(data, record.path):
        return
    record.is_marked_sop = frontmatter is not None and "schema_version" in data
    if frontmatter is not None and frontmatter.error:
        record.lint_status = "error"
        return
    violations = lint(text)
    record.lint_status = "violations" if violations else "clean"
    record.lint_messages = [
        {"rule": v.rule, "message": v.message, "line": v.line} for v in violations
    ]
    severity = BLOCKING if record.is_marked_sop else WARNING
    for violation in violations:
        record.problems.append(
            Problem(
                severity,
                LINT,
                violation.rule,
                violation.message,
                lint_action(violation.rule, violation.message, record.path),
                violation.line,
            )
        )


def lint_action(rule: str, message: str, path: str) -> str:
    if rule == "L07":
        name = message.rsplit(":", 1)[-1].strip()
        return (
            f"Add the section `<!-- sop-section-start: {name} -->` … "
            "`<!-- sop-section-end -->` (it may stay empty)."
        )
    return LINT_ACTIONS.get(rule, DEFAULT_LINT_ACTION.format(path=path))


def _metadata_problems(
    record: DocRecord, data: dict[str, Any], *, has_frontmatter: bool
) -> list[Problem]:
    linted = record.lint_status in ("clean", "violations")
    if not has_frontmatter:
        if linted:  # L01 already says it
            return []
        return [
            Problem(
                INFO,
                METADATA,
                "no-frontmatter",
                "No frontmatter: the title, type and id come from the file name and folder.",
                "Add frontmatter with `title`, `summary` and `doc_type` (SOP-FORMAT §1).",
            )
        ]
    problems: list[Problem] = []
    if not linted and not _text(data.get("title")) and not _has_title_heading(record):
        problems.append(
            Problem(
                INFO,
                METADATA,
                "no-title",
                f"No title: shown as {record.title!r} (from the file name).",
                "Add `title:` to the frontmatter.",
            )
        )
    if not record.summary:
        problems.append(
            Problem(
                INFO,
                METADATA,
                "no-summary",
                "No summary: lists and search results show nothing under the title.",
                "Add a one-line `summary:` to the frontmatter.",
            )
        )
    if record.doc_type in LINTED_TYPES and not _text(data.get("owner")):
        problems.append(
            Problem(
                INFO,
                METADATA,
                "no-owner",
                "No owner: nobody is named to keep this procedure current.",
                "Add `owner:` (a person or a team) to the frontmatter.",
            )
        )
    return problems


EMPTY_DOC = Problem(
    INFO,
    METADATA,
    "empty-doc",
    "The file is empty: its page shows nothing.",
    "Write the doc, or remove the empty file from the repository.",
)


def placeholder_title_problems(title: str) -> list[Problem]:
    """An info finding when the title is a template placeholder nobody filled in."""
    if PLACEHOLDER_TITLE.fullmatch(title.strip()) is None:
        return []
    return [
        Problem(
            INFO,
            PLACEHOLDER,
            "placeholder-title",
            f"The title {title!r} is an unfilled placeholder.",
            "Give the doc its real title (`title:` in the frontmatter or the first `# ` heading).",
        )
    ]


def _has_title_heading(record: DocRecord) -> bool:
    return any(heading["level"] == 1 for heading in record.headings)


def _structure_problems(record: DocRecord, text: str) -> list[Problem]:
    """Open TODO markers and an empty Validation section of a marked SOP."""
    if not record.is_marked_sop:
        return []
    try:
        document = parse(text)
    except SopParseError:
        return []  # lint L06 reports it
    problems = [
        Problem(
            INFO,
            PLACEHOLDER,
            "sop-todo",
            f"Open TODO: {todo.text!r}",
            "Do what the TODO asks, then remove the `sop-todo` marker.",
            todo.line,
        )
        for _, todo in document.placed_blocks(Todo)
    ]
    return problems + _validation_problems(document)


def _validation_problems(document: SopDocument) -> list[Problem]:
    section = next((s for s in document.sections if s.name == "validation"), None)
    if section is None:
        return []
    found = split_heading(section.inner)  # the text after `## Validation`, as section_texts
    if plain_text(found[2] if found else section.inner).strip():
        return []
    return [
        Problem(
            WARNING,
            VALIDATION,
            "empty-validation",
            "The Validation section is empty: nobody can tell when this procedure was done right.",
            "Write how to check the result (what to look at, what “done” looks like).",
            section.line,
        )
    ]


def placeholder_problems(body: str, first_line: int) -> list[Problem]:
    """Lines with TODO / TBD / FIXME outside fenced code and inline code."""
    problems: list[Problem] = []
    if PLACEHOLDER_WORDS.search(body) is None:  # most docs: one scan and done
        return problems
    fences = FenceTracker()
    for offset, line in enumerate(split_lines(body)):
        if fences.step(line) or SOP_TODO_LINE.match(line):
            continue
        text = strip_code_spans(content_of(line))
        match = PLACEHOLDER_WORDS.search(text)
        if match is None:
            continue
        excerpt = text.strip()
        excerpt = excerpt if len(excerpt) <= 120 else excerpt[:117] + "…"
        problems.append(
            Problem(
                INFO,
                PLACEHOLDER,
                "placeholder",
                f"Placeholder {match.group(1)}: {excerpt}",
                "Replace the placeholder with the missing content.",
                first_line + offset,
            )
        )
        if len(problems) >= MAX_PLACEHOLDERS:
            break
    return problems


# --- values ---------------------------------------------------------------------------------


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.0f} KB"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list | tuple):
        return ""
    return _no_nul(str(value)).strip()


def _no_nul(text: str) -> str:
    """YAML's `"\\0"` escape yields NUL, which PostgreSQL text and jsonb refuse."""
    return text.replace("\x00", "")


class FrontmatterTooBig(ValueError):
    """The YAML expands beyond what a frontmatter block can reasonably hold."""


MAX_FRONTMATTER_NODES, MAX_FRONTMATTER_DEPTH = 20_000, 50


def json_safe(value: Any, _seen: list[int] | None = None, _depth: int = 0) -> Any:
    """YAML values as JSON: dates become ISO text, anything unusual becomes its text.

    YAML aliases can make a small block expand enormously ("billion laughs"); past
    `MAX_FRONTMATTER_NODES` values or `MAX_FRONTMATTER_DEPTH` levels it raises
    `FrontmatterTooBig` instead of working through it.
    """
    seen = _seen if _seen is not None else [0]
    seen[0] += 1
    if seen[0] > MAX_FRONTMATTER_NODES or _depth > MAX_FRONTMATTER_DEPTH:
        raise FrontmatterTooBig("frontmatter is too large or too deeply nested")
    if isinstance(value, str):
        return _no_nul(value)
    if isinstance(value, dict):
        return {_no_nul(str(key)): json_safe(item, seen, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(item, seen, _depth + 1) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):  # NaN/Infinity are not JSON
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
