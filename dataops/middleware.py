"""Request-level plumbing: request ids, body limits, login enforcement that understands htmx,
the Content-Security-Policy header."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.html import format_html

from dataops.logging import bind_context_id

log = logging.getLogger("dataops.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
NUL = "\x00"
NUL_REFUSED = "It contained a NUL character, which no address or form field may hold."
NUL_FRAGMENT = '<p class="message message-error" role="alert">{}</p>'


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
    """Refuse (413) any request whose declared body exceeds its path's body limit, uploads included.

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
        limit = body_limit(request.path_info)
        if length > limit:
            return render(request, "413.html", {"limit": limit}, status=413)
        return self.get_response(request)


def body_limit(path: str) -> int:
    """MAX_REQUEST_BYTES, or the limit of the longest MAX_REQUEST_BYTES_BY_PATH prefix of
    `path` (the public guest form takes much less than an upload page)."""
    prefixes = getattr(settings, "MAX_REQUEST_BYTES_BY_PATH", {})
    matching = [prefix for prefix in prefixes if path.startswith(prefix)]
    if not matching:
        return settings.MAX_REQUEST_BYTES
    return prefixes[max(matching, key=len)]


class RejectNulMiddleware:
    """Refuse (400) a request whose path, query or form data holds a NUL character.

    PostgreSQL refuses NUL in text and the filesystem in paths, so such a value would be a
    500 in whichever view stored, searched or opened it; no legitimate input contains one.
    Checked after decoding, so "%00" counts; names are checked as well as values.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        if request.headers.get("HX-Request"):  # swapped into a fragment: the message alone
            return HttpResponse(format_html(NUL_FRAGMENT, NUL_REFUSED), status=400)
        return render(request, "400.html", {"reason": NUL_REFUSED}, status=400)


def _holds_nul(request) -> bool:
    """The decoded path, and every name and value of the query and the form (Django already
    drops unprintable characters from uploaded file names)."""
    fields = list(request.GET.lists())
    if request.method == "POST":
        fields += request.POST.lists()
    return NUL in request.path_info or any(
        NUL in name or any(NUL in value for value in values) for name, values in fields
    )


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


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.SECURE_CSP`` as the Content-Security-Policy header of every response.

    The setting has the shape of Django 6.0's built-in one (directive → list of sources), so
    moving to Django 6 means deleting this class and keeping the setting. A response that
    already carries the header keeps its own. With DEBUG on, error responses go without it:
    Django's technical 404/500 pages are built from inline CSS and JavaScript.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = csp_header(settings.SECURE_CSP)
        if policy and not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


def csp_header(directives: dict[str, list[str] | bool]) -> str:
    """`{"script-src": ["'self'"], "upgrade-insecure-requests": True}` → the header value."""
    parts = []
    for name, sources in directives.items():
        if sources is True:
            parts.append(name)
        elif sources:
            parts.append(" ".join([name, *sources]))
    return "; ".join(parts)
