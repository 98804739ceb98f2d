"""Health check of recurring generation: is the tick running, and did its last run work?"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.timesince import timesince

from dataops.health import FAIL, OK, WARN, CheckResult
from dataops.models import JobRun
from tasks.models import RecurringRule, TemplateSchedule

NAME = "Recurring generation"
KIND = "recurring.generate"
NEVER_RAN = (
    "Recurring generation has not run yet: beat starts it every few minutes "
    "(see Celery beat above); `python manage.py recurring generate` runs it now."
)


def check_recurring() -> CheckResult:
    """ok: a run succeeded within 3 ticks and nothing is failing; warn: no run yet (a fresh
    install before beat's first tick; a beat that never runs fails its own check), the last
    success is older, or some rules report a problem; fail: the latest run failed, or none
    succeeded within 10 ticks."""
    runs = JobRun.objects.filter(kind=KIND)
    last_ok = runs.filter(status=JobRun.Status.SUCCEEDED).order_by("-finished_at").first()
    last_failed = runs.filter(status=JobRun.Status.FAILED).order_by("-finished_at").first()
    if last_ok is None and last_failed is None:
        return CheckResult(NAME, WARN, NEVER_RAN)
    if last_failed and (last_ok is None or last_failed.finished_at > last_ok.finished_at):
        first_line = (last_failed.error.strip().splitlines() or ["unknown error"])[0][:300]
        return CheckResult(
            NAME, FAIL, f"The last run failed {_ago(last_failed.finished_at)}: {first_line}"
        )
    tick = timedelta(minutes=settings.RECURRING_TICK_MINUTES)
    age = timezone.now() - last_ok.finished_at
    text = f"Last run {_ago(last_ok.finished_at)}."
    if age > tick * 10:
        return CheckResult(
            NAME,
            FAIL,
            f"{text} It should run every {settings.RECURRING_TICK_MINUTES} min; is beat running?",
        )
    troubled = sum(
        model.objects.filter(enabled=True).filter(~Q(last_error="")).count()
        for model in (RecurringRule, TemplateSchedule)
    )
    if age > tick * 3:
        return CheckResult(
            NAME,
            WARN,
            f"{text} Runs are late (every {settings.RECURRING_TICK_MINUTES} min expected).",
        )
    if troubled:
        return CheckResult(
            NAME, WARN, f"{text} {troubled} schedule(s) report a problem: see the Recurring page."
        )
    return CheckResult(NAME, OK, text)


def _ago(moment) -> str:
    if timezone.now() - moment < timedelta(minutes=1):
        return "less than a minute ago"
    return f"{timesince(moment)} ago"
