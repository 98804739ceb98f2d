"""Opening a doc for editing: its text, the blob and head it starts from, and its blocks.

What an editor form needs to carry (blob sha and head commit, for the conflict rules) and to
show: block by block for a marked SOP that parses, raw Markdown for every other doc — and for
a malformed SOP, whose parse problem is listed so the user can fix it in raw mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dataops.errors import ServiceError
from docs_app.editing.blocks import BlockInfo, blocks_of
from docs_app.editing.paths import check_doc_path, decode_existing
from docs_app.editing.workcopy import WorkingCopy
from docs_app.mirror import MirrorError
from docs_app.sop import SopParseError, Violation, applies, lint, parse, split_frontmatter
from docs_app.sync import open_mirror

BLOCKS = "blocks"
RAW = "raw"


@dataclass(frozen=True)
class Editable:
    path: str
    text: str
    blob: str
    head: str
    mode: str  # BLOCKS or RAW
    blocks: list[BlockInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def doc_for_edit(path: str) -> Editable:
    """The doc at `path` as of the working copy's head, ready for an editor form."""
    path = check_doc_path(path)
    mirror = open_mirror()
    try:
        wc = WorkingCopy(mirror, push=False)
        head = wc.head()
        entry = wc.doc_entry(path, head)
        text = decode_existing(wc.read_blob(entry.sha), path)
    except MirrorError as exc:
        raise ServiceError(f"The docs working copy is not usable: {exc}", code="git") from exc
    finally:
        mirror.close()
    try:
        document = parse(text)
    except SopParseError as exc:
        return Editable(path, text, entry.sha, head, RAW, problems=[str(exc)])
    if document.structured_procedure is None:
        return Editable(path, text, entry.sha, head, RAW)
    return Editable(path, text, entry.sha, head, BLOCKS, blocks=blocks_of(text))


def findings_for(path: str, text: str) -> list[Violation]:
    """The lint findings to show before publishing, type-aware: only docs the corpus report
    lints (SOPs, checklists, docs declaring `schema_version`) get any, so a template or a
    reference is never told it is not an SOP."""
    frontmatter = split_frontmatter(text).frontmatter
    if not applies(frontmatter.data if frontmatter is not None else None, path):
        return []
    return lint(text)


def new_blocking_findings(path: str, before: str, after: str) -> list[Violation]:
    """The findings of `after` that `before` did not have, when they block: lint findings
    block for marked SOPs (they declare `schema_version`), as in the registry's records."""
    frontmatter = split_frontmatter(after).frontmatter
    data = frontmatter.data if frontmatter is not None else None
    if not isinstance(data, dict) or "schema_version" not in data:
        return []
    known = {(v.rule, v.message) for v in findings_for(path, before)}
    return [v for v in findings_for(path, after) if (v.rule, v.message) not in known]
