"""Screenshots added to a step: stored beside the doc, checked by content, one commit.

An image goes to the doc's assets folder, `<doc folder>/assets/<doc name>/`, under a safe
name (the uploaded name reduced to `[a-z0-9-]`, plus a short hash of the bytes, plus the
extension of the type found in the bytes — never the extension it was sent with). Only PNG,
JPEG, GIF and WebP are accepted, recognised by their leading bytes; SVG (it can carry
scripts) and anything else — an HTML page named `shot.png` included — are refused. The image
and the screenshot block that shows it are committed together.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass

from django.conf import settings

from dataops.errors import ServiceError
from docs_app.editing.blocks import step_add_screenshot
from docs_app.editing.merge import Conflict
from docs_app.editing.paths import check_doc_path, check_no_symlink, decode_existing
from docs_app.editing.workcopy import WorkingCopy

ASSETS_FOLDER = "assets"
MAX_STEM = 60


def image_extension(data: bytes) -> str | None:
    """`.png`, `.jpg`, `.gif` or `.webp` when the bytes are that kind of image, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ".gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def check_image(data: bytes) -> str:
    limit = settings.DOCS_IMAGE_MAX_BYTES
    if not data:
        raise ServiceError("The image is empty.", field="image", code="bad_image")
    if len(data) > limit:
        raise ServiceError(
            f"The image is {len(data):,} bytes; images are limited to {limit:,} bytes.",
            field="image",
            code="too_large",
        )
    extension = image_extension(data)
    if extension is None:
        head = data[:256].lstrip().lower()
        kind = "an SVG drawing" if b"<svg" in head or b"<?xml" in head else "not an image"
        raise ServiceError(
            f"The file is {kind}: only PNG, JPEG, GIF and WebP images are accepted.",
            field="image",
            code="bad_image",
        )
    return extension


def safe_image_name(filename: str, data: bytes, extension: str) -> str:
    stem = posixpath.basename((filename or "").replace("\\", "/")).rsplit(".", 1)[0]
    stem = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:MAX_STEM] or "screenshot"
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{stem}-{digest}{extension}"


def assets_folder(doc_path: str) -> str:
    folder, name = posixpath.split(doc_path)
    stem = name.rsplit(".", 1)[0]
    return posixpath.join(folder, ASSETS_FOLDER, stem)


@dataclass
class AddImage:
    """Store `data` as an image of the doc at `path` and show it at the end of step `step_id`."""

    path: str
    step_id: str
    data: bytes
    filename: str = ""
    alt: str = "Screenshot"
    action: str = "docs.edit.image"

    def __post_init__(self):
        self.path = check_doc_path(self.path)
        extension = check_image(self.data)
        self.image_name = safe_image_name(self.filename, self.data, extension)
        self.image_path = posixpath.join(assets_folder(self.path), self.image_name)
        self.alt = " ".join((self.alt or "").split()) or "Screenshot"

    def default_message(self) -> str:
        return f"Add a screenshot to step {self.step_id} of {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        check_no_symlink(wc.root, self.path)
        check_no_symlink(wc.root, self.image_path)
        entry = wc.doc_entry(self.path)
        text = decode_existing(wc.read_blob(entry.sha), self.path)
        src = posixpath.join(ASSETS_FOLDER, posixpath.basename(assets_folder(self.path)))
        updated = step_add_screenshot(text, self.step_id, f"{src}/{self.image_name}", self.alt)
        wc.write(self.image_path, self.data)
        wc.write(self.path, updated)
        wc.stage([self.image_path, self.path])
        return None
