"""Saving a whole new version of one doc against the version it was started from.

The save carries the blob sha the editor (or script) started from, and the head commit when
known. When the file is still at that blob the new text is written as is; when it changed
meanwhile the two versions are merged three-way: different lines → both kept (`merged`),
overlapping lines → a `Conflict` and nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dataops.errors import ServiceError
from docs_app.editing.merge import Conflict, merge3, unified_diff
from docs_app.editing.paths import check_body, check_doc_path, check_no_symlink, decode_existing
from docs_app.editing.workcopy import WorkingCopy
from docs_app.mirror import MirrorError
from docs_app.sync import open_mirror

SHA = re.compile(r"[0-9a-f]{40}")


def check_sha(value: str, *, field: str, what: str) -> str:
    value = (value or "").strip().lower()
    if not SHA.fullmatch(value):
        raise ServiceError(
            f"The {what} must be a full 40-character git sha; got {value[:60]!r}.",
            field=field,
            code="bad_base",
        )
    return value


def save_edited(
    path: str, base_blob: str, change: Callable[[str], str], *, base_head: str | None = None
) -> SaveDoc:
    """A `SaveDoc` of `change` applied to the base version: how block edits publish. The
    edit is made on the version the editor showed, so a concurrent change elsewhere in the
    doc merges and one to the same block is a conflict."""
    base_blob = check_sha(base_blob, field="base", what="base blob")
    mirror = open_mirror()
    try:
        raw = mirror.read_blob(base_blob)
    except (ValueError, MirrorError, OSError) as exc:
        raise ServiceError(
            f"The base {base_blob[:12]} is not a version of any file in the docs repository; "
            "reload the doc and edit again.",
            field="base",
            code="bad_base",
        ) from exc
    finally:
        mirror.close()
    return SaveDoc(path, change(decode_existing(raw, path)), base_blob, base_head)


@dataclass
class SaveDoc:
    """Publish `text` as the new version of the doc at `path`, started from `base_blob`."""

    path: str
    text: str
    base_blob: str
    base_head: str | None = None
    merged: bool = False
    action: str = "docs.edit.save"

    def __post_init__(self):
        self.path = check_doc_path(self.path)
        self.text = check_body(self.text)
        self.base_blob = check_sha(self.base_blob, field="base", what="base blob")
        if self.base_head:
            self.base_head = check_sha(self.base_head, field="head", what="head commit")

    def default_message(self) -> str:
        return f"Edit {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        self.merged = False
        if self.base_head and not wc.is_commit(self.base_head):
            raise ServiceError(
                f"The head commit {self.base_head[:12]} is not in the docs repository.",
                field="head",
                code="bad_base",
            )
        check_no_symlink(wc.root, self.path)
        entry = wc.doc_entry(
            self.path,
            gone=f"{self.path!r} no longer exists: it was moved or deleted meanwhile. "
            "Nothing was written; your text is kept below.",
        )
        current = decode_existing(wc.read_blob(entry.sha), self.path)
        new = self.text
        if entry.sha != self.base_blob:
            if not wc.is_blob(self.base_blob):
                raise ServiceError(
                    f"The base {self.base_blob[:12]} is not a version of any file in the docs "
                    "repository; reload the doc and edit again.",
                    field="base",
                    code="bad_base",
                )
            base = decode_existing(wc.read_blob(self.base_blob), self.path)
            merged = merge3(base=base, mine=self.text, theirs=current)
            if merged is None:
                return Conflict(
                    path=self.path,
                    mine=self.text,
                    theirs=current,
                    base=base,
                    base_blob=self.base_blob,
                    current_blob=entry.sha,
                    head=wc.head(),
                    diff=unified_diff(
                        current, self.text, before_name="current", after_name="yours"
                    ),
                )
            self.merged = merged != self.text
            new = check_body(merged)
        if new != current:
            wc.write(self.path, new)
            wc.stage([self.path])
        return None
