"""The archive file: a gzip tar written reproducibly, read without ever extracting to disk.

Every member is checked from its tar header before a byte of it is read: a regular file,
a relative name without `..`, a known folder, and no larger than PORTABILITY_MAX_MEMBER_BYTES.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings

MANIFEST = "manifest.json"
ENTITY_DIR = "entities"
FILE_DIR = "files"
CHUNK = 1024 * 1024


def entity_member(entity_name: str) -> str:
    """The archive member holding an entity's rows."""
    return f"{ENTITY_DIR}/{entity_name}.jsonl"


class ArchiveError(Exception):
    """The archive cannot be read safely; the message names the problem."""


def sha256_of_path(path: Path) -> str:
    with path.open("rb") as stream:
        return sha256_of(stream)


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class ArchiveWriter:
    """Members with fixed owner and mtime, gzip header without a timestamp: the same
    content gives the same bytes."""

    def __init__(self, path: Path) -> None:
        self._raw = path.open("wb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0)
        # Closed by close(): the writer is used as a context manager.
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._gzip, mode="w", format=tarfile.PAX_FORMAT
        )

    def add(self, name: str, source: Path | bytes) -> None:
        if isinstance(source, bytes):
            self.add_stream(name, io.BytesIO(source), size=len(source))
            return
        with source.open("rb") as stream:
            self.add_stream(name, stream, size=source.stat().st_size)

    def add_stream(self, name: str, stream: IO[bytes], *, size: int) -> None:
        info = tarfile.TarInfo(name)
        info.mode, info.mtime, info.size = 0o644, 0, size
        self._tar.addfile(info, stream)

    def close(self) -> None:
        self._tar.close()
        self._gzip.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _unsafe_name(name: str) -> str | None:
    path = PurePosixPath(name)
    if path.is_absolute() or "\\" in name or ".." in path.parts:
        return f"{name}: a path outside the archive (absolute or with ..) is refused"
    if name != MANIFEST and path.parts[0] not in (ENTITY_DIR, FILE_DIR):
        return f"{name}: not a manifest, entity or file member"
    return None


def check_member(member: tarfile.TarInfo, *, max_bytes: int) -> str | None:
    """Why `member` must not be read, or None when it is safe."""
    if not member.isfile():
        return f"{member.name}: only regular files are allowed (links and folders are refused)"
    if member.size > max_bytes:
        return f"{member.name}: {member.size} bytes is over the limit of {max_bytes} bytes"
    return _unsafe_name(member.name)


class ArchiveReader:
    """Opens the archive and checks every member's header; members are read as streams."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        try:
            # Members are only ever read through extractfile() after check_member(); closed
            # by close(): the reader is used as a context manager.
            self._tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115
            members = self._tar.getmembers()
        except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
            raise ArchiveError(f"{path.name}: not a readable .tar.gz archive ({exc})") from exc
        limit = settings.PORTABILITY_MAX_MEMBER_BYTES
        self.members: dict[str, tarfile.TarInfo] = {}
        for member in members:
            problem = check_member(member, max_bytes=limit)
            if problem is None and member.name in self.members:
                problem = f"{member.name}: appears twice in the archive"
            if problem:
                self.problems.append(problem)
            else:
                self.members[member.name] = member

    def open(self, name: str) -> IO[bytes]:
        stream = self._tar.extractfile(self.members[name])
        if stream is None:
            raise ArchiveError(f"{name}: cannot be read")
        return stream

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def lines(self, name: str) -> Iterator[bytes]:
        with self.open(name) as stream:
            yield from stream

    def close(self) -> None:
        self._tar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
