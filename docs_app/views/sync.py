"""Ways to start a docs sync from the web: the admins' Sync now and Re-clone buttons and the
signed webhook; and the line about the mirror the docs pages refresh when a sync settles.

The webhook is public (the git host cannot log in) and CSRF-exempt; it is authenticated by
an HMAC-SHA256 of the raw body with `DOCS_WEBHOOK_SECRET` in GitHub's `X-Hub-Signature-256`
header. It fails closed: no secret configured → 503, wrong or missing signature → 401, and
in both cases nothing is queued.
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dataops.jobs import queue_note
from dataops.models import JobRun
from dataops.roles import admin_required
from docs_app import selectors
from docs_app.mirror import BACKUPS_KEPT, safe_url
from docs_app.reclone import active_reclone, mirror_backups, mirror_reclone
from docs_app.sync import sync_enqueue

WEBHOOK_MAX_BYTES = 2 * 1024 * 1024
NO_SECRET = "The docs webhook is disabled: DOCS_WEBHOOK_SECRET is not configured."
BAD_SIGNATURE = "Missing or wrong X-Hub-Signature-256 signature."
TOO_LARGE = f"The payload is larger than {WEBHOOK_MAX_BYTES // 1024 // 1024} MB."
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature_for(body: bytes, secret: str) -> str:
    """The header value GitHub sends for `body`: `sha256=<hex HMAC>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@login_not_required
@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    secret = settings.DOCS_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"error": NO_SECRET}, status=503)
    if _declared_length(request) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": TOO_LARGE}, status=413)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": TOO_LARGE}, status=413)
    if len(body) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": TOO_LARGE}, status=413)
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), signature_for(body, secret).encode()):
        return JsonResponse({"error": BAD_SIGNATURE}, status=401)
    if request.headers.get("X-GitHub-Event", "") == "ping":
        return JsonResponse({"ok": True, "event": "ping"})
    run = sync_enqueue(trigger=JobRun.Trigger.WEBHOOK)
    return JsonResponse({"queued": run.pk, "status": run.status}, status=202)


@admin_required
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    """Queue a sync; with htmx the button becomes the run's live status."""
    run = sync_enqueue(trigger=JobRun.Trigger.MANUAL, by=request.user)
    if request.htmx:
        return render(request, "docs_app/_sync_button.html#queued", {"run": run})
    messages.success(
        request,
        format_html(
            'Docs sync queued as <a href="{}">run #{}</a>{}.',
            run.get_absolute_url(),
            run.pk,
            queue_note(run),
        ),
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "docs:quality"
    return redirect(target)


@require_GET
def sync_state(request: HttpRequest) -> HttpResponse:
    """The docs pages' line about the mirror, asked again when a run on the page settles."""
    status = selectors.sync_status(with_runs=request.user.is_admin)
    return render(
        request,
        "docs_app/_sync_state.html",
        {
            "sync": status,
            "on_reclone_page": request.GET.get("on") == "reclone",
            # refreshed on the page after a run settled: offer to reload what it changed
            "reload_url": request.htmx.current_url_abs_path if request.htmx else None,
        },
    )


@admin_required
def reclone(request: HttpRequest) -> HttpResponse:
    """GET: what a re-clone does, the backups kept — the confirmation. POST: queue it."""
    if request.method == "POST":
        run = mirror_reclone(by=request.user)
        if request.htmx:
            return render(request, "docs_app/reclone.html#queued", {"run": run})
        return redirect(run)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "docs_app/reclone.html",
        {
            "sync": selectors.sync_status(with_runs=True),
            "backups": mirror_backups(),
            "keep": BACKUPS_KEPT,
            "active": active_reclone(),
            "remote": safe_url(settings.DOCS_GIT_URL) or "the bundled sample docs",
            "branch": settings.DOCS_GIT_BRANCH,
        },
    )
