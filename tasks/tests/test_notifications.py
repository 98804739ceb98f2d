"""The periodic job: follow-ups due and overdue tasks, once per task per date, in the ledger."""

import pytest
import time_machine
from django.conf import settings

from dataops.models import JobRun, Notification
from tasks import services
from tasks.services.common import local_today
from tasks.tasks import notify_due
from tasks.tests.conftest import days

pytestmark = pytest.mark.django_db


def test_the_job_is_scheduled_hourly_in_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["tasks-notify-due"]
    assert entry == {"task": "tasks.tasks.notify_due", "schedule": 3600.0}


def test_each_task_notifies_once_per_date_and_the_run_is_in_the_ledger(
    make_task, operator, make_user, today
):
    other = make_user("olga")
    overdue = make_task("Overdue thing", due=today - days(1))
    unassigned = make_task("Nobody's", due=today - days(2), assignee=None)
    waiting = services.task_mark_waiting(
        task=make_task("Chase Ana"), by=operator, waiting_for="Ana", follow_up_date=today
    )
    make_task("Not due yet", due=today + days(1))
    notify_due.delay()
    notify_due.delay()  # a rerun (or a second worker) creates nothing new

    rows = Notification.objects.order_by("kind", "recipient__username")
    assert [(n.kind, n.recipient.username) for n in rows] == [
        ("follow_up_due", "grace"),
        ("task_overdue", "grace"),
        ("task_overdue", "grace"),
        ("task_overdue", "olga"),
    ]
    assert Notification.objects.get(kind="follow_up_due").dedup_key == (
        f"task-follow-up:{waiting.pk}:{today.isoformat()}"
    )
    assert Notification.objects.get(recipient=other).link == f"/tasks/{unassigned.pk}/"
    runs = JobRun.objects.filter(kind="tasks.notify-due").order_by("id")
    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert runs[0].counts == {"follow_ups_due": 1, "overdue": 2, "notified": 4}
    assert runs[1].counts["notified"] == 0
    assert overdue.pk


def test_a_new_follow_up_date_notifies_again_when_it_comes(make_task, operator, today):
    task = services.task_mark_waiting(
        task=make_task(), by=operator, waiting_for="Ana", follow_up_date=today
    )
    notify_due.delay()
    services.task_follow_up_sent(task=task, by=operator, next_follow_up=today + days(2))
    with time_machine.travel(today + days(2), tick=False):
        assert local_today() == today + days(2)
        notify_due.delay()
        notify_due.delay()
    assert Notification.objects.filter(kind="follow_up_due").count() == 2


def test_the_command_runs_it_now(make_task, today):
    from io import StringIO

    from django.core.management import call_command

    make_task(due=today - days(1))
    out = StringIO()
    call_command("notify_due", stdout=out)
    assert "overdue: 1" in out.getvalue()
    assert JobRun.objects.get(kind="tasks.notify-due").trigger == "command"
