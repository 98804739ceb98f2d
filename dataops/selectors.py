"""Reads for the platform pages."""

from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from dataops.models import AuditEvent, JobRun, Notification, User

PAGE_SIZE = 50
# A run in one of these states changes no more: pages stop polling it.
SETTLED = frozenset({JobRun.Status.SUCCEEDED, JobRun.Status.FAILED})


def paginate(queryset: QuerySet, page: str | int | None, per_page: int = PAGE_SIZE) -> Page:
    """A page of `queryset`; a missing, bad or too-large page number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(page)


def job_runs(*, kind: str = "", status: str = "") -> QuerySet[JobRun]:
    runs = JobRun.objects.select_related("triggered_by", "target_type")
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    return runs


def job_kinds() -> list[str]:
    return list(JobRun.objects.order_by("kind").values_list("kind", flat=True).distinct())


def failed_job_runs() -> QuerySet[JobRun]:
    return JobRun.objects.failed_open().select_related("triggered_by", "target_type")


def job_run_detail() -> QuerySet[JobRun]:
    return JobRun.objects.select_related(
        "triggered_by", "dismissed_by", "retried_as", "target_type"
    )


def has_unsettled(runs: Iterable[JobRun]) -> bool:
    return any(run.status not in SETTLED for run in runs)


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor", "target_type")
