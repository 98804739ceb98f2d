"""What an edit may touch: paths inside the content root, plain names, UTF-8 bodies.

Every check runs before anything is written and raises `ServiceError` with a message a user
can act on (`field` names the input at fault). The content root is the repository root of
the working copy; `.git`, `..`, absolute paths, NUL bytes and backslashes are refused by
spelling, symlinks by looking at the working tree and at git's own record of the file.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings

from dataops.errors import ServiceError
from docs_app.files import is_safe_relative
from docs_app.sop import is_doc_path

MAX_NAME_LENGTH = 200


def check_relative(rel: str, *, field: str = "path") -> str:
    """A plain repo-relative path: no `..`, `.`, `.git`, absolute start, NUL or backslash."""
    rel = (rel or "").strip()
    if "\x00" in rel:
        raise ServiceError("The path contains a NUL byte.", field=field, code="bad_path")
    if ".." in rel.split("/"):
        raise ServiceError(
            f"The path {rel!r} contains '..': only paths inside the docs are accepted.",
            field=field,
            code="bad_path",
        )
    if not is_safe_relative(rel):
        raise ServiceError(
            f"The path {rel!r} is not a path inside the docs (no leading '/', no '.git', "
            "no empty or '.' parts).",
            field=field,
            code="bad_path",
        )
    return rel


def check_doc_path(rel: str, *, field: str = "path") -> str:
    rel = check_relative(rel, field=field)
    if not is_doc_path(rel):
        raise ServiceError(
            f"{rel!r} is not a Markdown document (the name must end in .md).",
            field=field,
            code="bad_path",
        )
    return rel


def check_name(name: str, *, field: str = "name") -> str:
    """One path segment: a file or folder name as typed by a user."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give a name.", field=field, code="bad_name")
    if "\x00" in name:
        raise ServiceError("The name contains a NUL byte.", field=field, code="bad_name")
    if "/" in name or "\\" in name:
        raise ServiceError(
            f"The name {name!r} contains a slash; give the name alone, without folders.",
            field=field,
            code="bad_name",
        )
    if name in (".", "..") or name.startswith(".") or name.lower() == ".git":
        raise ServiceError(
            f"The name {name!r} cannot start with a dot.", field=field, code="bad_name"
        )
    if len(name) > MAX_NAME_LENGTH or any(ord(c) < 32 for c in name):
        raise ServiceError(
            f"The name is too long or contains control characters (at most {MAX_NAME_LENGTH}).",
            field=field,
            code="bad_name",
        )
    return name


def check_body(body: str | bytes, *, field: str = "body") -> str:
    """The new text of a doc: at most `DOCS_EDIT_MAX_BYTES` of UTF-8 without NUL bytes."""
    limit = settings.DOCS_EDIT_MAX_BYTES
    raw = body if isinstance(body, bytes) else body.encode("utf-8", errors="surrogatepass")
    if len(raw) > limit:
        raise ServiceError(
            f"The text is {len(raw):,} bytes; docs are limited to {limit:,} bytes.",
            field=field,
            code="too_large",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            "The text is not valid UTF-8; save it as UTF-8 and try again.",
            field=field,
            code="not_utf8",
        ) from exc
    if "\x00" in text:
        raise ServiceError("The text contains a NUL byte.", field=field, code="bad_body")
    return text


def check_no_symlink(root: Path, rel: str, *, field: str = "path") -> None:
    """Refuse when `rel` or any folder on the way to it is a symlink in the working tree."""
    current = Path(root)
    for part in PurePosixPath(rel).parts:
        current = current / part
        if current.is_symlink():
            raise ServiceError(
                f"{rel!r} goes through a symbolic link; links are not edited in the portal.",
                field=field,
                code="symlink",
            )


def decode_existing(raw: bytes, rel: str) -> str:
    """The text of a file already in the repository; non-UTF-8 files are not edited."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            f"{rel!r} is not UTF-8 text; it cannot be edited in the portal.",
            field="path",
            code="not_utf8",
        ) from exc


def joined(folder: str, name: str) -> str:
    """`folder/name` (or `name` at the root), both already checked."""
    return f"{folder.strip('/')}/{name}" if folder.strip("/") else name
