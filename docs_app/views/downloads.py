"""Files of the docs repository that are not docs or images, sent as downloads."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from docs_app.repo_paths import download_for

NOT_FOUND = "No such file in the docs repository."
# Even a type we chose could be sniffed or framed: no rendering, no scripts, no embedding.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


@require_GET
def download(request: HttpRequest, path: str) -> HttpResponse:
    """The file at `path` of the mirror as an attachment; 404 outside it, 413 over the limit."""
    found = download_for(path)
    if found is None:
        raise Http404(NOT_FOUND)
    limit = settings.DOCS_MAX_DOWNLOAD_BYTES
    if found.size > limit:
        context = {"name": found.name, "size": found.size, "limit": limit}
        return render(request, "docs_app/download_too_large.html", context, status=413)
    response = FileResponse(
        found.path.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
