"""Reads for the platform pages."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

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


def audit_events(
    *, actor: str = "", kind: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[AuditEvent]:
    """Newest first. `actor` is a user id or "system" (no actor); `kind` the part of the
    action before the dot; `since`/`until` are days in the organisation's time zone."""
    events = AuditEvent.objects.select_related("actor", "target_type")
    if actor == "system":
        events = events.filter(actor__isnull=True)
    elif actor:
        events = events.filter(actor_id=int(actor))
    if kind:
        events = events.filter(Q(action=kind) | Q(action__startswith=f"{kind}."))
    if since:
        events = events.filter(at__gte=_day_start(since))
    if until:
        events = events.filter(at__lt=_day_start(until + timedelta(days=1)))
    return events


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def audit_filter_choices() -> tuple[list[tuple[str, str]], list[str]]:
    """The people who appear in the log (id, name) and the kinds of action it holds."""
    ids = AuditEvent.objects.exclude(actor=None).values_list("actor", flat=True).distinct()
    people = [(str(user.pk), str(user)) for user in User.objects.filter(pk__in=ids)]
    actions = AuditEvent.objects.values_list("action", flat=True).distinct()
    kinds = sorted({action.split(".", 1)[0] for action in actions})
    return sorted(people, key=lambda person: person[1].lower()), kinds
