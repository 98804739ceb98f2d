"""The bot's background job: one update, through the job ledger."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask
from dataops.telegram import updates


@app.task(base=LedgerTask, kind="telegram.update", bind=True, time_limit=120)
def process_update(self, update_pk: int) -> JobOutcome:
    """Decide what an update means, do it (link, intake item, answer) and send the reply."""
    return JobOutcome(counts=updates.process(update_pk))
