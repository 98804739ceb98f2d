"""Folder operations, each one commit however many docs they touch.

Git has no empty folders, so a new folder holds a `.gitkeep` until a doc is created in it.
Renaming a folder moves every file under it (`git mv` of the folder) and writes each moved
doc's old id into its `aliases` (`documents.with_old_id`) — 30 or 100 docs, one commit, and
a failure half-way leaves nothing (the publisher resets the working copy).
"""

from __future__ import annotations

from dataclasses import dataclass

from dataops.errors import ServiceError
from docs_app.editing.documents import refuse_existing, with_old_id
from docs_app.editing.merge import Conflict
from docs_app.editing.paths import check_name, check_no_symlink, check_relative, joined
from docs_app.editing.workcopy import WorkingCopy
from docs_app.mirror import SYMLINK_MODE
from docs_app.sop import is_doc_path

KEEP_FILE = ".gitkeep"


def _folder_files(wc: WorkingCopy, folder: str):
    check_no_symlink(wc.root, folder)
    entries = wc.files_under(folder)
    if not entries:
        raise ServiceError(f"There is no folder {folder!r} in the docs.", field="path")
    return entries


@dataclass
class CreateFolder:
    parent: str
    name: str
    action: str = "docs.edit.folder_create"

    def __post_init__(self):
        self.parent = check_relative(self.parent, field="parent") if self.parent else ""
        self.name = check_name(self.name)
        self.path = joined(self.parent, self.name)

    def default_message(self) -> str:
        return f"Create folder {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        check_no_symlink(wc.root, self.path)
        refuse_existing(wc, self.path)
        keep = f"{self.path}/{KEEP_FILE}"
        wc.write(keep, "")
        wc.stage([keep])
        return None


@dataclass
class RenameFolder:
    """Rename (`new_name`) or move (`new_parent`) a folder with everything in it."""

    old_path: str
    new_parent: str
    new_name: str
    action: str = "docs.edit.folder_rename"

    def __post_init__(self):
        self.old_path = check_relative(self.old_path, field="old_path")
        self.new_parent = (
            check_relative(self.new_parent, field="new_parent") if self.new_parent else ""
        )
        self.new_name = check_name(self.new_name, field="new_name")
        self.path = joined(self.new_parent, self.new_name)
        if self.path == self.old_path or self.path.startswith(self.old_path + "/"):
            raise ServiceError(
                "A folder cannot be moved onto itself or into itself.", field="new_name"
            )

    def default_message(self) -> str:
        return f"Move folder {self.old_path} to {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        entries = _folder_files(wc, self.old_path)
        check_no_symlink(wc.root, self.path)
        refuse_existing(wc, self.path, field="new_name")
        wc.move(self.old_path, self.path)
        for entry in entries:
            if entry.mode == SYMLINK_MODE or not is_doc_path(entry.path):
                continue
            new_path = self.path + entry.path[len(self.old_path) :]
            try:
                text = wc.read_blob(entry.sha).decode("utf-8")
            except UnicodeDecodeError:
                continue  # moved as is; not an editable doc
            updated = with_old_id(text, entry.path, new_path)
            if updated != text:
                wc.write(new_path, updated)
        wc.stage([self.path])  # git mv staged the removal
        return None


@dataclass
class DeleteFolder:
    path: str
    action: str = "docs.edit.folder_delete"
    admin_only = True  # not a dataclass field: a class-wide rule

    def __post_init__(self):
        self.path = check_relative(self.path)

    def default_message(self) -> str:
        return f"Delete folder {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        _folder_files(wc, self.path)
        wc.remove([self.path])
        return None
