"""Trello import pages (admins only): upload → mapping → dry-run report → approve, and the
import batches, each with its rollback (a preview, then a confirmation).

The dry run and the import run as background jobs: while one runs, the report page shows
its live status (the job-status partial polls it) and asks itself again once the run
settles, then moves on — to the report, to the mapping with the dry run's error, or to the
import's batch."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dataops.errors import ServiceError
from dataops.models import JobRun
from dataops.roles import admin_required
from dataops.selectors import paginate
from tasks.import_forms import MappingForm, UploadForm
from tasks.models import ImportBatch, ImportUpload, Task, Workflow
from tasks.services.import_rollback import import_rollback, import_rollback_preview
from tasks.services.import_uploads import (
    approve_enqueue,
    live_uploads,
    preview_enqueue,
    requested_mapping,
    upload_board,
    upload_create,
)
from tasks.services.imports import item_model
from tasks.views.common import add_service_error

UPLOAD_GONE = "This upload is gone: uploaded boards are kept for {hours} hours. Upload it again."
WAITING = "Uploaded boards wait here for their mapping and approval for {hours} hours."
IMPORTED = "Imported “{name}” as import #{batch}."
APPROVED_ALREADY = "This upload was approved already, as import #{batch}: nothing imported twice."
NOTHING_NEW = "Nothing new: every card of “{name}” was imported already, so nothing was created."
ROLLED_BACK = "Rolled back import #{batch}: removed {removed}."
ROLLED_BACK_KEPT = " Kept {kept} row(s) changed since the import."
ROWS_SHOWN = 200
COUNT_LABELS = {
    "workflows": "Workflows",
    "tasks": "Tasks",
    "comments": "Comments",
    "references": "References (links)",
    "templates": "Template for the board",
    "archived_lists": "Archived lists",
    "cards_in_archived_lists": "Cards in archived lists",
    "archived_cards": "Archived cards",
    "unselected_cards": "Cards in skipped lists",
    "already_imported": "Cards imported before",
}


def _in_workflows(request: HttpRequest) -> None:
    request.nav_section = "workflows"


def _open_upload(pk: int) -> ImportUpload | None:
    related = ("created_by", "approved_by", "preview_run", "import_run")
    return live_uploads().select_related(*related).filter(pk=pk).first()


def _waiting_uploads():
    related = ("created_by", "preview_run", "import_run")
    return live_uploads().filter(approved_at__isnull=True).select_related(*related)


def _is_poll(request: HttpRequest) -> bool:
    """The waiting page asking whether its run has settled (not a boosted navigation)."""
    return bool(request.htmx) and not request.htmx.boosted


def _run_error(run: JobRun | None) -> str:
    """A failed run's message, without the exception's class name."""
    if run is None or run.status != JobRun.Status.FAILED:
        return ""
    line = (run.error.splitlines() or ["The job failed."])[0]
    name, sep, text = line.partition(": ")
    return text if sep and name.isidentifier() else line


def _report_url(upload: ImportUpload, run: JobRun | None = None) -> str:
    url = reverse("tasks:import-report", args=[upload.pk])
    return f"{url}?run={run.pk}" if run is not None else url


def _gone(request: HttpRequest) -> HttpResponse:
    """An upload past its time (or never made) sends the admin back to upload it again."""
    messages.error(request, UPLOAD_GONE.format(hours=settings.TRELLO_UPLOAD_KEEP_HOURS))
    return redirect("tasks:import-upload")


# --- upload → mapping → dry run → approve ------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _in_workflows(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        try:
            upload = upload_create(raw=form.cleaned_data["board"].read(), by=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect("tasks:import-mapping", pk=upload.pk)
    pending = _waiting_uploads()[:10]
    return render(
        request,
        "tasks/imports/upload.html",
        {
            "form": form,
            "pending": pending,
            "upload_limit_mb": settings.TRELLO_UPLOAD_MAX_BYTES // (1024 * 1024),
            "waiting_note": WAITING.format(hours=settings.TRELLO_UPLOAD_KEEP_HOURS),
        },
        status=422 if form.is_bound else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    _in_workflows(request)
    upload = _open_upload(pk)
    if upload is None:
        return _gone(request)
    if upload.approved_at or upload.is_unsettled(upload.import_run):
        return redirect("tasks:import-report", pk=upload.pk)
    mapping = requested_mapping(upload)
    board = upload_board(upload, mapping)
    data = request.POST if request.method == "POST" else None
    form = MappingForm(data, board=board, mapping=mapping)
    if form.is_bound and form.is_valid():
        try:
            run = preview_enqueue(upload=upload, mapping=form.mapping(), by=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect(_report_url(upload, run))
    # The last dry run failed (a template deleted meanwhile): say why above the form.
    failed = "" if upload.preview else _run_error(upload.preview_run)
    context = {"upload": upload, "board": board, "form": form, "dry_run_error": failed}
    return render(
        request, "tasks/imports/mapping.html", context, status=422 if form.is_bound else 200
    )


@admin_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's report (or the import's, once approved). While the dry run or the
    import runs: a page that waits for it; once the run settles, the next page."""
    _in_workflows(request)
    upload = _open_upload(pk)
    if upload is None:
        return _gone(request)
    for run in (upload.import_run, upload.preview_run):
        if upload.is_unsettled(run):
            return _waiting(request, upload, run)
    target = _next_page(request, upload)
    if target or _is_poll(request):
        # The waiting page's own question: it loads whatever comes next as a whole page.
        target = target or _report_url(upload)
        return HttpResponseClientRedirect(target) if _is_poll(request) else redirect(target)
    report = upload.result if upload.approved_at else upload.preview
    failed = "" if upload.approved_at else _run_error(upload.import_run)
    context = {"upload": upload, "import_error": failed, **_report_context(report)}
    return render(request, "tasks/imports/report.html", context)


