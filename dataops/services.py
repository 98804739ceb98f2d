"""Writes of the platform: notifications, audit events, and actions on job runs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.job_kinds import retry_task_for
from dataops.models import AuditEvent, JobRun, Notification, User
from dataops.notify.rules import Event
from dataops.notify.services import queue_for_event
from dataops.roles import admins

RETRY_NO_TASK = (
    "Runs of “{kind}” cannot be retried from here: no background task does that work. "
    "Run it again where it was started (its management command)."
)
RETRY_NOT_FAILED = "Only failed runs that are still open can be retried."
DISMISS_NOT_FAILED = "Only failed runs that are still open can be dismissed."


def notify(
    *, recipients: Iterable[User], kind: str, text: str, link: str = "", dedup_key: str
) -> int:
    """Create one notification per recipient unless that recipient already has `dedup_key`.

    Returns how many were created. Safe under concurrency: the unique constraint on
    (recipient, dedup_key) is the guard, conflicts are ignored.
    """
    rows = [
        Notification(recipient=user, kind=kind, text=text[:500], link=link, dedup_key=dedup_key)
        for user in recipients
    ]
    existing = set(
        Notification.objects.filter(
            dedup_key=dedup_key, recipient__in=[row.recipient for row in rows]
        ).values_list("recipient_id", flat=True)
    )
    fresh = [row for row in rows if row.recipient.pk not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    queue_for_event(Event(kind, text, link, dedup_key, [row.recipient for row in fresh]))
    return len(fresh)


def notify_admins(*, kind: str, text: str, link: str = "", dedup_key: str) -> int:
    return notify(recipients=list(admins()), kind=kind, text=text, link=link, dedup_key=dedup_key)


def notify_job_failed(*, run: JobRun) -> int:
    """Alert every admin that a run failed, linking to it.

    A scheduled job that keeps failing the same way (a force-pushed docs remote every five
    minutes) must not flood the bell: the same job kind failing with the same first error
    line notifies once per day; a different error, or the next day, notifies again.
    """
    first_line = (run.error.splitlines() or ["unknown error"])[0]
    signature = hashlib.sha256(f"{run.kind}\n{first_line}".encode()).hexdigest()[:16]
    day = timezone.localdate(run.finished_at or timezone.now()).isoformat()
    return notify_admins(
        kind="job_failed",
        text=f"Background job “{run.kind}” failed: {first_line}",
        link=reverse("job-detail", args=[run.pk]),
        dedup_key=f"job-failed:{run.kind}:{signature}:{day}",
    )


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise ServiceError("That notification does not exist.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    target_label: str = "",
    changes: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append an audit event. Call it inside the transaction of the change it describes."""
    event = AuditEvent(actor=actor, action=action, changes=changes or {}, note=note)
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_label = target_label or str(target)[:300]
    else:
        event.target_label = target_label
    event.save()
    return event


def _lock_open_failure(run: JobRun, refusal: str) -> JobRun:
    """Lock the run's row; refuse unless it is still an open failure (two admins may race)."""
    run = JobRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_open_failure:
        raise ServiceError(refusal)
    return run


@transaction.atomic
def job_retry(*, run: JobRun, by: User) -> JobRun:
    """Queue the work of a failed run again as a new run; the old one links to it and leaves
    the Failed jobs list. A run recorded by a command (no task name) is retried with the task
    of its kind, with that task's defaults. Audited; the task is sent after the commit."""
    from dataops.jobs import enqueue

    run = _lock_open_failure(run, RETRY_NOT_FAILED)
    task = retry_task_for(run)
    if task is None:
        raise ServiceError(RETRY_NO_TASK.format(kind=run.kind))
    new_run = enqueue(
        task,
        args=run.args,
        kwargs=run.kwargs,
        trigger=JobRun.Trigger.RETRY,
        by=by,
        target=run.target if run.target_type_id else None,
    )
    run.retried_as = new_run
    run.save(update_fields=["retried_as"])
    audit_record(actor=by, action="job.retry", target=run, changes={"new_run": new_run.pk})
    return new_run


@transaction.atomic
def job_dismiss(*, run: JobRun, by: User) -> JobRun:
    """Take a failed run off the Failed jobs list without running it again."""
    run = _lock_open_failure(run, DISMISS_NOT_FAILED)
    run.dismissed_at = timezone.now()
    run.dismissed_by = by
    run.save(update_fields=["dismissed_at", "dismissed_by"])
    audit_record(actor=by, action="job.dismiss", target=run)
    return run
