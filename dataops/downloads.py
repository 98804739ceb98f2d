"""Serving a stored upload (task proof, intake attachment) to a member who may see it.

Uploads never get a public URL. Images and PDFs open in the browser, anything else
downloads; either way the response may not run scripts or load anything but its own images.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

INLINE_TYPES = ("application/pdf",)
SANDBOX = "default-src 'none'; img-src 'self'; sandbox"


def stored_file_response(stored: FieldFile, *, name: str, content_type: str) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    inline = content_type.startswith("image/") or content_type in INLINE_TYPES
    response = FileResponse(
        handle, as_attachment=not inline, filename=name, content_type=content_type
    )
    response["Content-Security-Policy"] = SANDBOX
    return response
