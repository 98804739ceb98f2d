"""Celery jobs of the docs app: the git sync (beat, webhook, Sync now, Re-clone), reindex."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, TransientJobError
from docs_app import search
from docs_app.editing.tasks import publish_operation  # noqa: F401  (registers the job)
from docs_app.sync import ALREADY_RUNNING, docs_sync

SYNC_KIND = "docs.sync"
REINDEX_KIND = "docs.reindex"


@app.task(base=LedgerTask, kind=SYNC_KIND)
def sync_docs(full: bool = False, reclone: bool = False) -> JobOutcome:
    """Fetch and fast-forward the docs mirror, refresh the registry and the search index.
    `reclone` sets the mirror aside and clones again, then registers everything.

    Counts: changed / added / deleted / renamed files, registered docs, indexed docs, total
    findings, skipped files (binary, too large…), relinked docs (references resolved again).
    """
    result = docs_sync(full=full or reclone, reclone=reclone)
    if reclone and result.note == ALREADY_RUNNING:  # an admin asked for it: not skipped
        raise TransientJobError("Another docs sync is running; the re-clone waits for it.")
    return JobOutcome(counts=result.counts, note=result.note)


@app.task(base=LedgerTask, kind=REINDEX_KIND)
def reindex_docs() -> dict[str, int]:
    """Rebuild the search index from the registry beside the live one and swap it in."""
    return {"indexed": search.rebuild_index()}
