"""Reading the mirror's working tree for pages: files confined to the content root, history.

The pipeline owns the mirror (clone, fast-forward); pages only read it. Every path that comes
from a URL or a document is checked here before anything touches the disk: absolute paths,
`..` segments, `.git` and NUL bytes are refused, and the resolved path (symlinks followed)
must still lie inside the root — a link pointing outside is treated as missing.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

HISTORY_LIMIT = 8
_HISTORY_TTL = 24 * 3600
# Images a doc may show. SVG is served with a sandboxing CSP (see views.browse.asset).
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def mirror_root() -> Path:
    return Path(settings.DOCS_MIRROR_DIR)


def is_safe_relative(rel: str) -> bool:
    """Whether `rel` is a plain repo-relative POSIX path (no escape hatches in its spelling)."""
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/"):
        return False
    parts = rel.split("/")
    return not any(p in ("", ".", "..") or p.lower() == ".git" for p in parts)


def safe_path(rel: str) -> Path | None:
    """The resolved file for `rel` inside the mirror, or None (missing, escaping, not a file)."""
    if not is_safe_relative(rel):
        return None
    root = mirror_root()
    try:
        real_root = root.resolve(strict=True)
        resolved = (real_root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(real_root) or not resolved.is_file():
        return None
    return resolved


def read_text(rel: str) -> str | None:
    """The file as text (undecodable bytes replaced), or None when it cannot be read safely."""
    path = safe_path(rel)
    if path is None:
        return None
    try:
        if path.stat().st_size > settings.DOCS_MAX_FILE_BYTES:
            return None
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def image_type(rel: str) -> str | None:
    """The content type to serve `rel` with, or None when it is not an image we serve."""
    return IMAGE_TYPES.get(PurePosixPath(rel).suffix.lower())


def guess_type(rel: str) -> str:
    return image_type(rel) or mimetypes.guess_type(rel)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: datetime
    message: str

    @property
    def short_sha(self) -> str:
        return self.sha[:8]


def file_history(rel: str, head_sha: str, *, limit: int = HISTORY_LIMIT) -> list[Commit]:
    """Recent commits touching `rel` (across renames), newest first; cached per head
    (history is immutable)."""
    if not head_sha or not is_safe_relative(rel):
        return []
    digest = hashlib.sha1(rel.encode(), usedforsecurity=False).hexdigest()
    key = f"docs:history:{head_sha}:{digest}:{limit}"
    found = cache.get(key)
    if found is None:
        found = _git_log(rel, limit)
        cache.set(key, found, _HISTORY_TTL)
    return found


def _git_log(rel: str, limit: int) -> list[Commit]:
    from git import GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

    # One `git log` with the fields it needs: walking commit objects through GitPython starts
    # three git processes per call, and a page with a cold cache waits for them.
    try:
        with Repo(mirror_root()) as repo:
            out = repo.git.log(
                "HEAD",
                f"-n{limit}",
                "--follow",  # a renamed doc shows its commits from before the rename
                "--format=%H%x00%an%x00%ct%x00%s",
                "--",
                rel,
            )
    except (GitCommandError, InvalidGitRepositoryError, NoSuchPathError, ValueError) as exc:
        log.info("no history for %s: %s", rel, exc)
        return []
    commits = []
    for line in out.splitlines():
        sha, author, stamp, subject = line.split("\x00", 3)
        commits.append(Commit(sha, author, datetime.fromtimestamp(int(stamp), UTC), subject))
    return commits
