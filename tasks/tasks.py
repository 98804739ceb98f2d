"""Celery jobs of the work engine."""

from dataops.celery import app
from dataops.jobs import LedgerTask
from tasks.services import notify_due_tasks
from tasks.services.common import local_today


@app.task(base=LedgerTask, kind="tasks.notify-due")
def notify_due() -> dict[str, int]:
    """Hourly: follow-ups due and overdue tasks, each notified once per date."""
    return notify_due_tasks(today=local_today())
