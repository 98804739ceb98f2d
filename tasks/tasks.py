"""Celery jobs of the work engine."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, current_run, progress
from dataops.portability.pause import skip_note
from tasks.importers.mapping import mapping_from_data
from tasks.models import ImportUpload, RecurringRule, TemplateSchedule
from tasks.services import notify_due_tasks, recurring_generate, recurring_generate_one
from tasks.services.common import local_today
from tasks.services.import_uploads import upload_approve, upload_preview
from tasks.services.imports import Progress

log = logging.getLogger(__name__)

TRELLO_DRY_RUN_KIND = "trello.dry-run"
TRELLO_IMPORT_KIND = "trello.import"
UPLOAD_GONE = "The upload is gone (past its time): nothing to do."
APPROVED_ALREADY = "The upload was approved already: nothing imported twice."


@app.task(base=LedgerTask, kind="tasks.notify-due")
def notify_due() -> dict[str, int]:
    """Hourly: follow-ups due and overdue tasks, each notified once per date."""
    if note := skip_note("tasks.notify-due"):  # an import is restoring data
        return JobOutcome(note=note)
    return notify_due_tasks(today=local_today())


@app.task(base=LedgerTask, kind="recurring.generate")
def generate_recurring(rule: int | None = None, template_schedule: int | None = None) -> JobOutcome:
    """Every RECURRING_TICK_MINUTES: settle every schedule that is due (under the advisory
    lock; a concurrent run notes "skipped: already running"). With an id: "generate now"
    for that one rule or automatic template."""
    if note := skip_note("recurring.generate"):  # an import is restoring data
        return JobOutcome(note=note)
    target = (
        RecurringRule.objects.filter(pk=rule).first()
        if rule
        else TemplateSchedule.objects.filter(pk=template_schedule).first()
        if template_schedule
        else None
    )
    if rule or template_schedule:
        if target is None:
            return JobOutcome(note="The schedule no longer exists.")
        report = recurring_generate_one(schedule=target)
    else:
        report = recurring_generate()
    return JobOutcome(counts=report.counts() if report.ran else {}, note=report.note, target=target)


# --- the Trello import pages' jobs -------------------------------------------------------


@contextmanager
def _card_progress() -> Iterator[Progress]:
    """A progress callback for `trello_import`, which holds its transaction open until the
    end: on PostgreSQL the counts go through a connection of their own, so the page that
    polls the run sees them move (elsewhere they show when the run ends)."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    live = connection.vendor == "postgresql"

    def report(done: int, total: int) -> None:
        nonlocal live
        if not live:
            progress(cards=done, cards_total=total)
            return
        own = connections[DEFAULT_DB_ALIAS]
        connections[DEFAULT_DB_ALIAS] = side
        try:
            progress(cards=done, cards_total=total)
        except DatabaseError as exc:  # no connection to spare: the import goes on regardless
            log.warning("import progress is not shown live: %s", exc)
            live = False
        finally:
            connections[DEFAULT_DB_ALIAS] = own

    try:
        yield report
    finally:
        side.close()


def _who():
    run = current_run()
    return run.triggered_by if run is not None else None


@app.task(base=LedgerTask, kind=TRELLO_DRY_RUN_KIND)
def trello_dry_run(upload: int, mapping: dict) -> JobOutcome:
    """The dry run of an uploaded Trello board with the admin's mapping; its report is kept
    on the upload. Counts: cards processed / on the board, then what the import would
    create. A template missing by now fails the run (nothing is kept)."""
    row = ImportUpload.objects.filter(pk=upload).first()
    if row is None:
        return JobOutcome(note=UPLOAD_GONE)
    with _card_progress() as on_progress:
        report = upload_preview(
            upload=row,
            mapping=mapping_from_data(mapping),
            by=_who(),
            run=current_run(),
            on_progress=on_progress,
        )
    if report is None:
        return JobOutcome(note=APPROVED_ALREADY, target=row)
    return JobOutcome(counts=report.created, target=row)


@app.task(base=LedgerTask, kind=TRELLO_IMPORT_KIND)
def trello_approve(upload: int) -> JobOutcome:
    """The approved import of an uploaded Trello board, once (a repeated delivery or a
    second approval finds it approved). Counts: cards processed / on the board, then what
    was created."""
    row = ImportUpload.objects.filter(pk=upload).first()
    if row is None:
        return JobOutcome(note=UPLOAD_GONE)
    with _card_progress() as on_progress:
        row, now = upload_approve(upload=row, by=_who(), on_progress=on_progress)
    if not now:
        return JobOutcome(note=APPROVED_ALREADY, target=row.batch or row)
    return JobOutcome(counts=row.result.get("created", {}), target=row.batch or row)
