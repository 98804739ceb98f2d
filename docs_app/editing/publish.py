"""Publishing: one operation → one commit by the user → push → the touched files registered.

Every edit (a saved doc, a rename, a folder deleted, an image added) is an `Operation` that
writes into the working copy and stages what it touched. `publish` runs it inside the
working-copy lock:

1. `apply` writes and stages (or returns a `Conflict`, and then nothing is written);
2. nothing staged → no commit (`UNCHANGED`);
3. commit with the user as author, the portal as committer;
4. push when `DOCS_GIT_PUSH` is on. Rejected because the remote moved: fetch; when the
   remote's new commits touch none of the files this commit touches, the commit is rebased
   onto them and pushed again; when they touch the same files, the commit is set aside and
   the operation is applied again on the remote's version — for a save that is the
   three-way merge of the conflict rules (different lines merge, overlapping lines are a
   `Conflict` and nothing is published). The user's text is never lost: it is in the result;
5. only the files changed since the registry's commit are re-registered and re-indexed
   (`sync.register_local_head`), so pages, search and the registry show the change at once;
6. an audit event records the commit.

Any failure after the commit and before a successful push puts the working copy back where
it was: a publish either lands whole (remote, mirror, registry) or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from dataops.errors import ServiceError
from dataops.roles import ROLE_GROUPS
from dataops.services import audit_record
from docs_app.editing.merge import Conflict
from docs_app.editing.workcopy import (
    Author,
    PushRejected,
    WorkingCopy,
    author_of,
    working_copy_lock,
)
from docs_app.mirror import short
from docs_app.sync import register_local_head

log = logging.getLogger(__name__)

COMMITTED = "committed"
MERGED = "merged"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
PUSH_ATTEMPTS = 3
MAX_MESSAGE = 2000


class Operation(Protocol):
    action: str  # audit action, e.g. "docs.edit.save"
    path: str  # the doc or folder it is about (audit label, result)

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        """Write and stage the change against the working copy's current head."""

    def default_message(self) -> str: ...


@dataclass
class Published:
    status: str
    path: str
    commit: str | None = None
    blob: str | None = None  # the path's blob after the publish (None for folders, deletes)
    conflict: Conflict | None = None
    merged: bool = False
    pushed: bool = False
    paths: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """What to tell the user."""
        if self.status == CONFLICT:
            return (
                f"Not saved: {self.conflict.reason} Nothing was written; your version is "
                "kept below so you can merge by hand and save again."
            )
        if self.status == UNCHANGED:
            return "No changes to publish; nothing was committed."
        merged = " Someone else changed other lines meanwhile: both changes were kept." * (
            self.merged
        )
        where = " and pushed" if self.pushed else ""
        return f"Published as commit {short(self.commit)}{where}.{merged}"


def check_may_publish(operation: Operation, user) -> None:
    """Operators and admins edit; deleting docs and folders is for admins."""
    if not user.is_active or not (
        user.is_superuser or user.groups.filter(name__in=ROLE_GROUPS).exists()
    ):
        raise ServiceError("Only operators and admins can edit docs.", code="forbidden")
    if getattr(operation, "admin_only", False) and not user.is_admin:
        raise ServiceError("Only admins can delete docs and folders.", code="forbidden")


def publish(
    operation: Operation, *, user, message: str = "", audit_extra: dict | None = None
) -> Published:
    """Run `operation` as one commit by `user` (see the module docstring); `audit_extra`
    adds to the audit event (e.g. that the user published despite blocking lint findings)."""
    check_may_publish(operation, user)
    author = author_of(user)
    message = _message(message, operation)
    with working_copy_lock():
        wc = WorkingCopy.open()
        try:
            start = wc.head()
            result = _publish(wc, operation, author, message, start)
            head = wc.head()
            if head != start:  # a commit, or the remote's commits fetched on the way
                register_local_head(wc.mirror, head)
            if result.commit:
                result.blob = _blob(wc, operation.path)
        finally:
            wc.close()
    if result.commit:
        audit_record(
            actor=user,
            action=operation.action,
            target_label=operation.path[:300],
            changes={
                "commit": result.commit,
                "paths": result.paths[:200],
                "merged": result.merged,
                "pushed": result.pushed,
                **(audit_extra or {}),
            },
            note=message[:500],
        )
    return result


def _publish(
    wc: WorkingCopy, operation: Operation, author: Author, message: str, before: str
) -> Published:
    if not wc.is_clean():  # left over from a publish that was killed half-way
        log.warning("docs working copy had uncommitted changes; reset to %s", short(before))
        wc.discard(before)
    try:
        conflict = operation.apply(wc)
        if conflict is not None:
            wc.discard(before)
            return Published(CONFLICT, operation.path, conflict=conflict)
        commit = wc.commit(message, author)
        if commit is None:
            return Published(UNCHANGED, operation.path)
        if wc.push_enabled:
            commit, conflict = _push(wc, operation, author, message, before, commit)
            if conflict is not None:
                return Published(CONFLICT, operation.path, conflict=conflict)
            if commit is None:
                return Published(UNCHANGED, operation.path)
    except BaseException:
        wc.discard(before)  # nothing half-published stays in the working copy
        raise
    merged = bool(getattr(operation, "merged", False))
    return Published(
        MERGED if merged else COMMITTED,
        operation.path,
        commit=commit,
        merged=merged,
        pushed=wc.push_enabled,
        paths=sorted(wc.changed_paths(f"{commit}^", commit)),
    )


def _push(
    wc: WorkingCopy, operation: Operation, author: Author, message: str, before: str, commit: str
) -> tuple[str | None, Conflict | None]:
    """Push the head commit (`commit`), rebasing or re-applying when the remote moved
    meanwhile."""
    for attempt in range(PUSH_ATTEMPTS):
        if attempt:
            commit = wc.head()
        try:
            wc.push()
            return commit, None
        except PushRejected:
            pass
        remote = wc.fetch()
        if remote == before:
            raise ServiceError(
                "The docs remote refused the push although it did not move; nothing was published.",
                code="push",
            )
        if not wc.is_ancestor(before, remote):
            raise ServiceError(
                "The docs remote's history was rewritten; nothing was published. An admin "
                "has to re-clone the docs mirror first.",
                code="push",
            )
        theirs = wc.changed_paths(before, remote)
        mine = wc.changed_paths(before, commit)
        if not theirs & mine and wc.rebase(remote, before, author):
            before = remote
            continue
        wc.discard(remote)  # the remote changed the same files: apply again on its version
        before = remote
        conflict = operation.apply(wc)
        if conflict is not None:
            wc.discard(remote)
            return None, conflict
        if wc.commit(message, author) is None:
            return None, None
    raise ServiceError(
        "The docs remote kept moving while publishing; nothing was published. Try again.",
        code="push",
    )


def _message(message: str, operation: Operation) -> str:
    message = (message or "").strip() or operation.default_message()
    if "\x00" in message:
        raise ServiceError("The commit message contains a NUL byte.", field="message")
    return message[:MAX_MESSAGE]


def _blob(wc: WorkingCopy, path: str) -> str | None:
    entry = wc.entry(path)
    return entry.sha if entry is not None else None
