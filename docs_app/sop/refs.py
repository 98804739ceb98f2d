"""Document references: finding them in Markdown and resolving them against the registry.

Extraction (`extract_refs`) reads `[[target]]`, `[[target|label]]`, `[label](doc:target)`,
links to `.md` files (relative or root-absolute, with an optional `#anchor`) and image
sources that are paths, each with its line in the file. Links with a scheme (`https:`,
`mailto:`, …) or starting `//` are external and ignored; so is anything inside fenced code
blocks or inline code spans.

Resolution (`resolve`) is pure: it only looks at a `DocIndex` built from registry rows.
A target is tried, in order, as

1. an **id** (ids are unique; duplicates are a registry finding and resolve as ambiguous),
2. an **alias** (several documents claiming one alias → ambiguous),
3. a **path**: `content/x.md` and `/x.md` are from the content root; any other path is first
   taken relative to the referring document (as a Markdown link is on a git host), then from
   the root. `..` is normalised and a path that climbs above the root matches nothing. A
   target without `.md` is also tried with it (`[[finance/invoices]]`). Old paths kept as
   aliases match here too.

The first tier that matches decides; `#anchor` is kept apart and never part of the lookup.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from .lines import FenceTracker, content_of, split_lines, strip_code_spans

CONTENT_PREFIX = "content/"
WIKI = "wiki"
DOC_LINK = "doc"
MD_LINK = "link"
IMAGE_SRC = "image"

_WIKI = re.compile(r"\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]*))?\]\]")
_LINK = re.compile(
    r"(!?)\[([^\[\]\n]*)\]\([ \t]*(<[^>\n]*>|[^()\s]*)[ \t]*"
    r"(?:(?:\"[^\"\n]*\"|'[^'\n]*')[ \t]*)?\)"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Reference:
    """One reference: `target` without its anchor, as written (URL-decoded for links)."""

    kind: str
    target: str
    line: int
    label: str | None = None
    anchor: str | None = None

    @property
    def written(self) -> str:
        return self.target + (f"#{self.anchor}" if self.anchor else "")


def extract_refs(markdown: str, first_line: int = 1) -> list[Reference]:
    """References in document order; `first_line` is the file line of the text's first line."""
    found: list[Reference] = []
    fences = FenceTracker()
    for offset, line in enumerate(split_lines(markdown)):
        if fences.step(line):
            continue
        text = strip_code_spans(content_of(line))
        found += _refs_in_line(text, first_line + offset)
    return found


def _refs_in_line(text: str, line: int) -> list[Reference]:
    found: list[tuple[int, Reference]] = []
    for match in _WIKI.finditer(text):
        target, anchor = _split_anchor(match.group(1).strip())
        label = match.group(2).strip() if match.group(2) is not None else None
        found.append((match.start(), Reference(WIKI, target, line, label, anchor)))
    for match in _LINK.finditer(text):
        reference = _link_reference(match, line)
        if reference is not None:
            found.append((match.start(), reference))
    return [reference for _, reference in sorted(found, key=lambda pair: pair[0])]


def _link_reference(match: re.Match[str], line: int) -> Reference | None:
    is_image, label = match.group(1) == "!", match.group(2)
    destination = match.group(3).strip("<>").strip()
    if destination.startswith("doc:") and not is_image:
        target, anchor = _split_anchor(destination[4:])
        return Reference(DOC_LINK, target, line, label, anchor)
    if not destination or _SCHEME.match(destination) or destination.startswith(("//", "#")):
        return None
    path, anchor = _split_anchor(destination)
    path = unquote(path.split("?", 1)[0])
    if is_image:
        return Reference(IMAGE_SRC, path, line, label, None)
    if path.lower().endswith(".md"):
        return Reference(MD_LINK, path, line, label, anchor)
    return None


def _split_anchor(target: str) -> tuple[str, str | None]:
    target, _, anchor = target.partition("#")
    return target.strip(), (anchor or None)


