"""The local mirror of the docs repository: clone, fetch, fast-forward, diff, read (GitPython).

No Django in this module: callers pass the URL, branch, directories and timeouts, so the git
layer can be tested and benchmarked on plain repositories.

The mirror is a normal clone with a working tree (pages serve images from it). Its branch
only ever moves forward:

* a fetch updates `refs/remotes/origin/<branch>` (forced, so a rewritten remote is *seen*),
* the local branch is fast-forwarded only when its head is an ancestor of the remote head,
* otherwise nothing is touched and `HistoryRewritten` says whether the remote was
  force-pushed or the mirror holds local commits the remote does not have.

Files are read from git objects (by blob sha, through one `git cat-file --batch` process),
never through the working tree, so a symlink in the repository is never followed: its blob
holds the link target as text and the caller decides what to do with it.

Errors are split by what a retry can do: `RemoteUnavailable` (network, timeouts, a remote
that does not answer: worth retrying) versus `MirrorBroken` and `HistoryRewritten` (a person
has to act). Messages never contain credentials from the URL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git

SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"
FILE_MODES = ("100644", "100755")
NO_PROMPT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "true",
    "SSH_ASKPASS": "true",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=20",
}
SEED_AUTHOR = ("DataOps", "dataops@localhost")
_LOG_FORMAT = "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s"
_PERMANENT_HINTS = (
    ("authentication failed", "The remote refused the credentials"),
    ("could not read username", "The remote asks for credentials that are not configured"),
    ("terminal prompts disabled", "The remote asks for credentials that are not configured"),
    ("permission denied", "The remote refused access"),
    ("couldn't find remote ref", "The branch does not exist on the remote"),
    ("not found in upstream", "The branch does not exist on the remote"),
    ("repository not found", "The remote says the repository does not exist"),
)
RECLONE_HINT = (
    "use Re-clone on the Docs page (or `python manage.py docs_sync --reclone`) to "
    "set the mirror aside and clone again"
)
# Rename detection: git pairs a deleted and an added file whose contents are at least this
# similar (its own default, spelled out so no local config changes it), comparing at most
# this many files exhaustively (a whole folder moved with edits still counts as moves).
RENAME_SIMILARITY = "50%"
RENAME_LIMIT = 5000
TREE_DIFF_LIMIT = 2000  # changed files beyond which a tree is listed afresh
FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
BACKUP_PREFIX = "bak-"
BACKUPS_KEPT = 3


class MirrorError(Exception):
    """Base of everything the mirror raises."""


class RemoteUnavailable(MirrorError):
    """The remote did not answer (network, timeout, missing path): a later retry may work."""


class MirrorBroken(MirrorError):
    """A problem a person must fix: bad URL, credentials, missing branch, local edits."""


class HistoryRewritten(MirrorError):
    """The remote head is not a descendant of the mirror's head; nothing was changed."""


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    sha: str
    size: int

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE


# The last tree `Mirror.tree` listed in this process: (commit, entries).
_last_tree: tuple[str, dict[str, TreeEntry]] | None = None


@dataclass(frozen=True)
class Change:
    """One path changed between two commits: A(dded), M(odified), D(eleted), R(enamed)."""

    status: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: datetime
    message: str


@dataclass(frozen=True)
class Update:
    """What `Mirror.update` did: heads before/after, and whether the mirror was just cloned."""

    before: str | None
    head: str
    cloned: bool = False
    local_ahead: int = 0


def short(sha: str | None) -> str:
    return (sha or "none")[:7]


