"""Celery jobs of the knowledge base: the import of the docs repository's KB folders."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask
from podcast.kb.importer import import_from_mirror

IMPORT_KIND = "podcast.kb_import"


@app.task(base=LedgerTask, kind=IMPORT_KIND)
def import_kb() -> JobOutcome:
    """Import the episodes and people profiles of the docs mirror (`PODCAST_KB_PATH`,
    `PODCAST_PEOPLE_PATH`). Counts: created / updated / unchanged / removed episodes,
    failed files, guests created / updated; the note names the failed files (or says the
    repository has no episodes folder: nothing is changed then)."""
    report = import_from_mirror(missing_ok=True)
    return JobOutcome(counts=report.counts(), note=report.failure_note())
