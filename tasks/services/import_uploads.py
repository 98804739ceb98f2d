"""The import page's steps: a board file is uploaded, mapped, previewed, then approved.

The uploaded file waits in an `ImportUpload` row between the steps, so a page only ever
sends its id. Reading it again for each step is cheap (the parser is pure Python), and it
means the redaction always runs with the mapping's own "keep e-mail addresses" choice.

The dry run and the import take half a minute for a large board, so each runs as a
background job (`tasks.tasks`) recorded in the job ledger; the upload row points at the
latest run of each, which the pages show while it runs. Queueing takes the upload's row
lock: a second click while a run is pending joins it instead of queueing another. The
import itself runs `trello_import` in one transaction with the row locked and does nothing
for an upload approved already, so a run delivered twice imports the board once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.jobs import enqueue
from dataops.models import JobRun, User
from dataops.redact import redact
from dataops.services import audit_record
from tasks.importers.mapping import Mapping, MappingError, mapping_from_data
from tasks.importers.trello import Board, BoardError, Redactor, load_json, parse_board
from tasks.models import ImportUpload
from tasks.services.imports import ImportReport, Progress, trello_import

TOO_LARGE = "The file is {size} MB; boards up to {limit} MB can be imported."
NOT_UTF8 = "The file is not text (UTF-8): it cannot be a Trello board export."
CONCURRENT = "This board is being imported in another window; open the import list to see it."
PREVIEW_FIRST = "Choose the mapping and look at the dry run before approving."
IMPORT_PENDING = "This upload is being imported: the mapping can no longer change."


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def check_upload_size(size: int) -> None:
    """Refuse a file over TRELLO_UPLOAD_MAX_BYTES before a byte of it is read."""
    limit = settings.TRELLO_UPLOAD_MAX_BYTES
    if size > limit:
        raise ServiceError(
            TOO_LARGE.format(size=_megabytes(size), limit=_megabytes(limit)), field="board"
        )


def _expired_before():
    return timezone.now() - timedelta(hours=settings.TRELLO_UPLOAD_KEEP_HOURS)


def live_uploads():
    """Uploads younger than TRELLO_UPLOAD_KEEP_HOURS: older ones are as good as deleted."""
    return ImportUpload.objects.filter(created_at__gte=_expired_before())


@transaction.atomic
def upload_create(*, raw: bytes, by: User) -> ImportUpload:
    """Check that `raw` is a board with cards and keep it for the next steps.

    Raises ServiceError (field "board", nothing stored) when it is too large, not JSON, not
    a board or has no cards. Uploads past their time are deleted here."""
    check_upload_size(len(raw))
    try:
        text = raw.decode("utf-8")
        data = load_json(text)
    except UnicodeDecodeError as exc:
        raise ServiceError(NOT_UTF8, field="board") from exc
    except BoardError as exc:
        raise ServiceError(str(exc), field="board") from exc
    ImportUpload.objects.filter(created_at__lt=_expired_before()).delete()
    board = parse_board(data, Redactor(secrets=redact))
    return ImportUpload.objects.create(
        created_by=by,
        raw=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        board_name=board.name[:300],
    )


def upload_mapping(upload: ImportUpload) -> Mapping:
    """The mapping chosen for `upload`, or the default one before the mapping page."""
    try:
        return mapping_from_data(upload.mapping)
    except MappingError:
        return Mapping()


def upload_board(upload: ImportUpload, mapping: Mapping) -> Board:
    """The uploaded board read again, redacted as `mapping` asks."""
    redactor = Redactor(keep_emails=mapping.keep_emails, secrets=redact)
    return parse_board(load_json(upload.raw), redactor)


def requested_mapping(upload: ImportUpload) -> Mapping:
    """The mapping of the latest dry run asked for (pending or failed too), for the form."""
    run = upload.preview_run
    data = run.kwargs.get("mapping") if run is not None else None
    try:
        return mapping_from_data(data) if data else upload_mapping(upload)
    except MappingError:
        return upload_mapping(upload)


def _locked(upload: ImportUpload) -> ImportUpload:
    # No select_related: a row read after waiting for the lock is read again as committed,
    # but a joined run would stay as it was before the wait (none, for the first import).
    return ImportUpload.objects.select_for_update().get(pk=upload.pk)


def preview_enqueue(*, upload: ImportUpload, mapping: Mapping, by: User) -> JobRun:
    """Queue the dry run of `mapping` (job `trello.dry-run`); returns its run.

    The report of an earlier mapping is set aside: approving waits for this one. The same
    mapping sent again while its dry run is pending (a double click) joins that run.
    Raises ServiceError (nothing queued) once the upload is approved or being imported."""
    from tasks.tasks import trello_dry_run  # the job module imports the services

    data = mapping.as_data()
    with transaction.atomic():
        upload = _locked(upload)
        if upload.approved_at or upload.is_unsettled(upload.import_run):
            raise ServiceError(IMPORT_PENDING)
        pending = upload.preview_run
        if upload.is_unsettled(pending) and pending.kwargs.get("mapping") == data:
            return pending
        run = enqueue(
            trello_dry_run, kwargs={"upload": upload.pk, "mapping": data}, by=by, target=upload
        )
        upload.preview = {}
        upload.preview_run = run
        upload.save(update_fields=["preview", "preview_run"])
    return run


def approve_enqueue(*, upload: ImportUpload, by: User) -> tuple[ImportUpload, JobRun | None]:
    """Queue the import of the previewed upload (job `trello.import`), once.

    Returns (upload, its import run); the run is None when the upload was approved already.
    A click while the import is pending joins its run; after a failed run it queues another.
    Raises ServiceError (code "preview_first") while there is no dry-run report to approve."""
    from tasks.tasks import trello_approve  # the job module imports the services

    with transaction.atomic():
        upload = _locked(upload)
        if upload.approved_at:
            return upload, None
        if upload.is_unsettled(upload.import_run):
            return upload, upload.import_run
        if not upload.preview:
            raise ServiceError(PREVIEW_FIRST, code="preview_first")
        upload.import_run = enqueue(
            trello_approve, kwargs={"upload": upload.pk}, by=by, target=upload
        )
        upload.save(update_fields=["import_run"])
    return upload, upload.import_run


def upload_preview(
    *,
    upload: ImportUpload,
    mapping: Mapping,
    by: User | None,
    run: JobRun | None = None,
    on_progress: Progress | None = None,
) -> ImportReport | None:
    """Dry-run `mapping` and keep it with its report on the upload (the dry-run job).

    With `run` (the job's run), the report is kept only while that run (or the run it
    retries) is still the upload's latest dry run: a report for a mapping changed meanwhile
    is dropped. Returns None, doing nothing, for an upload approved meanwhile.
    Raises ServiceError (nothing kept) when the mapping names a missing template."""
    if upload.approved_at:
        return None
    report = trello_import(
        board=upload_board(upload, mapping),
        mapping=mapping,
        by=by,
        dry_run=True,
        on_progress=on_progress,
    )
    rows = ImportUpload.objects.filter(pk=upload.pk, approved_at=None)
    changes = {"mapping": mapping.as_data(), "preview": report.as_dict()}
    if run is not None:
        retried = list(JobRun.objects.filter(retried_as=run).values_list("pk", flat=True))
        rows = rows.filter(preview_run__in=[run.pk, *retried])
        changes["preview_run"] = run
    rows.update(**changes)
    return report


def upload_approve(
    *, upload: ImportUpload, by: User | None, on_progress: Progress | None = None
) -> tuple[ImportUpload, bool]:
    """Import the upload's board with its mapping, once; returns (upload, imported now).

    One transaction: the import, the upload marked approved (its raw file emptied: the rows
    hold what was kept, redacted) and, when nothing was new, an audit event saying so (the
    import records its own otherwise). An upload approved already is returned unchanged."""
    try:
        with transaction.atomic():
            upload = ImportUpload.objects.select_for_update().get(pk=upload.pk)
            if upload.approved_at:
                return upload, False
            _approve(upload, by, on_progress)
    except IntegrityError as exc:
        # Another upload of the same board was approved at the same instant.
        raise ServiceError(CONCURRENT) from exc
    return upload, True


def _approve(upload: ImportUpload, by: User | None, on_progress: Progress | None) -> None:
    mapping = upload_mapping(upload)
    report = trello_import(
        board=upload_board(upload, mapping), mapping=mapping, by=by, on_progress=on_progress
    )
    upload.batch_id = report.batch
    upload.result = report.as_dict()
    upload.approved_at = timezone.now()
    upload.approved_by = by
    upload.raw = ""
    upload.save(update_fields=["batch", "result", "approved_at", "approved_by", "raw"])
    if report.batch is None:
        audit_record(
            actor=by,
            action="import.trello",
            target_label=f"Trello board “{upload.board_name}”: nothing new",
            changes=report.created,
        )
