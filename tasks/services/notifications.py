"""Follow-up-due and overdue notifications, once per task per date.

The dedup key holds the date that made the task due (its follow-up date or due date), so a
task notifies once when it becomes due, and again only if it gets a new date (a follow-up
sent, a snooze) and that one passes too. Reruns and parallel runs create nothing twice: the
notification table's unique (recipient, dedup key) is the final guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from dataops.models import OPERATOR_GROUP, Notification, User
from dataops.services import notify
from tasks.models import Task

# A task that became due long ago was notified then (the job runs every hour); looking back
# a week covers a stopped beat without flooding people with a years-old backlog.
LOOKBACK_DAYS = 7
FOLLOW_UP_DUE, OVERDUE = "follow_up_due", "task_overdue"
WAITING_TOO_LONG = "task_waiting_long"


def _operators() -> list[User]:
    group = Group.objects.filter(name=OPERATOR_GROUP).first()
    return list(group.user_set.filter(is_active=True)) if group else []


def _recipients(task: Task, operators: list[User]) -> list[User]:
    """The assignee; an unassigned task is everyone's, so every operator hears about it."""
    if task.assignee_id:
        return [task.assignee] if task.assignee.is_active else []
    return operators


def _notify_each(tasks, operators, *, kind: str, key: str, date_field: str, text) -> int:
    created = 0
    for task in tasks:
        when = getattr(task, date_field)
        created += notify(
            recipients=_recipients(task, operators),
            kind=kind,
            text=text(task),
            link=reverse("tasks:task-detail", args=[task.pk]),
            dedup_key=f"{key}:{task.pk}:{when.isoformat()}",
        )
    return created


def notify_due_tasks(*, today: date) -> dict[str, int]:
    """Notify about follow-ups due and tasks overdue as of `today`; return the counts."""
    since = today - timedelta(days=LOOKBACK_DAYS)
    follow_ups = list(
        Task.objects.select_related("assignee").filter(
            status=Task.Status.WAITING, follow_up_date__lte=today, follow_up_date__gte=since
        )
    )
    overdue = list(
        Task.objects.select_related("assignee").filter(
            status=Task.Status.TODO, due_date__lt=today, due_date__gte=since
        )
    )
    operators = _operators() if any(t.assignee_id is None for t in follow_ups + overdue) else []
    sent = _notify_each(
        follow_ups,
        operators,
        kind=FOLLOW_UP_DUE,
        key="task-follow-up",
        date_field="follow_up_date",
        text=lambda t: f"Follow up with {t.waiting_for} on “{t.title}”.",
    )
    sent += _notify_each(
        overdue,
        operators,
        kind=OVERDUE,
        key="task-overdue",
        date_field="due_date",
        text=lambda t: f"“{t.title}” is overdue (it was due {t.due_date:%-d %b}).",
    )
    sent += _notify_waiting_too_long(today)
    return {"follow_ups_due": len(follow_ups), "overdue": len(overdue), "notified": sent}


def _notify_waiting_too_long(today: date) -> int:
    """Still waiting NOTIFY_WAITING_TOO_LONG_DAYS after the follow-up date: no answer yet."""
    cutoff = today - timedelta(days=settings.NOTIFY_WAITING_TOO_LONG_DAYS)
    tasks = list(
        Task.objects.select_related("assignee").filter(
            status=Task.Status.WAITING,
            follow_up_date__lte=cutoff,
            follow_up_date__gte=cutoff - timedelta(days=LOOKBACK_DAYS),
        )
    )
    operators = _operators() if any(t.assignee_id is None for t in tasks) else []
    return _notify_each(
        tasks,
        operators,
        kind=WAITING_TOO_LONG,
        key="task-waiting-long",
        date_field="follow_up_date",
        text=lambda t: (
            f"Still no answer from {t.waiting_for} on “{t.title}” "
            f"(follow-up was {t.follow_up_date:%-d %b})."
        ),
    )


def resolve_due_notifications(task_ids: Iterable[int]) -> int:
    """Mark read the unread follow-up-due and overdue notifications of tasks just closed
    (done, not applicable, archived): they no longer ask anything of anyone. Call it inside
    the transaction that closes them. Returns how many were marked."""
    links = [reverse("tasks:task-detail", args=[pk]) for pk in task_ids]
    if not links:
        return 0
    return Notification.objects.filter(
        kind__in=(FOLLOW_UP_DUE, OVERDUE, WAITING_TOO_LONG),
        link__in=links,
        read_at__isnull=True,
    ).update(read_at=timezone.now())
