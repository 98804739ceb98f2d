"""The working copy edits are committed in: the read mirror itself.

Why the mirror and not a second clone: the mirror already is a clone with a working tree on
the configured branch, pages read images from it, and the sync registers whatever its branch
points at. Committing there means a saved edit is registered at once from the commit that
holds it (no second fetch), and after a push the remote and the mirror hold the same commit,
so the next sync finds nothing to do. The cost is that edits and syncs must not run at the
same time: both take the docs-sync lock (`working_copy_lock` waits for it).

Commits carry the user as author and the portal as committer. With `DOCS_GIT_PUSH` off the
commits stay in the mirror (the sync reports them as local commits ahead of the remote).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git
from django.conf import settings

from dataops.errors import ServiceError
from docs_app.mirror import (
    NO_PROMPT_ENV,
    SEED_AUTHOR,
    Mirror,
    MirrorError,
    TreeEntry,
    classify,
)
from docs_app.sync import open_mirror, sync_lock

LOCK_WAIT_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.05
# How git says the remote branch moved (as opposed to a hook or the server refusing the push).
_REMOTE_MOVED = ("[rejected]", "non-fast-forward", "fetch first")


@dataclass(frozen=True)
class Author:
    name: str
    email: str


def author_of(user) -> Author:
    """The account's name and email as a git identity."""
    name = (user.get_full_name() or user.get_username()).strip()
    email = (user.email or "").strip() or f"{user.get_username()}@users.dataops.invalid"
    return Author(name.replace("<", "").replace(">", ""), email.replace("<", "").replace(">", ""))


class PushRejected(Exception):
    """The remote branch moved since the working copy last fetched it."""


