"""Celery jobs of the work engine."""

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask
from dataops.portability.pause import skip_note
from tasks.models import RecurringRule, TemplateSchedule
from tasks.services import notify_due_tasks, recurring_generate, recurring_generate_one
from tasks.services.common import local_today


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
