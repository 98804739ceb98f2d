"""The import page's steps: a board file is uploaded, mapped, previewed, then approved.

The uploaded file waits in an `ImportUpload` row between the steps, so a page only ever
sends its id. Reading it again for each step is cheap (the parser is pure Python), and it
means the redaction always runs with the mapping's own "keep e-mail addresses" choice.
The approval runs `trello_import` in one transaction with the upload's row locked: a double
submit waits for the first and then finds the upload approved.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from dataops.redact import redact
from dataops.services import audit_record
from tasks.importers.mapping import Mapping, MappingError, mapping_from_data
from tasks.importers.trello import Board, BoardError, Redactor, load_json, parse_board
from tasks.models import ImportUpload
from tasks.services.imports import ImportReport, trello_import

TOO_LARGE = "The file is {size} MB; boards up to {limit} MB can be imported."
NOT_UTF8 = "The file is not text (UTF-8): it cannot be a Trello board export."
CONCURRENT = "This board is being imported in another window; open the import list to see it."


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


def upload_preview(*, upload: ImportUpload, mapping: Mapping, by: User) -> ImportReport:
    """Dry-run `mapping` and keep it with its report on the upload.

    Raises ServiceError (nothing kept) when the mapping names a missing template."""
    report = trello_import(
        board=upload_board(upload, mapping), mapping=mapping, by=by, dry_run=True
    )
    upload.mapping = mapping.as_data()
    upload.preview = report.as_dict()
    upload.save(update_fields=["mapping", "preview"])
    return report


def upload_approve(*, upload: ImportUpload, by: User) -> tuple[ImportUpload, bool]:
    """Import the upload's board with its mapping, once; returns (upload, imported now).

    One transaction: the import, the upload marked approved (its raw file emptied: the rows
    hold what was kept, redacted) and, when nothing was new, an audit event saying so (the
    import records its own otherwise). An upload approved already is returned unchanged."""
    try:
        with transaction.atomic():
            upload = ImportUpload.objects.select_for_update().get(pk=upload.pk)
            if upload.approved_at:
                return upload, False
            _approve(upload, by)
    except IntegrityError as exc:
        # Another upload of the same board was approved at the same instant.
        raise ServiceError(CONCURRENT) from exc
    return upload, True


def _approve(upload: ImportUpload, by: User) -> None:
    mapping = upload_mapping(upload)
    report = trello_import(board=upload_board(upload, mapping), mapping=mapping, by=by)
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
