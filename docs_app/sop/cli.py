"""The behaviour of `sop_parse`, `sop_lint` and `sop_normalize`, without Django.

Each `run_*` function writes to the streams it is given and returns the exit code, so the
management commands stay thin and tests capture output without a process.

Path arguments: a file is used as given; a directory stands for the documents below it as
the docs sync would register them from a repository (`identity.is_doc_path`: every `.md`
file, hidden folders included, `.git` left out), recursively, in sorted path order. Symlinks
are never followed, as the sync never follows them: a linked folder is not entered, and a
linked file is refused as `PATH: cannot read: symlink to TARGET, not followed`. A file that
cannot be read — missing, a directory where a file is required, permission denied, a symlink
or not valid UTF-8 — is reported on stderr as `PATH: cannot read: REASON`, the other paths
are still processed, and the exit code is 2.

`sop_lint` is type-aware like the corpus report: it checks the files the report lints (an
`sop` or `checklist`, by frontmatter or by folder, or a file declaring `schema_version`)
and counts the others on stderr; `strict` lints every file, as the contract's rules read.
A YAML error is always reported: it hides what type the file is.

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
from .identity import is_doc_path
from .lint import applies, lint
from .normalize import normalize
from .parser import SopParseError, parse
from .serializer import as_dict

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_UNREADABLE = 2
NOT_LINTED = (
    "{count} file(s) not linted: not SOPs (doc_type is not sop or checklist and no "
    "schema_version). Use --strict to lint every file.\n"
)


class UnreadableFile(Exception):
    """A path that cannot be read as UTF-8 text; the message is the reason."""


def read_text(path: Path) -> str:
    if path.is_symlink():
        raise UnreadableFile(f"symlink to {os.readlink(path)}, not followed")
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
    """Files as given, directories as the documents below them (sorted, see the module)."""
    for argument in arguments:
        root = Path(argument)
        if root.is_symlink() or not root.is_dir():
            yield argument
            continue
        for rel in doc_files(root):
            yield str(root / rel)


def doc_files(root: Path) -> list[str]:
    """The documents below `root` as POSIX paths relative to it, sorted; symlinked folders
    are not entered (a symlink named `*.md` is listed, for the reader to refuse)."""
    found: list[str] = []
    for folder, folders, names in os.walk(root):  # os.walk does not follow symlinks
        here = Path(folder).relative_to(root)
        linked = [name for name in folders if (Path(folder) / name).is_symlink()]
        folders[:] = [name for name in folders if name != ".git" and name not in linked]
        found += [
            rel
            for rel in ((here / name).as_posix() for name in [*names, *linked])
            if is_doc_path(rel)
        ]
    return sorted(found)


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


def run_lint(paths: Sequence[str], *, strict: bool = False, stdout: TextIO, stderr: TextIO) -> int:
    """Print `PATH: MESSAGE` per violation; a YAML error prints `PATH: frontmatter error: …`.

    Files that are not SOPs are counted on stderr and not linted, unless `strict`.
    """
    found = unreadable = False
    not_linted = 0
    for path in expand_paths(paths):
        try:
            text = read_text(Path(path))
        except UnreadableFile as error:
            _cannot_read(path, error, stderr)
            unreadable = True
            continue
        messages = lint_file(text, path, strict=strict)
        if messages is None:
            not_linted += 1
            continue
        for message in messages:
            stdout.write(f"{path}: {message}\n")
        found = found or bool(messages)
    if not_linted:
        stderr.write(NOT_LINTED.format(count=not_linted))
    return _exit_code(unreadable, found)


def lint_file(text: str, path: str, *, strict: bool = False) -> list[str] | None:
    """The messages for one file; None when it is not an SOP and `strict` is off."""
    frontmatter = split_frontmatter(text).frontmatter
    if frontmatter is not None and frontmatter.error:
        return [f"frontmatter error: {frontmatter.error}"]
    data = frontmatter.data if frontmatter is not None else None
    if not strict and not applies(data, Path(path).as_posix()):
        return None
    return [violation.message for violation in lint(text)]


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
