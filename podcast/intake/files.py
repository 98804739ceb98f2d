"""Intake attachments: size, type (by name and by content) and executable sniffing.

The allowed types and their leading bytes are the proof files' (`tasks.services.proof`); an
intake attachment also comes from outside the team (the guest form, later Telegram), so a
file whose first bytes say "program" is refused whatever its name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from dataops.errors import ServiceError
from podcast.intake import messages
from tasks.services.proof import ALLOWED_TYPES, _looks_like_text

# Windows PE, ELF, Mach-O (both byte orders, fat), Java class, scripts with a shebang.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
EXECUTABLE_EXTENSIONS = frozenset(
    [
        ".exe",
        ".dll",
        ".com",
        ".bat",
        ".cmd",
        ".msi",
        ".scr",
        ".ps1",
        ".vbs",
        ".js",
        ".jar",
        ".sh",
        ".bin",
        ".app",
        ".apk",
        ".elf",
        ".so",
        ".dylib",
        ".py",
        ".pl",
        ".rb",
        ".php",
        ".hta",
        ".lnk",
        ".reg",
    ]
)
ACCEPT_ATTR = ",".join(ALLOWED_TYPES)


@dataclass(frozen=True)
class CheckedAttachment:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def _check_size(upload: UploadedFile, name: str) -> None:
    limit = settings.INTAKE_MAX_ATTACHMENT_BYTES
    if not upload.size:
        raise ServiceError(messages.FILE_EMPTY.format(name=name), field="file")
    if upload.size > limit:
        raise ServiceError(
            messages.FILE_TOO_BIG.format(
                name=name, size=filesizeformat(upload.size), limit=filesizeformat(limit)
            ),
            field="file",
        )


def _check_content(head: bytes, name: str, ext: str) -> None:
    if head.startswith(EXECUTABLE_MAGIC):
        raise ServiceError(messages.FILE_EXECUTABLE.format(name=name), field="file")
    magic = ALLOWED_TYPES[ext][1]
    matches = _looks_like_text(head) if magic is None else head.startswith(magic)
    if not matches:
        raise ServiceError(messages.FILE_CONTENT.format(name=name, ext=ext), field="file")


def check_attachment(upload: UploadedFile) -> CheckedAttachment:
    """Refuse empty, oversized, executable or disallowed files before anything is stored."""
    name = PurePath(upload.name or "file").name[:255]
    ext = PurePath(name).suffix.lower()
    if ext in EXECUTABLE_EXTENSIONS:
        raise ServiceError(messages.FILE_EXECUTABLE.format(name=name), field="file")
    if ext not in ALLOWED_TYPES:
        raise ServiceError(messages.FILE_TYPE.format(ext=ext or "no extension"), field="file")
    _check_size(upload, name)
    upload.seek(0)
    _check_content(upload.read(2048), name, ext)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedAttachment(upload, name, ALLOWED_TYPES[ext][0], upload.size, digest.hexdigest())