@contextmanager
def working_copy_lock(timeout: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the docs-sync lock, waiting up to `timeout` seconds for a sync or another edit."""
    deadline = time.monotonic() + timeout
    while True:
        with sync_lock() as acquired:
            if acquired:
                yield
                return
        if time.monotonic() > deadline:
            raise ServiceError(
                "The docs are being synced or edited right now; nothing was saved. "
                "Try again in a moment.",
                code="busy",
            )
        time.sleep(LOCK_POLL_SECONDS)


def _remember_untracked_files(repo: git.Repo) -> None:
    """Let git remember which folders have untracked files (`core.untrackedCache`), so the
    clean-tree check before each save does not walk every folder of a big repository. Read
    from the clone's own config each time: a re-cloned mirror gets it again."""
    config = repo.config_reader("repository")
    if config.get_value("core", "untrackedCache", "") is not True:
        repo.git.execute(["git", "config", "core.untrackedCache", "true"], env=NO_PROMPT_ENV)


class WorkingCopy:
    """Git operations on the mirror's working tree; call only inside `working_copy_lock`."""

    def __init__(self, mirror: Mirror, *, push: bool):
        self.mirror = mirror
        self.push_enabled = push

    @classmethod
    def open(cls) -> WorkingCopy:
        mirror = open_mirror()
        try:
            if not mirror.exists():
                mirror.update()
            repo = mirror.repo
            if repo.head.is_detached or repo.active_branch.name != mirror.branch:
                repo.git.execute(["git", "checkout", "--quiet", mirror.branch], env=NO_PROMPT_ENV)
            _remember_untracked_files(repo)
        except MirrorError as exc:
            raise ServiceError(f"The docs working copy is not usable: {exc}", code="git") from exc
        return cls(mirror, push=settings.DOCS_GIT_PUSH)

    @property
    def root(self) -> Path:
        return self.mirror.path

    def close(self) -> None:
        self.mirror.close()

    # --- reading ---------------------------------------------------------------------------

    def head(self) -> str:
        head = self.mirror.head()
        if head is None:
            raise ServiceError("The docs working copy has no commits yet.", code="git")
        return head

    def entry(self, path: str, commit: str = "HEAD") -> TreeEntry | None:
        """The blob of `path` in `commit` (mode, sha, size), or None."""
        raw = self._bytes("ls-tree", "-l", "-z", "--full-tree", commit, "--", path)
        for record in raw.split(b"\0"):
            meta, _, name = record.partition(b"\t")
            if not meta or name.decode("utf-8", errors="replace") != path:
                continue
            mode, kind, sha, size = meta.decode().split()
            if kind == "blob":
                return TreeEntry(path, mode, sha, int(size) if size != "-" else 0)
        return None

    def doc_entry(self, path: str, commit: str = "HEAD", *, gone: str = "") -> TreeEntry:
        """The blob of the doc at `path`; refuses a missing path and a symbolic link."""
        entry = self.entry(path, commit)
        if entry is None:
            raise ServiceError(gone or f"There is no doc at {path!r}.", field="path", code="gone")
        if entry.is_symlink:
            raise ServiceError(
                f"{path!r} is a symbolic link; links are not edited in the portal.",
                field="path",
                code="symlink",
            )
        return entry

    def files_under(self, folder: str, commit: str = "HEAD") -> list[TreeEntry]:
        raw = self._bytes("ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", folder + "/")
        found = []
        for record in raw.split(b"\0"):
            meta, _, name = record.partition(b"\t")
            if meta:
                mode, kind, sha, size = meta.decode().split()
                path = name.decode("utf-8", errors="replace")
                found.append(TreeEntry(path, mode, sha, int(size) if size != "-" else 0))
        return found

    def is_blob(self, sha: str) -> bool:
        try:
            return self._text("cat-file", "-t", sha).strip() == "blob"
        except git.GitCommandError:
            return False

    def is_commit(self, sha: str) -> bool:
        return self.mirror.has_commit(sha)

    def read_blob(self, sha: str) -> bytes:
        return self.mirror.read_blob(sha)

    def changed_paths(self, old: str, new: str) -> set[str]:
        """Every path changed between two commits (both sides of a rename)."""
        found: set[str] = set()
        for change in self.mirror.changes(old, new):
            found.add(change.path)
            if change.old_path:
                found.add(change.old_path)
        return found

    # --- writing ---------------------------------------------------------------------------

    def write(self, path: str, data: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self._text("mv", "--", old, new)

    def remove(self, paths: Iterable[str]) -> None:
        paths = list(paths)
        if paths:
            self._text("rm", "--quiet", "-r", "--", *paths)

    def stage(self, paths: Iterable[str]) -> None:
        paths = list(paths)
        if paths:
            self._text("add", "--all", "--", *paths)

    def commit(self, message: str, author: Author) -> str | None:
        """Commit what is staged; None (and no commit) when nothing changed."""
        try:
            self._text("diff", "--cached", "--quiet")
            return None
        except git.GitCommandError:
            pass  # exit code 1: there are staged changes
        self.mirror.repo.git.execute(
            ["git", "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message],
            env={**NO_PROMPT_ENV, **self._identity(author)},
        )
        return self.head()

    def is_clean(self) -> bool:
        return not self._text("status", "--porcelain", "--untracked-files=normal").strip()

    def discard(self, commit: str) -> None:
        """Put branch, index and working tree back at `commit` (nothing else is kept there)."""
        self._text("reset", "--quiet", "--hard", commit)
        self._text("clean", "--quiet", "-fd")

    # --- the remote ------------------------------------------------------------------------

    def push(self) -> None:
        """Push the branch; `PushRejected` when the remote moved, `ServiceError` otherwise."""
        branch = self.mirror.branch
        try:
            self.mirror.repo.git.execute(
                ["git", "push", "--quiet", "--porcelain", "origin", f"{branch}:{branch}"],
                kill_after_timeout=self.mirror.timeout,
                env=NO_PROMPT_ENV,
            )
        except git.GitCommandError as exc:
            text = f"{exc.stdout or ''} {exc.stderr or ''}".lower()
            if any(needle in text for needle in _REMOTE_MOVED):
                raise PushRejected(text) from exc
            problem = classify(exc, "Pushing to", self.mirror.url)
            raise ServiceError(f"{problem} Nothing was published.", code="push") from exc

    def fetch(self) -> str:
        try:
            return self.mirror.fetch()
        except MirrorError as exc:
            raise ServiceError(f"{exc} Nothing was published.", code="push") from exc

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.mirror.repo.is_ancestor(older, newer)

    def rebase(self, onto: str, upstream: str, author: Author) -> bool:
        """Replay the commits after `upstream` onto `onto`; False (and aborted) on a conflict."""
        try:
            self.mirror.repo.git.execute(
                ["git", "rebase", "--quiet", "--no-autostash", "--onto", onto, upstream],
                env={**NO_PROMPT_ENV, **self._identity(author)},
            )
        except git.GitCommandError:
            with contextlib.suppress(git.GitCommandError):  # nothing to abort
                self._text("rebase", "--abort")
            return False
        return True

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _identity(author: Author) -> dict[str, str]:
        committer, committer_email = SEED_AUTHOR
        return {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer,
            "GIT_COMMITTER_EMAIL": committer_email,
        }

    def _text(self, *args: str) -> str:
        return self.mirror.repo.git.execute(["git", *args], env=NO_PROMPT_ENV)

    def _bytes(self, *args: str) -> bytes:
        return self.mirror.repo.git.execute(
            ["git", *args], stdout_as_string=False, env=NO_PROMPT_ENV
        )