def safe_url(url: str) -> str:
    """The URL without `user:password@`, for messages."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def check_url(url: str) -> None:
    """Refuse URLs git would read as an option or as a command-running transport."""
    lowered = url.strip().lower()
    if not lowered:
        raise MirrorBroken("No git URL configured.")
    if lowered.startswith("-") or lowered.startswith(("ext::", "fd::")):
        raise MirrorBroken(f"Refusing the git URL {safe_url(url)!r}: not a repository address.")


def _git_error_text(exc: git.GitCommandError) -> str:
    stderr = exc.stderr if isinstance(exc.stderr, str) else str(exc.stderr or "")
    lines = [line.strip() for line in stderr.replace("stderr:", "").splitlines() if line.strip()]
    text = " ".join(lines).strip(" '\"") or str(exc)
    return text[:600]


def classify(exc: git.GitCommandError, what: str, url: str) -> MirrorError:
    """Turn a failed network git command into a transient or a permanent mirror error."""
    detail = _git_error_text(exc)
    lowered = detail.lower()
    for needle, reason in _PERMANENT_HINTS:
        if needle in lowered:
            return MirrorBroken(f"{what} {safe_url(url)} failed: {reason} ({detail}).")
    return RemoteUnavailable(f"{what} {safe_url(url)} failed: {detail}")


class Mirror:
    """The clone at `path` of `url`, tracking `branch`."""

    def __init__(self, path: Path, url: str, branch: str, *, timeout: float = 60.0):
        self.path = Path(path)
        self.url = url
        self.branch = branch
        self.timeout = timeout
        self.url_changed = False
        self._repo: git.Repo | None = None

    # --- lifecycle ----------------------------------------------------------------------

    @property
    def repo(self) -> git.Repo:
        if self._repo is None:
            try:
                self._repo = git.Repo(self.path)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
                raise MirrorBroken(
                    f"{self.path} is not a git clone; move it away or {RECLONE_HINT}."
                ) from exc
        return self._repo

    def exists(self) -> bool:
        return (self.path / ".git").exists()

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    def ensure(self) -> bool:
        """Clone when there is no mirror yet; True when it was cloned now.

        The clone goes to a temporary sibling directory first and is renamed into place, so
        an interrupted clone never leaves a half-made mirror behind.
        """
        if self.exists():
            return False
        check_url(self.url)
        if self.path.exists() and any(self.path.iterdir()):
            raise MirrorBroken(f"{self.path} exists and is not a git clone; move it away.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.clone-{os.getpid()}")
        shutil.rmtree(temporary, ignore_errors=True)
        try:
            git.Git().execute(
                [
                    "git",
                    "clone",
                    "--quiet",
                    "--no-tags",
                    "--single-branch",
                    "--branch",
                    self.branch,
                    "--",
                    self.url,
                    str(temporary),
                ],
                kill_after_timeout=self.timeout * 5,
                env=NO_PROMPT_ENV,
            )
        except git.GitCommandError as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            raise classify(exc, "Cloning", self.url) from exc
        if self.path.exists():
            self.path.rmdir()
        temporary.rename(self.path)
        return True

    def set_aside(self, suffix: str, *, keep: int = BACKUPS_KEPT) -> Path | None:
        """Move the mirror to `<dir>.<suffix>` and return where it went.

        Suffixes starting with `BACKUP_PREFIX` are backups: after the move only the newest
        `keep` of them stay (each is a whole clone; re-cloning again and again must not fill
        the disk). Backups are told apart by name, so suffixes should sort by time.
        """
        self.close()
        if not self.path.exists():
            return None
        target = self.path.with_name(f"{self.path.name}.{suffix}")
        for attempt in range(2, 100):  # two set-asides within one second
            if not target.exists():
                break
            target = self.path.with_name(f"{self.path.name}.{suffix}-{attempt}")
        self.path.rename(target)
        if suffix.startswith(BACKUP_PREFIX):
            self.prune_backups(keep=keep)
        return target

    def backups(self) -> list[Path]:
        """The mirrors set aside as backups, oldest first."""
        pattern = f"{self.path.name}.{BACKUP_PREFIX}*"
        found = [
            path
            for path in self.path.parent.glob(pattern)
            if path.is_dir() and not path.is_symlink()
        ]
        return sorted(found, key=lambda path: _backup_order(path.name))

    def prune_backups(self, *, keep: int = BACKUPS_KEPT) -> list[Path]:
        """Delete all but the newest `keep` backups; returns the ones deleted."""
        backups = self.backups()
        doomed = backups[: max(len(backups) - keep, 0)]
        for path in doomed:
            shutil.rmtree(path)
        return doomed

    # --- moving forward -------------------------------------------------------------------

    def head(self) -> str | None:
        return self._rev(f"refs/heads/{self.branch}")

    def update(self) -> Update:
        """Clone or fetch, then fast-forward the branch; refuses rewritten history."""
        cloned = self.ensure()
        before = self.head()
        if cloned:
            head = self._checked_out_head()
            return Update(before=None, head=head, cloned=True)
        remote_before = self._rev(self._tracking_ref)
        remote = self.fetch()
        local = self._ensure_branch(remote)
        if local == remote:
            return Update(before=before, head=local)
        if self.repo.is_ancestor(local, remote):
            self._fast_forward(remote)
            return Update(before=before, head=remote)
        if self.repo.is_ancestor(remote, local):
            ahead = int(self._git("rev-list", "--count", f"{remote}..{local}").strip())
            return Update(before=before, head=local, local_ahead=ahead)
        raise HistoryRewritten(self._divergence_reason(local, remote, remote_before))

    @property
    def _tracking_ref(self) -> str:
        return f"refs/remotes/origin/{self.branch}"

    def fetch(self) -> str:
        """Fetch the branch (forced into the tracking ref); returns the remote head sha."""
        check_url(self.url)
        self._point_origin_at_url()
        refspec = f"+refs/heads/{self.branch}:{self._tracking_ref}"
        try:
            self.repo.git.execute(
                ["git", "fetch", "--quiet", "--no-tags", "origin", refspec],
                kill_after_timeout=self.timeout,
                env=NO_PROMPT_ENV,
            )
        except git.GitCommandError as exc:
            raise classify(exc, "Fetching", self.url) from exc
        remote = self._rev(self._tracking_ref)
        if remote is None:
            raise MirrorBroken(f"The remote has no branch {self.branch!r}.")
        return remote

    def _point_origin_at_url(self) -> None:
        try:
            current = self.repo.remotes.origin.url
        except (AttributeError, IndexError):
            self.repo.git.remote("add", "origin", self.url)
            return
        if current != self.url:
            self.repo.git.remote("set-url", "origin", self.url)
            self.url_changed = True

    def _ensure_branch(self, remote: str) -> str:
        """Check out the configured branch (creating it at `remote` the first time)."""
        local = self.head()
        if local is None:
            self._git("checkout", "--quiet", "-b", self.branch, remote)
            return remote
        if self.repo.head.is_detached or self.repo.active_branch.name != self.branch:
            self._git("checkout", "--quiet", self.branch)
        return local

    def _checked_out_head(self) -> str:
        head = self.head()
        if head is None:
            raise MirrorBroken(f"The remote has no branch {self.branch!r}.")
        return head

    def _fast_forward(self, remote: str) -> None:
        try:
            self._git("merge", "--quiet", "--ff-only", remote)
        except git.GitCommandError as exc:
            raise MirrorBroken(
                f"Could not fast-forward the mirror in {self.path}: {_git_error_text(exc)}. "
                "Nothing was changed; remove local edits from the mirror's working tree."
            ) from exc

    def _divergence_reason(self, local: str, remote: str, remote_before: str | None) -> str:
        if self.url_changed:
            return (
                f"The mirror was cloned from another repository than {safe_url(self.url)}: "
                f"local {short(local)} is not an ancestor of remote {short(remote)}. Nothing "
                f"was changed; to follow the new repository, {RECLONE_HINT}."
            )
        local_only = int(self._git("rev-list", "--count", f"{remote}..{local}").strip())
        local_known_upstream = remote_before is not None and self.repo.is_ancestor(
            local, remote_before
        )
        if local_known_upstream or local_only == 0:
            return (
                f"The remote history was rewritten (force-push): local {short(local)} is not "
                f"an ancestor of remote {short(remote)}. Nothing was changed; restore the "
                f"branch on the remote, or if the rewrite was intended, {RECLONE_HINT}."
            )
        return (
            f"The mirror and the remote have diverged: local {short(local)} has {local_only} "
            f"commit(s) that are not on the remote, and the remote moved to {short(remote)}. "
            "Nothing was changed; push or rebase the local commits onto the remote "
            f"(in {self.path}), or {RECLONE_HINT}."
        )

    # --- reading --------------------------------------------------------------------------

    def has_commit(self, sha: str | None) -> bool:
        if not sha:
            return False
        try:
            self._git("cat-file", "-e", f"{sha}^{{commit}}")
        except git.GitCommandError:
            return False
        return True

    def tree(self, sha: str) -> dict[str, TreeEntry]:
        """Every blob of the commit `sha` (files and symlinks; submodules left out), by path.

        The last tree listed in this process is kept (a commit's tree never changes): the
        next commit's is that one with the difference between the two applied, instead of
        listing and parsing every file of the repository again after each saved edit.
        """
        global _last_tree
        known = _last_tree
        if known is not None and known[0] == sha:
            return dict(known[1])
        entries = self._tree_after(known, sha) if known is not None else None
        if entries is None:
            entries = self._list_tree(sha)
        if FULL_SHA.fullmatch(sha):
            _last_tree = (sha, entries)
        return dict(entries)

    def _tree_after(
        self, known: tuple[str, dict[str, TreeEntry]], sha: str
    ) -> dict[str, TreeEntry] | None:
        """`known` (a commit and its tree) moved to commit `sha`; None when that is not the
        cheap way (no such commit here, or too many changes)."""
        try:
            raw = self._git_bytes("diff-tree", "-r", "-z", "--no-renames", "--raw", known[0], sha)
        except git.GitCommandError:
            return None
        parts = raw.split(b"\0")
        if len(parts) > 2 * TREE_DIFF_LIMIT:
            return None
        entries = dict(known[1])
        for meta, path_bytes in zip(parts[0::2], parts[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            _, mode, _, blob_sha, status = meta[1:].decode().split()
            path = path_bytes.decode("utf-8", errors="replace")
            if status == "D" or mode == SUBMODULE_MODE:
                entries.pop(path, None)
                continue
            size = self.repo.odb.info(bytes.fromhex(blob_sha)).size
            entries[path] = TreeEntry(path, mode, blob_sha, size)
        return entries

    def _list_tree(self, sha: str) -> dict[str, TreeEntry]:
        raw = self._git_bytes("ls-tree", "-r", "-l", "-z", "--full-tree", sha)
        entries: dict[str, TreeEntry] = {}
        for record in raw.split(b"\0"):
            if not record:
                continue
            meta, _, path_bytes = record.partition(b"\t")
            mode, kind, blob_sha, size = meta.decode().split()
            if kind != "blob":
                continue
            path = path_bytes.decode("utf-8", errors="replace")
            entries[path] = TreeEntry(path, mode, blob_sha, int(size) if size != "-" else 0)
        return entries

    def changes(self, old: str, new: str) -> list[Change]:
        """Paths changed from `old` to `new` with renames detected (`git diff -M50%`)."""
        raw = self._git_bytes(
            "diff",
            "--name-status",
            f"--find-renames={RENAME_SIMILARITY}",
            f"-l{RENAME_LIMIT}",
            "-z",
            "--no-ext-diff",
            old,
            new,
        )
        parts = [part.decode("utf-8", errors="replace") for part in raw.split(b"\0")]
        found: list[Change] = []
        position = 0
        while position < len(parts) and parts[position]:
            status = parts[position][0]
            if status in "RC":
                old_path, path = parts[position + 1], parts[position + 2]
                position += 3
                found.append(Change("R", path, old_path) if status == "R" else Change("A", path))
                continue
            path = parts[position + 1]
            position += 2
            found.append(Change("M" if status == "T" else status, path))
        return found

    def read_blob(self, sha: str) -> bytes:
        return self.repo.odb.stream(bytes.fromhex(sha)).read()

    def last_commits(
        self, head: str, paths: Iterable[str], *, since: str | None = None
    ) -> dict[str, CommitInfo]:
        """The most recent commit touching each of `paths`, reachable from `head`.

        One `git log --name-only` pass, stopped as soon as every path is found; with
        `since`, only commits after it are walked and the few paths not met there are looked
        up one by one (changes that came in through a merge).
        """
        wanted = set(paths)
        found: dict[str, CommitInfo] = {}
        if not wanted:
            return found
        revision = f"{since}..{head}" if since else head
        for info, touched in self._walk(revision):
            for path in touched:
                if path in wanted and path not in found:
                    found[path] = info
            if len(found) == len(wanted):
                break
        for path in wanted - set(found):
            history = self.file_history(path, limit=1, head=head)
            if history:
                found[path] = history[0]
        return found

    def file_history(
        self, path: str, *, limit: int = 10, head: str | None = None
    ) -> list[CommitInfo]:
        """Recent commits touching `path` (following renames), newest first."""
        raw = self._git_bytes(
            "log",
            f"-{int(limit)}",
            "--follow",
            _LOG_FORMAT,
            "-z",
            head or self.head() or "HEAD",
            "--",
            path,
        )
        return [_commit_info(record.split(b"\0", 1)[0]) for record in _records(raw)]

    def _walk(self, revision: str) -> Iterator[tuple[CommitInfo, list[str]]]:
        command = ["git", "log", _LOG_FORMAT, "--name-only", "-z", "--no-renames", revision, "--"]
        process = subprocess.Popen(
            command,
            cwd=self.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **NO_PROMPT_ENV},
        )
        try:
            pending = b""
            assert process.stdout is not None
            for chunk in iter(lambda: process.stdout.read(1 << 16), b""):
                pending += chunk
                *complete, pending = pending.split(b"\x1e")
                for record in complete:
                    if record:
                        yield _parse_log_record(record)
            if pending:
                yield _parse_log_record(pending)
        finally:
            process.kill()
            process.wait()

    # --- helpers --------------------------------------------------------------------------

    def _rev(self, ref: str) -> str | None:
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except git.GitCommandError:
            return None

    def _git(self, *args: str) -> str:
        return self.repo.git.execute(["git", *args], env=NO_PROMPT_ENV)

    def _git_bytes(self, *args: str) -> bytes:
        return self.repo.git.execute(["git", *args], stdout_as_string=False, env=NO_PROMPT_ENV)


def _backup_order(name: str) -> tuple[str, int]:
    """`mirror.bak-20260101120000-2` sorts after `…120000` and before `…120001`."""
    stamp, _, again = name.rpartition(BACKUP_PREFIX)[2].partition("-")
    return stamp, int(again) if again.isdigit() else 1


def _records(raw: bytes) -> list[bytes]:
    return [record for record in raw.split(b"\x1e") if record.strip(b"\0\n")]


def _parse_log_record(record: bytes) -> tuple[CommitInfo, list[str]]:
    header, _, rest = record.partition(b"\0")
    paths = [
        part.decode("utf-8", errors="replace")
        for part in rest.lstrip(b"\n").split(b"\0")
        if part.strip(b"\n")
    ]
    return _commit_info(header), paths


def _commit_info(header: bytes) -> CommitInfo:
    sha, author, email, date, subject = header.decode("utf-8", errors="replace").split("\x1f", 4)
    return CommitInfo(sha.strip(), author, email, datetime.fromisoformat(date), subject.strip())


def make_seed_repository(content_dir: Path, repo_path: Path, branch: str) -> bool:
    """Make `repo_path` a bare repository holding `content_dir` as one commit, once.

    This is how the bundled sample docs become a git remote on first run. Returns True when
    it was created now; an existing repository is never touched again (its history is the
    remote's history from then on).
    """
    if (repo_path / "HEAD").exists():
        return False
    repo_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = repo_path.with_name(f".{repo_path.name}.init-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    runner = git.Git()
    runner.execute(["git", "init", "--quiet", "--bare", "-b", branch, str(temporary)])
    with_tree = ["git", f"--git-dir={temporary}", f"--work-tree={content_dir}"]
    name, email = SEED_AUTHOR
    runner.execute([*with_tree, "add", "--all", "."])
    runner.execute(
        [
            *with_tree,
            "-c",
            f"user.name={name}",
            "-c",
            f"user.email={email}",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            "Bundled sample docs",
        ]
    )
    (temporary / "index").unlink(missing_ok=True)
    temporary.rename(repo_path)
    return True
