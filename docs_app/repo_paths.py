"""The mirror's files and folders as pages see them: folder checks and downloads.

Built on `docs_app.files` (its spelling checks and its root). Stricter than images in one
way: a path is accepted only when no part of it is a symlink, so a link in the repository
can never make a page open or send a file it does not itself contain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from docs_app import files
from docs_app.sop import is_doc_path as is_markdown_doc

# Sent as themselves; everything else is `application/octet-stream`. None of them is a type a
# browser renders as a page or runs, and every download also carries `nosniff`.
PLAIN_TYPES = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".txt": "text/plain"}
FALLBACK_TYPE = "application/octet-stream"


def _plain(rel: str) -> Path | None:
    """The mirror path of `rel` when it exists and nothing on the way is a symlink."""
    if not files.is_safe_relative(rel):
        return None
    try:
        real_root = files.mirror_root().resolve(strict=True)
        resolved = (real_root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    # `rel` has no `.` or `..` parts, so resolving changed it only if it passed a symlink.
    return resolved if resolved == real_root / rel else None


def is_doc_path(rel: str) -> bool:
    """A document the sync registers (and so lints and indexes): `sop.is_doc_path`, outside
    the folders of `DOCS_EXCLUDE_PATHS` (content that is not process docs, such as the
    podcast's episode files)."""
    return is_markdown_doc(rel) and not any(
        rel.startswith(folder.rstrip("/") + "/") for folder in settings.DOCS_EXCLUDE_PATHS if folder
    )


class MirrorPaths:
    """`links.RepoPaths` over the mirror on disk (the renderer's view of the repository)."""

    def is_file(self, path: str) -> bool:
        found = _plain(path)
        return found is not None and found.is_file()

    def is_folder(self, path: str) -> bool:
        found = _plain(path)
        return found is not None and found.is_dir()


@dataclass(frozen=True)
class Download:
    path: Path
    name: str
    size: int
    content_type: str


def download_for(rel: str) -> Download | None:
    """The regular file at `rel` in the mirror, ready to send; None when there is none."""
    found = _plain(rel)
    if found is None or not found.is_file():
        return None
    name = PurePosixPath(rel).name
    return Download(found, name, found.stat().st_size, content_type_for(name))


def content_type_for(name: str) -> str:
    """A type no browser renders or runs: plain text kinds as such, anything else as bytes."""
    return PLAIN_TYPES.get(PurePosixPath(name).suffix.lower(), FALLBACK_TYPE)
