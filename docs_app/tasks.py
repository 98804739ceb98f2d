"""Celery jobs of the docs app: the git sync (beat, webhook, Sync now)."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask
from docs_app.sync import docs_sync

SYNC_KIND = "docs.sync"


@app.task(base=LedgerTask, kind=SYNC_KIND)
def sync_docs(full: bool = False) -> JobOutcome:
    """Fetch and fast-forward the docs mirror, refresh the registry and the search index.

    Counts: changed / added / deleted / renamed files, registered docs, indexed docs, total
    findings, skipped files (binary, too large…), relinked docs (references resolved again).
    """
    result = docs_sync(full=full)
    return JobOutcome(counts=result.counts, note=result.note)
