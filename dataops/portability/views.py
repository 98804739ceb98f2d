"""The Data pages (admins): exports (export now, list, download) and restore drills."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dataops.jobs import enqueue, queue_note
from dataops.models import JobRun
from dataops.portability.drill import latest_archive
from dataops.portability.models import ExportArchive, RestoreDrill
from dataops.portability.tasks import DRILL_KIND, EXPORT_KIND, export_now, restore_drill_now
from dataops.portability.tasks import exports_dir as _exports_dir
from dataops.roles import admin_required
from dataops.selectors import SETTLED, paginate

OUTSIDE = (
    "This archive ({path}) is outside the export folders ({folders}); it is not offered for "
    "download. Copy it from the server."
)
MISSING = "The file of this archive ({path}) is no longer on disk; it cannot be downloaded."
REMOVED = "This archive was removed by retention on {when:%Y-%m-%d}; it cannot be downloaded."


def _active_run(kind: str) -> JobRun | None:
    """The newest run of `kind` still moving (queued, running, retrying), for the page."""
    return JobRun.objects.filter(kind=kind).exclude(status__in=SETTLED).order_by("-pk").first()


def _is_poll(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def download_folders() -> list[Path]:
    """Folders whose archives may be downloaded: the export folder, and the backups'."""
    folders = [_exports_dir()]
    backup_dir = getattr(settings, "BACKUP_DIR", None)
    if backup_dir:
        folders.append(Path(backup_dir))
    return [folder.resolve() for folder in folders]


# --- exports ---------------------------------------------------------------------------------


@admin_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    page = paginate(ExportArchive.objects.select_related("created_by"), request.GET.get("page"))
    context = {"page_obj": page, "active_job": _active_run(EXPORT_KIND)}
    if _is_poll(request):  # the list, refreshed when a run on the page settles
        return render(request, "portability/exports.html#table", context)
    return render(request, "portability/exports.html", context)


@admin_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    include_files = request.POST.get("include_files") in ("on", "1", "true")
    run = _active_run(EXPORT_KIND)
    if run is not None:
        text = f"An export is already under way (run #{run.pk}); it is shown here."
    else:
        run = enqueue(
            export_now,
            kwargs={"include_files": include_files},
            by=request.user,
            trigger=JobRun.Trigger.MANUAL,
        )
        text = f"Export queued as run #{run.pk}{queue_note(run)}."
    if request.htmx:
        return render(request, "portability/exports.html#active", {"active_job": run})
    messages.info(request, text)
    return redirect("portability:exports")


@admin_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    archive = get_object_or_404(ExportArchive, pk=pk)
    path = Path(archive.path).resolve()
    folders = download_folders()
    if archive.deleted_at is not None:
        return _refused(request, REMOVED.format(when=archive.deleted_at), status=410)
    if not any(path.is_relative_to(folder) for folder in folders):
        text = OUTSIDE.format(path=path, folders=", ".join(str(f) for f in folders))
        return _refused(request, text, status=403)
    if not path.is_file():
        return _refused(request, MISSING.format(path=path), status=404)
    # Opened here, closed by FileResponse once streamed.
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=archive.name,
        content_type="application/gzip",
    )


def _refused(request: HttpRequest, text: str, *, status: int) -> HttpResponse:
    return render(request, "portability/download_refused.html", {"text": text}, status=status)


# --- restore drills --------------------------------------------------------------------------


@admin_required
@require_GET
def drill_list(request: HttpRequest) -> HttpResponse:
    page = paginate(RestoreDrill.objects.select_related("triggered_by"), request.GET.get("page"))
    for drill in page.object_list:
        drill.rows_restored = sum(drill.counts.values())
        drill.source_label = drill.source if "://" in drill.source else Path(drill.source).name
    context = {
        "page_obj": page,
        "active_job": _active_run(DRILL_KIND),
        "latest_export": latest_archive(),
    }
    if _is_poll(request):
        return render(request, "portability/drills.html#table", context)
    return render(request, "portability/drills.html", context)


@admin_required
@require_POST
def drill_start(request: HttpRequest) -> HttpResponse:
    error = "" if latest_archive() else "No export to drill: export the data first."
    run = None
    if not error:
        run = _active_run(DRILL_KIND) or enqueue(
            restore_drill_now, by=request.user, trigger=JobRun.Trigger.MANUAL
        )
    if request.htmx:
        context = {"active_job": run, "start_error": error}
        return render(request, "portability/drills.html#active", context)
    if error:
        messages.error(request, error)
    else:
        messages.info(request, f"Restore drill queued as run #{run.pk}{queue_note(run)}.")
    return redirect("portability:drills")
