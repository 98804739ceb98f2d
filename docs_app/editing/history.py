"""A doc's history: the commits touching it (across renames), each one's diff, restore.

Restoring a version publishes its text as a new commit on top of the current one; history is
never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import git

from dataops.errors import ServiceError
from docs_app.editing.merge import Conflict
from docs_app.editing.paths import check_doc_path, check_no_symlink, decode_existing
from docs_app.editing.workcopy import WorkingCopy
from docs_app.mirror import NO_PROMPT_ENV, Mirror
from docs_app.sync import open_mirror

HISTORY_LIMIT = 100
SHA = re.compile(r"[0-9a-f]{40}")
_FORMAT = "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s"


@dataclass(frozen=True)
class Version:
    commit: str
    author: str
    email: str
    date: datetime
    message: str
    path: str  # the doc's path in that commit (it may have been renamed since)
    status: str  # A, M, D or R


def doc_history(path: str, *, limit: int = HISTORY_LIMIT) -> list[Version]:
    """Commits touching the doc at `path`, newest first, following renames."""
    path = check_doc_path(path)
    mirror = open_mirror()
    try:
        raw = _git(
            mirror, "log", f"-{int(limit)}", "--follow", "--name-status", "-z", _FORMAT,
            "HEAD", "--", path,
        )  # fmt: skip
    except git.GitCommandError:
        return []
    finally:
        mirror.close()
    versions = []
    for record in raw.split(b"\x1e"):
        header, _, rest = record.partition(b"\0")
        if not header.strip():
            continue
        sha, author, email, date, subject = header.decode("utf-8", "replace").split("\x1f", 4)
        fields = [f.decode("utf-8", "replace") for f in rest.strip(b"\0\n").split(b"\0")]
        status = (fields[0].strip() or "M")[:1] if fields else "M"
        where = fields[-1] if fields else path
        versions.append(
            Version(
                sha, author, email, datetime.fromisoformat(date), subject.strip(), where, status
            )
        )
    return versions


def version_diff(version: Version) -> str:
    """The change `version` made to the doc (rename shown as such)."""
    mirror = open_mirror()
    try:
        return _git(
            mirror, "show", "--format=", "--no-color", "--no-ext-diff", "-M",
            version.commit, "--", version.path, *_old_path(mirror, version),
        ).decode("utf-8", "replace")  # fmt: skip
    finally:
        mirror.close()


def _old_path(mirror: Mirror, version: Version) -> list[str]:
    if version.status != "R":
        return []
    for change in mirror.changes(f"{version.commit}^", version.commit):
        if change.path == version.path and change.old_path:
            return [change.old_path]
    return []


def _git(mirror: Mirror, *args: str) -> bytes:
    return mirror.repo.git.execute(["git", *args], stdout_as_string=False, env=NO_PROMPT_ENV)


@dataclass
class RestoreVersion:
    """Publish the doc's text as of `commit` (where it lived at `old_path`) at `path`."""

    path: str
    commit: str
    old_path: str = ""
    action: str = "docs.edit.restore"

    def __post_init__(self):
        self.path = check_doc_path(self.path)
        self.old_path = check_doc_path(self.old_path or self.path, field="old_path")
        self.commit = (self.commit or "").strip().lower()
        if not SHA.fullmatch(self.commit):
            raise ServiceError("Choose a version from the history.", field="commit")

    def default_message(self) -> str:
        return f"Restore {self.path} as of {self.commit[:7]}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        if not wc.is_commit(self.commit) or not wc.is_ancestor(self.commit, wc.head()):
            raise ServiceError("That version is not in the doc's history.", field="commit")
        old = wc.entry(self.old_path, self.commit)
        if old is None or old.is_symlink:
            raise ServiceError(
                f"The doc did not exist as {self.old_path!r} in that version.", field="commit"
            )
        check_no_symlink(wc.root, self.path)
        current = wc.entry(self.path)
        if current is not None and current.is_symlink:
            raise ServiceError(f"{self.path!r} is a symbolic link.", field="path", code="symlink")
        text = decode_existing(wc.read_blob(old.sha), self.old_path)
        if current is None or current.sha != old.sha:
            wc.write(self.path, text)
            wc.stage([self.path])
        return None