def _waiting(request: HttpRequest, upload: ImportUpload, run: JobRun) -> HttpResponse:
    if _is_poll(request):
        return HttpResponse(status=204)  # not yet: the page keeps waiting
    context = {
        "upload": upload,
        "run": run,
        "importing": run.pk == upload.import_run_id,
        "check_url": _report_url(upload, run),
    }
    return render(request, "tasks/imports/waiting.html", context)


def _next_page(request: HttpRequest, upload: ImportUpload) -> str:
    """Where a page watching the upload's run goes now that it settled ("" to stay): an
    import just ended leads to its batch; a dry run that failed leads back to the mapping."""
    watched = request.GET.get("run", "")
    if upload.import_run_id and watched == str(upload.import_run_id):
        return _approval_page(request, upload, now=True)
    if not upload.approved_at and not upload.preview:
        return reverse("tasks:import-mapping", args=[upload.pk])
    return ""


def _approval_page(request: HttpRequest, upload: ImportUpload, *, now: bool) -> str:
    """The page after an approval, with its message: the batch, or the report when nothing
    was new or the import failed (the report says why)."""
    if not upload.approved_at:
        return _report_url(upload)
    if upload.batch_id is None:
        messages.info(request, NOTHING_NEW.format(name=upload.board_name))
        return _report_url(upload)
    text = IMPORTED if now else APPROVED_ALREADY
    messages.success(request, text.format(name=upload.board_name, batch=upload.batch_id))
    return reverse("tasks:import-batch", args=[upload.batch_id])


def _labelled(counts: dict[str, int]) -> list[tuple[str, int]]:
    """In the report's own order (the database may have sorted a stored report's keys)."""
    keys = [key for key in COUNT_LABELS if key in counts]
    keys += [key for key in counts if key not in COUNT_LABELS]
    return [(COUNT_LABELS.get(key, key), counts[key]) for key in keys]


def _report_context(report: dict) -> dict:
    """The report's counts with their labels, and its redactions grouped by what and where
    (the report never holds the masked values themselves)."""
    grouped = Counter((r["kind"], r["where"]) for r in report.get("redactions", []))
    return {
        "report": report,
        "created": _labelled(report.get("created", {})),
        "skipped": _labelled(report.get("skipped", {})),
        "redactions": [(kind, where, n) for (kind, where), n in grouped.items()],
        "nothing_new": not any(report.get("created", {}).values()),
        "import_list_url": reverse("tasks:import-list"),
    }


@admin_required
@require_POST
def import_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the import (or join the one pending). A run that ended at once (a small board,
    a worker at hand) leads straight to the batch; otherwise the report page waits for it."""
    upload = _open_upload(pk)
    if upload is None:
        return _gone(request)
    try:
        upload, run = approve_enqueue(upload=upload, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("tasks:import-mapping", pk=upload.pk)
    if run is None:
        return redirect(_approval_page(request, upload, now=False))
    upload.refresh_from_db()
    run.refresh_from_db()
    if upload.is_unsettled(run):
        return redirect(_report_url(upload, run))
    return redirect(_approval_page(request, upload, now=True))


# --- batches and rollback --------------------------------------------------------------------


@admin_required
@require_GET
def import_batch_list(request: HttpRequest) -> HttpResponse:
    _in_workflows(request)
    batches = ImportBatch.objects.select_related("created_by")
    pending = _waiting_uploads()
    context = {
        "page_obj": paginate(batches, request.GET.get("page")),
        "pending": pending[:10],
        "upload_url": reverse("tasks:import-upload"),
    }
    return render(request, "tasks/imports/batch_list.html", context)


def _batch_rows(batch: ImportBatch) -> dict:
    """The batch's workflows (with their task counts) and standalone tasks still here."""
    items = batch.items.values_list("object_id", flat=True)
    workflows = Workflow.objects.filter(pk__in=items.filter(model=item_model(Workflow)))
    tasks = Task.objects.filter(pk__in=items.filter(model=item_model(Task)), workflow=None)
    return {
        "workflows": workflows.annotate(task_count=Count("tasks")).order_by("anchor_date", "pk")[
            :ROWS_SHOWN
        ],
        "workflow_total": workflows.count(),
        "tasks": tasks.select_related("assignee").order_by("due_date", "pk")[:ROWS_SHOWN],
        "task_total": tasks.count(),
    }


@admin_required
@require_GET
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    _in_workflows(request)
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    context = {
        "batch": batch,
        **_batch_rows(batch),
        **_report_context(batch.report),
        "rollback_removed": _labelled(batch.rollback_report.get("removed", {})),
    }
    return render(request, "tasks/imports/batch_detail.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def import_batch_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what a rollback would remove and keep; POST: roll back."""
    _in_workflows(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    if request.method == "GET":
        if batch.rolled_back_at:
            return redirect("tasks:import-batch", pk=batch.pk)
        preview = import_rollback_preview(batch=batch)
        context = {
            "batch": batch,
            "preview": preview,
            "removed": _labelled(preview.removed),
            "shown": ROWS_SHOWN,
        }
        return render(request, "tasks/imports/rollback.html", context)
    try:
        report = import_rollback(batch=batch, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("tasks:import-batch", pk=batch.pk)
    counts = _labelled(report.removed)
    removed = ", ".join(f"{n} {label.lower()}" for label, n in counts if n) or "nothing"
    text = ROLLED_BACK.format(batch=batch.pk, removed=removed)
    if report.kept:
        text += ROLLED_BACK_KEPT.format(kept=len(report.kept))
    messages.success(request, text)
    return redirect("tasks:import-batch", pk=batch.pk)
