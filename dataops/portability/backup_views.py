"""The Backups page (admins): every backup run, and "Back up now"."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dataops.errors import ServiceError
from dataops.jobs import queue_note
from dataops.portability import backups
from dataops.portability.models import BackupRun
from dataops.roles import admin_required
from dataops.selectors import paginate


@admin_required
@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    page = paginate(
        BackupRun.objects.select_related("export", "triggered_by"), request.GET.get("page")
    )
    context = {"page_obj": page, "active_job": backups.active_backup_job()}
    if request.htmx and not request.htmx.boosted:  # the table, refreshed when a run settles
        return render(request, "portability/backups.html#table", context)
    return render(request, "portability/backups.html", context | {"setup": _setup()})


def _setup() -> dict:
    return {
        "cron": settings.BACKUP_CRON,
        "zone": settings.TIME_ZONE,
        "keep_daily": settings.BACKUP_KEEP_DAILY,
        "keep_weekly": settings.BACKUP_KEEP_WEEKLY,
        "folder": settings.BACKUP_DIR,
        "offsite": settings.BACKUP_S3_URL,
    }


@admin_required
@require_POST
def backup_start(request: HttpRequest) -> HttpResponse:
    try:
        run = backups.backup_request(by=request.user)
    except ServiceError as exc:
        error, run = str(exc), backups.active_backup_job()
    else:
        error = ""
    if request.htmx:
        context = {"active_job": run, "start_error": error}
        return render(request, "portability/backups.html#active", context)
    if error:
        messages.error(request, error)
    else:
        messages.info(request, f"Backup queued as run #{run.pk}{queue_note(run)}.")
    return redirect("portability:backups")
