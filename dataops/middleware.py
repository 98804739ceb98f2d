"""Request-level plumbing: request ids, and login enforcement that understands htmx."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse
from django.shortcuts import render, resolve_url

from dataops.logging import bind_context_id

log = logging.getLogger("dataops.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives each request an id (or keeps a sane incoming X-Request-ID) and logs one line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        with bind_context_id(request.id):
            response = self.get_response(request)
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms
            )
        response["X-Request-ID"] = request.id
        return response


class BodySizeLimitMiddleware:
    """Refuse (413) any request whose declared body exceeds MAX_REQUEST_BYTES, uploads included.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE covers form fields only and only when a view
    reads them; this stops oversized bodies before any view runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return render(request, "413.html", {"limit": settings.MAX_REQUEST_BYTES}, status=413)
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every view needs a login unless marked `login_not_required`.

    htmx requests get an ``HX-Redirect`` to the login page instead of a redirect whose
    body would be swapped into the page.
    """

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request"):
            login_url = resolve_url(self.get_login_url(view_func))
            return HttpResponse(status=401, headers={"HX-Redirect": login_url})
        return super().handle_no_permission(request, view_func)
