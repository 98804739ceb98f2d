"""The behaviour of `sop_parse`, `sop_lint` and `sop_normalize`, without Django.

Each `run_*` function writes to the streams it is given and returns the exit code, so the
management commands stay thin and tests capture output without a process.

Path arguments: a file is used as given; a directory stands for every `.md` file below it,
recursively, in sorted path order, skipping hidden folders and files (`.git`, …). A file
that cannot be read — missing, a directory where a file is required, permission denied or
not valid UTF-8 — is reported on stderr as `PATH: cannot read: REASON`, the other paths are
still processed, and the exit code is 2.

Files are read and written as bytes decoded as strict UTF-8, so line endings are never
translated; a rewrite goes through a temporary file in the same folder and keeps the mode.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .frontmatter import split_frontmatter
from .lint import lint
from .normalize import normalize
from .parser import SopParseError, parse
from .serializer import as_dict

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_UNREADABLE = 2


class UnreadableFile(Exception):
    """A path that cannot be read as UTF-8 text; the message is the reason."""


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(error.strerror or str(error)) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile("not valid UTF-8") from error


def write_text(path: Path, text: str) -> None:
    """Replace the file atomically, keeping its permission bits."""
    mode = stat.S_IMODE(path.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def expand_paths(arguments: Sequence[str]) -> Iterator[str]:
    """Files as given, directories as their `.md` files (sorted, hidden entries skipped)."""
    for argument in arguments:
        root = Path(argument)
        if not root.is_dir():
            yield argument
            continue
        found = [
            path
            for path in root.rglob("*.md")
            if path.is_file()
            and not any(part.startswith(".") for part in path.relative_to(root).parts)
        ]
        for path in sorted(found, key=lambda p: p.relative_to(root).as_posix()):
            yield str(path)


def _cannot_read(path: str, error: UnreadableFile, stderr: TextIO) -> None:
    stderr.write(f"{path}: cannot read: {error}\n")


def run_parse(path: str, *, stdout: TextIO, stderr: TextIO) -> int:
    """Print the tree of one file as JSON (shape in `serializer.py`)."""
    try:
        text = read_text(Path(path))
    except UnreadableFile as error:
        _cannot_read(path, error, stderr)
        return EXIT_UNREADABLE
    try:
        document = parse(text)
    except SopParseError as error:
        stderr.write(f"{path}: parse error: {error}\n")
        return EXIT_FOUND
    stdout.write(json.dumps(as_dict(document), indent=2, ensure_ascii=False, default=str) + "\n")
    return EXIT_OK


def run_lint(paths: Sequence[str], *, stdout: TextIO, stderr: TextIO) -> int:
    """Print `PATH: MESSAGE` per violation; a YAML error prints `PATH: frontmatter error: …`."""
    found = unreadable = False
    for path in expand_paths(paths):
        try:
            text = read_text(Path(path))
        except UnreadableFile as error:
            _cannot_read(path, error, stderr)
            unreadable = True
            continue
        messages = [violation.message for violation in lint(text)]
        frontmatter = split_frontmatter(text).frontmatter
        if frontmatter is not None and frontmatter.error:
            messages.insert(0, f"frontmatter error: {frontmatter.error}")
        for message in messages:
            stdout.write(f"{path}: {message}\n")
        found = found or bool(messages)
    return _exit_code(unreadable, found)


def run_normalize(
    paths: Sequence[str], *, check: bool = False, stdout: TextIO, stderr: TextIO
) -> int:
    """Rewrite legacy SOPs in place, or with `check` only report which would change."""
    changed = unreadable = False
    for path in expand_paths(paths):
        try:
            text = read_text(Path(path))
        except UnreadableFile as error:
            _cannot_read(path, error, stderr)
            unreadable = True
            continue
        result = normalize(text)
        if result == text:
            continue
        changed = True
        if check:
            stdout.write(f"would normalize {path}\n")
            continue
        try:
            write_text(Path(path), result)
        except OSError as error:
            stderr.write(f"{path}: cannot write: {error.strerror or error}\n")
            unreadable = True
            continue
        stdout.write(f"normalized {path}\n")
    return _exit_code(unreadable, changed and check)


def _exit_code(unreadable: bool, found: bool) -> int:
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_FOUND if found else EXIT_OK
