"""Proof files: size and type checks (by name and by content), sha256, storage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.models import ProofFile, Task

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0",)  # legacy .doc/.xls
# Allowed extensions → (content type, accepted leading bytes or None for text files).
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".txt": ("text/plain", None),
    ".md": ("text/markdown", None),
    ".csv": ("text/csv", None),
    ".json": ("application/json", None),
    ".zip": ("application/zip", _ZIP),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
}
ACCEPT_ATTR = ",".join(ALLOWED_TYPES)


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the edge is fine
        return exc.start >= len(head) - 3
    return True


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse empty, oversized or disallowed files before anything is stored."""
    name = PurePath(upload.name or "file").name[:255]
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED_TYPES:
        raise ServiceError(messages.FILE_TYPE.format(ext=ext or "no extension"), field="file")
    limit = settings.PROOF_MAX_FILE_BYTES
    if not upload.size:
        raise ServiceError(messages.FILE_EMPTY, field="file")
    if upload.size > limit:
        raise ServiceError(
            messages.FILE_TOO_BIG.format(
                size=filesizeformat(upload.size), limit=filesizeformat(limit)
            ),
            field="file",
        )
    content_type, magic = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(2048)
    matches = _looks_like_text(head) if magic is None else head.startswith(magic)
    if not matches:
        raise ServiceError(messages.FILE_CONTENT.format(ext=ext), field="file")
    return CheckedFile(upload, name, content_type, upload.size, _sha256(upload))


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def store_proof_file(*, task: Task, checked: CheckedFile, by: User | None) -> ProofFile:
    """Write the file through the default storage under a random name and add its row."""
    proof = ProofFile(
        task=task,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    proof.file.save(ProofFile.storage_name(checked.name), checked.upload, save=False)
    proof.save()
    return proof