@dataclass
class DocIndex:
    """What resolution needs from the registry: ids, aliases and paths (root-relative)."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)
    id_of_path: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, Iterable[str]]]) -> DocIndex:
        """Build from `(path, id, aliases)` rows; path-like aliases are stored normalised."""
        index = cls()
        for path, doc_id, aliases in rows:
            index.paths.add(path)
            index.id_of_path[path] = doc_id
            _add(index.ids, doc_id, path)
            for alias in aliases:
                _add(index.aliases, _alias_key(alias), path)
        return index

    @classmethod
    def from_mappings(
        cls, ids: Mapping[str, str], aliases: Mapping[str, Iterable[str]], paths: Iterable[str]
    ) -> DocIndex:
        """Build from `id → path`, `alias → paths` and the set of paths."""
        index = cls(paths=set(paths))
        for doc_id, path in ids.items():
            _add(index.ids, doc_id, path)
            index.id_of_path[path] = doc_id
        for alias, alias_paths in aliases.items():
            for path in alias_paths:
                _add(index.aliases, _alias_key(alias), path)
        return index


def _add(table: dict[str, list[str]], key: str, path: str) -> None:
    paths = table.setdefault(key, [])
    if path not in paths:
        paths.append(path)


def _alias_key(alias: str) -> str:
    if alias.lower().endswith(".md"):
        return _root_path(alias) or alias
    return alias


@dataclass(frozen=True)
class Resolution:
    path: str | None
    problem: str | None = None


def not_found_message(ref: str) -> str:
    return f"Document reference not found: {ref}"


def ambiguous_message(ref: str, ids: Iterable[str]) -> str:
    return f"Document reference is ambiguous: {ref} ({', '.join(sorted(ids))})"


def resolve(ref: str, from_path: str, index: DocIndex) -> Resolution:
    """Resolve `ref` (anchor allowed) written in the document at `from_path`."""
    target, _ = _split_anchor(ref)
    for candidates in _tiers(target, from_path, index):
        if len(candidates) == 1:
            return Resolution(candidates[0])
        if candidates:
            ids = [index.id_of_path.get(path, path) for path in candidates]
            return Resolution(None, ambiguous_message(ref, ids))
    return Resolution(None, not_found_message(ref))


def _tiers(target: str, from_path: str, index: DocIndex) -> Iterable[list[str]]:
    yield index.ids.get(target, [])
    yield index.aliases.get(target, [])
    for path in _path_candidates(target, from_path):
        if path in index.paths:
            yield [path]
        yield index.aliases.get(path, [])


def reference_target(value: str) -> str:
    """The target inside a `related_docs` entry: `[[t|label]]` and `doc:t` become `t`."""
    value = value.strip()
    match = _WIKI.fullmatch(value)
    if match is not None:
        return match.group(1).strip()
    return value[4:].strip() if value.startswith("doc:") else value


def resolve_asset(src: str, from_path: str) -> str | None:
    """The content-root path of an image source, or None for a URL or a path above the root.

    `/images/a.png` is from the root; anything else is relative to the document's folder.
    """
    src = unquote(src.strip().split("#", 1)[0].split("?", 1)[0])
    if not src or _SCHEME.match(src) or src.startswith("//"):
        return None
    if src.startswith("/"):
        return _root_path(src)
    return _join(posixpath.dirname(from_path), src)


def _path_candidates(target: str, from_path: str) -> list[str]:
    if not target:
        return []
    names = [target] if target.lower().endswith(".md") else [target, target + ".md"]
    candidates: list[str | None] = []
    for name in names:
        if not (name.startswith("/") or name.startswith(CONTENT_PREFIX)):
            candidates.append(_join(posixpath.dirname(from_path), name))
        candidates.append(_root_path(name))
    return [path for path in dict.fromkeys(candidates) if path]


def _root_path(name: str) -> str | None:
    name = name.lstrip("/")
    name = name.removeprefix(CONTENT_PREFIX)
    return _join("", name)


def _join(folder: str, name: str) -> str | None:
    """Normalise `folder/name`; None when it climbs above the content root."""
    joined = posixpath.normpath(posixpath.join(folder, name))
    if joined in (".", "") or joined == ".." or joined.startswith("../"):
        return None
    return joined


def duplicate_id_message(doc_id: str, path_a: str, path_b: str) -> str:
    return f"duplicate id {doc_id!r}: {path_a} and {path_b}"


def duplicate_alias_message(alias: str, path_a: str, path_b: str) -> str:
    return f"duplicate alias {alias!r}: {path_a} and {path_b}"


def invalid_id_message(doc_id: str) -> str:
    return f"invalid id {doc_id!r}"


def unsupported_doc_type_message(doc_type: str) -> str:
    return f"unsupported doc_type {doc_type!r}"


def related_doc_not_found_message(ref: str) -> str:
    return f"related_docs reference not found: {ref!r}"
