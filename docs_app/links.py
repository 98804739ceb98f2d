"""Links that are not references to docs: repository files and folders, `#anchors`, raw HTML
images. Pure Python (no Django), shared by the sync and the renderer.

`extract_refs` (the SOP core) finds the references to docs and the Markdown images; this
module finds what it leaves out — links to any other path (`data.csv`, `../templates/`),
links to an anchor of the same doc (`#setup`), link reference definitions
(`[name]: path`) and `<img src>` in raw HTML — as `Reference`s of the same kinds, so the
registry stores and re-resolves them like any other link.

`path_target` says where a link to a path leads, over any `RepoPaths` (the sync passes git's
file list, the renderer the mirror on disk):

* an existing file or folder (a trailing `/` asks for a folder; `/x` is from the root);
* a **site** link: starts with `/` and names nothing in the repository (`/api/…`), so it is
  meant for the web site, not the repository;
* **outside**: a relative path that climbs above the repository root;
* a missing file or folder: relative, inside the repository, and not there.

Anchors follow the renderer: a heading's anchor is its slug (`sop.headings`), and the page
element carries `anchor_id(slug)`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote

from docs_app.render import anchor_id
from docs_app.sop.lines import code_free_lines, content_of, strip_code_spans
from docs_app.sop.refs import IMAGE_SRC, MD_LINK, Reference

FILE, FOLDER, SITE, OUTSIDE = "file", "folder", "site", "outside"
MISSING_FILE, MISSING_FOLDER = "missing-file", "missing-folder"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_INLINE_LINK = re.compile(
    r"(?<!!)\[([^\[\]\n]*)\]\([ \t]*(<[^>\n]*>|[^()\s]*)[ \t]*"
    r"(?:(?:\"[^\"\n]*\"|'[^'\n]*')[ \t]*)?\)"
)
# `[label]: destination "title"`; footnotes (`[^1]: text`) are not links.
_DEFINITION = re.compile(
    r" {0,3}\[([^\[\]\n^][^\[\]\n]*)\]:[ \t]*(<[^>\n]*>|\S+)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$"
)
_RAW_IMAGE = re.compile(r"<img\b[^>]*?\ssrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))", re.I)
# Ids every page has whatever its headings: the browser scrolls to the top for these.
_PAGE_TOP = {"", "top"}
# Steps and TODO blocks of a marked SOP get ids too (`render.step_anchor`, `todo-N`).
_SOP_BLOCK_ID = re.compile(r"(step|todo)-[A-Za-z0-9_-]+")


# --- extraction -----------------------------------------------------------------------------


def extract_link_refs(markdown: str, first_line: int = 1) -> list[Reference]:
    """The links `extract_refs` leaves out, in document order, outside code."""
    found: list[Reference] = []
    for offset, line in code_free_lines(markdown):
        text = strip_code_spans(content_of(line))
        if "](" in text or "]:" in text or "<img" in text.lower():  # most lines: no link
            found += _refs_in_line(text, first_line + offset)
    return found


def _refs_in_line(text: str, line: int) -> list[Reference]:
    found: list[tuple[int, Reference]] = []
    for match in _INLINE_LINK.finditer(text):
        reference = _path_link(match.group(2), line, match.group(1), docs_too=False)
        if reference is not None:
            found.append((match.start(), reference))
    definition = _DEFINITION.match(text)
    if definition is not None:
        reference = _path_link(definition.group(2), line, definition.group(1), docs_too=True)
        if reference is not None:
            found.append((0, reference))
    for match in _RAW_IMAGE.finditer(text):
        src = next(group for group in match.groups() if group is not None).strip()
        if src and not is_external(src):
            found.append((match.start(), Reference(IMAGE_SRC, unquote(src), line)))
    return [reference for _, reference in sorted(found, key=lambda pair: pair[0])]


def _path_link(destination: str, line: int, label: str, *, docs_too: bool) -> Reference | None:
    """A link to a path or an anchor; links to `.md` only when `docs_too` (`extract_refs`
    reads inline ones, not reference definitions)."""
    destination = destination.strip("<>").strip()
    if not destination or is_external(destination) or destination.startswith("doc:"):
        return None
    path, _, anchor = destination.partition("#")
    path = unquote(path.split("?", 1)[0]).strip()
    if path.lower().endswith(".md") and not docs_too:
        return None
    if not path and not anchor:
        return None
    return Reference(MD_LINK, path, line, label, anchor or None)


def is_external(destination: str) -> bool:
    """A URL with a scheme (`https:`, `mailto:`, `data:`) or protocol-relative (`//host`)."""
    return bool(_SCHEME.match(destination)) or destination.startswith("//")


# --- where a path leads ---------------------------------------------------------------------


class RepoPaths(Protocol):
    def is_file(self, path: str) -> bool: ...

    def is_folder(self, path: str) -> bool: ...


@dataclass
class RepoFiles:
    """The repository as a set of file paths and the folders that hold them."""

    files: set[str]
    folders: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, paths: Iterable[str]) -> RepoFiles:
        files = set(paths)
        folders: set[str] = set()
        for path in files:
            folder = posixpath.dirname(path)
            while folder and folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
        return cls(files, folders)

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_folder(self, path: str) -> bool:
        return path in self.folders


@dataclass(frozen=True)
class PathTarget:
    """What a link to a path leads to (`kind`), and the repository path when it has one
    (`""` is the root folder)."""

    kind: str
    path: str = ""

    @property
    def broken(self) -> bool:
        return self.kind in (MISSING_FILE, MISSING_FOLDER)


def path_target(written: str, from_path: str, repo: RepoPaths) -> PathTarget:
    """Where the link `written` (no anchor, URL-decoded) in the doc at `from_path` leads."""
    wants_folder = written.endswith("/")
    if written.startswith("/"):
        path = _normal(written.lstrip("/"))
        found = _existing(path, repo, wants_folder) if path is not None else None
        return found or PathTarget(SITE)
    path = _normal(posixpath.join(posixpath.dirname(from_path), written))
    if path is None:
        return PathTarget(OUTSIDE)
    return _existing(path, repo, wants_folder) or PathTarget(
        MISSING_FOLDER if wants_folder else MISSING_FILE, path
    )


def _normal(path: str) -> str | None:
    """`path` normalised, `""` for the root, None when it climbs above the root."""
    normal = posixpath.normpath(path) if path else "."
    if normal == ".." or normal.startswith("../"):
        return None
    return "" if normal == "." else normal


def _existing(path: str, repo: RepoPaths, wants_folder: bool) -> PathTarget | None:
    if not path or repo.is_folder(path):
        return PathTarget(FOLDER, path)
    if not wants_folder and repo.is_file(path):
        return PathTarget(FILE, path)
    return None


def missing_path_message(target: PathTarget, written: str) -> str:
    what = "Folder" if target.kind == MISSING_FOLDER else "File"
    return f"{what} not found in the repository: {written} (looked for {target.path or '/'})"


# --- anchors --------------------------------------------------------------------------------


def heading_anchors(headings: Iterable[dict]) -> set[str]:
    """The anchors a doc's headings answer to: their slugs and the ids the page gives them."""
    slugs = {str(heading.get("anchor") or "") for heading in headings}
    return slugs | {anchor_id(slug) for slug in slugs if slug}


def anchor_exists(anchor: str, anchors: set[str], *, marked_sop: bool) -> bool:
    anchor = unquote(anchor)
    if anchor.lower() in _PAGE_TOP or anchor in anchors:
        return True
    return marked_sop and _SOP_BLOCK_ID.fullmatch(anchor) is not None


def broken_anchor_message(anchor: str, path: str, *, same_doc: bool) -> str:
    where = "this doc" if same_doc else path
    return f"Anchor not found: #{anchor} (no heading with that anchor in {where})"
