"""Document identity: doc type, domain, generated id and display title (SOP-FORMAT §1, §4).

Paths here are POSIX paths relative to the content root (`finance/reference/invoices.md`).

Choices the contract leaves open:

- **Domain** of a file at the content root is `''` (it belongs to no domain); filters show
  it under "no domain" rather than inventing one.
- **Doc type inference** checks the folder segments against the rules in the order §1 lists
  them (`sops` first, …, `archive` last), so `archive/sops/x.md` is an sop. Only folders
  count, never the file name.
- **Generated ids** must always match the id pattern, even for odd file names. Each remaining
  segment is lowercased, accents are folded to ASCII (`Café` → `cafe`), `_` becomes `-`, every
  other character outside `[a-z0-9.-]` becomes `-`, runs of `-` collapse and `-`/`.` are
  trimmed from the ends: `My Notes (v2).md` → `my-notes-v2`. A segment left empty is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from posixpath import basename
from typing import Any

from .lines import code_free_lines, heading_of

DOC_TYPES = (
    "sop",
    "checklist",
    "template",
    "task-template",
    "reference",
    "playbook",
    "prompt",
    "archive",
    "doc",
)
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
MAX_PATH = 600  # the registry's path column
_FOLDER_TYPES = (
    ("sops", "sop"),
    ("templates", "template"),
    ("reference", "reference"),
    ("playbooks", "playbook"),
    ("prompts", "prompt"),
    ("archive", "archive"),
)
_DROPPED_FOLDERS = frozenset({"sops", "templates", "reference", "playbooks"})
_UNSAFE = re.compile(r"[^a-z0-9.-]+")
_DASHES = re.compile(r"-{2,}")


def is_doc_path(rel_path: str) -> bool:
    """Whether a file at `rel_path` is a document: what the docs sync registers from the
    repository and `sop_lint` picks from a folder, so both see the same files.

    A `.md` file (the suffix as written) at a path that fits the registry; folders whose
    names start with `.` count like any other (the sync registers what git tracks), except
    `.git`, which git never tracks.
    """
    parts = rel_path.split("/")
    return rel_path.endswith(".md") and len(rel_path) <= MAX_PATH and ".git" not in parts


def is_valid_id(value: str) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _segments(rel_path: str) -> list[str]:
    return [segment for segment in rel_path.strip("/").split("/") if segment]


def _folders(rel_path: str) -> list[str]:
    return _segments(rel_path)[:-1]


def infer_doc_type(rel_path: str) -> str:
    folders = set(_folders(rel_path))
    for folder, doc_type in _FOLDER_TYPES:
        if folder in folders:
            return doc_type
    return "doc"


def domain_of(rel_path: str) -> str:
    folders = _folders(rel_path)
    return folders[0] if folders else ""


def _stem(name: str) -> str:
    return name[:-3] if name.lower().endswith(".md") else name


def _safe_segment(segment: str) -> str:
    folded = unicodedata.normalize("NFKD", segment).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", folded.lower().replace("_", "-"))
    return _DASHES.sub("-", cleaned).strip("-.")


def generated_id(rel_path: str, doc_type: str) -> str:
    """`finance/reference/invoices.md` with type `reference` → `reference.finance.invoices`."""
    prefix = _safe_segment(doc_type) or "doc"
    segments = _segments(rel_path)
    if not segments:
        return prefix
    kept = [s for s in segments[:-1] if s not in _DROPPED_FOLDERS] + [_stem(segments[-1])]
    safe = [part for part in (_safe_segment(segment) for segment in kept) if part]
    return ".".join([prefix, *safe])


def title_for(frontmatter: Mapping[str, Any] | None, body: str, rel_path: str) -> str:
    """Frontmatter `title`, else the first `# ` heading, else the file stem title-cased."""
    title = (frontmatter or {}).get("title")
    if title is not None and str(title).strip():
        return str(title).strip()
    heading = first_title_heading(body)
    if heading:
        return heading
    words = _stem(basename(rel_path)).replace("-", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words)


def first_title_heading(body: str) -> str | None:
    """The text of the first level-1 ATX heading outside code blocks."""
    for _, line in code_free_lines(body):
        heading = heading_of(line)
        if heading is not None and heading[0] == 1 and heading[1]:
            return heading[1]
    return None
