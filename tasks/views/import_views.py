"""Trello import pages (admins only): upload → mapping → dry-run report → approve, and the
import batches, each with its rollback (a preview, then a confirmation)."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.roles import admin_required
from dataops.selectors import paginate
from tasks.import_forms import MappingForm, UploadForm
from tasks.models import ImportBatch, ImportUpload, Task, Workflow
from tasks.services.import_rollback import import_rollback, import_rollback_preview
from tasks.services.import_uploads import (
    live_uploads,
    upload_approve,
    upload_board,
    upload_create,
    upload_mapping,
    upload_preview,
)
from tasks.services.imports import item_model
from tasks.views.common import add_service_error

UPLOAD_GONE = "This upload is gone: uploaded boards are kept for {hours} hours. Upload it again."
WAITING = "Uploaded boards wait here for their mapping and approval for {hours} hours."
PREVIEW_FIRST = "Choose the mapping and look at the dry run before approving."
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
    return live_uploads().select_related("created_by", "approved_by").filter(pk=pk).first()


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
    pending = live_uploads().filter(approved_at__isnull=True).select_related("created_by")[:10]
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
    if upload.approved_at:
        return redirect("tasks:import-report", pk=upload.pk)
    mapping = upload_mapping(upload)
    board = upload_board(upload, mapping)
    data = request.POST if request.method == "POST" else None
    form = MappingForm(data, board=board, mapping=mapping)
    if form.is_bound and form.is_valid():
        try:
            upload_preview(upload=upload, mapping=form.mapping(), by=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect("tasks:import-report", pk=upload.pk)
    context = {"upload": upload, "board": board, "form": form}
    return render(
        request, "tasks/imports/mapping.html", context, status=422 if form.is_bound else 200
    )


@admin_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    _in_workflows(request)
    upload = _open_upload(pk)
    if upload is None:
        return _gone(request)
    if not upload.approved_at and not upload.preview:
        return redirect("tasks:import-mapping", pk=upload.pk)
    report = upload.result if upload.approved_at else upload.preview
    context = {"upload": upload, **_report_context(report)}
    return render(request, "tasks/imports/report.html", context)


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
    upload = _open_upload(pk)
    if upload is None:
        return _gone(request)
    if not upload.approved_at and not upload.preview:
        messages.error(request, PREVIEW_FIRST)
        return redirect("tasks:import-mapping", pk=upload.pk)
    try:
        upload, now = upload_approve(upload=upload, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("tasks:import-report", pk=upload.pk)
    if upload.batch_id is None:
        messages.info(request, NOTHING_NEW.format(name=upload.board_name))
        return redirect("tasks:import-report", pk=upload.pk)
    text = IMPORTED if now else APPROVED_ALREADY
    messages.success(request, text.format(name=upload.board_name, batch=upload.batch_id))
    return redirect("tasks:import-batch", pk=upload.batch_id)


# --- batches and rollback --------------------------------------------------------------------


@admin_required
@require_GET
def import_batch_list(request: HttpRequest) -> HttpResponse:
    _in_workflows(request)
    batches = ImportBatch.objects.select_related("created_by")
    pending = live_uploads().filter(approved_at__isnull=True).select_related("created_by")
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
