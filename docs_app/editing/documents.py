"""Doc operations, each one commit: create from a scaffold, rename/move, delete.

A rename keeps the doc reachable under its old names: git records the move (the sync's
rename machinery then redirects the old path and folds old path and id into the doc's
aliases, `docs_app.moves`), and when the doc's id is generated from its path the old id is
also written into the file's `aliases`, so it survives any later re-registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataops.errors import ServiceError
from docs_app.editing.merge import Conflict
from docs_app.editing.paths import (
    check_body,
    check_doc_path,
    check_no_symlink,
    decode_existing,
)
from docs_app.editing.workcopy import WorkingCopy
from docs_app.moves import declared_aliases
from docs_app.sop import generated_id, infer_doc_type, is_valid_id, split_frontmatter
from docs_app.sop.frontmatter import new_frontmatter


def with_old_id(text: str, old_path: str, new_path: str) -> str:
    """`text` with the id it had at `old_path` added to `aliases` when moving to `new_path`
    changes it (ids generated from the path); unchanged otherwise. Only the `aliases` lines
    of the frontmatter change."""
    split = split_frontmatter(text)
    data = split.frontmatter.data if split.frontmatter is not None else {}
    if split.frontmatter is not None and split.frontmatter.error:
        return text  # broken YAML is left alone; the registry reports it
    declared = data.get("id")
    if isinstance(declared, str) and is_valid_id(declared.strip()):
        return text  # an explicit id does not move with the file
    doc_type = data.get("doc_type")
    doc_type = doc_type if isinstance(doc_type, str) and doc_type else None
    old_id = generated_id(old_path, doc_type or infer_doc_type(old_path))
    new_id = generated_id(new_path, doc_type or infer_doc_type(new_path))
    aliases = declared_aliases(data)
    if old_id == new_id or old_id in aliases:
        return text
    block = split.frontmatter or new_frontmatter("\r\n" if "\r\n" in text[:200] else "\n")
    return block.with_value("aliases", [*aliases, old_id]).raw + split.body


def _existing_doc(wc: WorkingCopy, path: str) -> str:
    check_no_symlink(wc.root, path)
    return decode_existing(wc.read_blob(wc.doc_entry(path).sha), path)


def refuse_existing(wc: WorkingCopy, path: str, *, field: str = "path") -> None:
    if wc.entry(path) is not None or (wc.root / path).exists() or (wc.root / path).is_symlink():
        raise ServiceError(f"{path!r} already exists; choose another name.", field=field)
    if wc.files_under(path):
        raise ServiceError(f"{path!r} is a folder; choose another name.", field=field)
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    while parent:
        if wc.entry(parent) is not None:
            raise ServiceError(f"{parent!r} is a file, not a folder.", field=field)
        parent = parent.rsplit("/", 1)[0] if "/" in parent else ""


@dataclass
class CreateDoc:
    path: str
    text: str
    action: str = "docs.edit.create"

    def __post_init__(self):
        self.path = check_doc_path(self.path)
        self.text = check_body(self.text)

    def default_message(self) -> str:
        return f"Create {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        check_no_symlink(wc.root, self.path)
        refuse_existing(wc, self.path)
        wc.write(self.path, self.text)
        wc.stage([self.path])
        return None


@dataclass
class RenameDoc:
    """Rename or move a doc; `path` is the new path (what the result is about)."""

    old_path: str
    path: str
    action: str = "docs.edit.rename"

    def __post_init__(self):
        self.old_path = check_doc_path(self.old_path, field="old_path")
        self.path = check_doc_path(self.path)
        if self.old_path == self.path:
            raise ServiceError("The new path is the same as the old one.", field="path")

    def default_message(self) -> str:
        return f"Move {self.old_path} to {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        text = _existing_doc(wc, self.old_path)
        check_no_symlink(wc.root, self.path)
        refuse_existing(wc, self.path)
        wc.move(self.old_path, self.path)
        updated = with_old_id(text, self.old_path, self.path)
        if updated != text:
            wc.write(self.path, updated)
        wc.stage([self.path])  # git mv staged the removal
        return None


@dataclass
class DeleteDoc:
    path: str
    base_blob: str | None = None
    action: str = "docs.edit.delete"
    admin_only = True  # not a dataclass field: a class-wide rule

    def __post_init__(self):
        self.path = check_doc_path(self.path)

    def default_message(self) -> str:
        return f"Delete {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        _existing_doc(wc, self.path)  # refuses a missing doc, a symlink, non-UTF-8
        entry = wc.entry(self.path)
        if self.base_blob and entry.sha != self.base_blob:
            raise ServiceError(
                f"{self.path!r} changed since you opened it; nothing was deleted. Reload it "
                "and decide again.",
                field="base",
                code="changed",
            )
        wc.remove([self.path])
        return None
