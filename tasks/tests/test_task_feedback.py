"""What people are told: a due date already past, every snooze problem at once, dates said
once, and notifications that stop once their task is closed."""

import pytest
from django.urls import reverse

from dataops.models import Notification
from tasks import messages
from tasks.models import Task
from tasks.services import (
    notify_due_tasks,
    task_close_not_applicable,
    task_complete,
    workflow_archive,
)
from tasks.tests.conftest import days

pytestmark = pytest.mark.django_db
CREATE = reverse("tasks:task-create")


# --- a due date already past ------------------------------------------------------------------


def test_a_task_created_due_in_the_past_is_saved_with_a_warning(operator_client, today):
    due = today - days(3)
    response = operator_client.post(
        CREATE, {"title": "File the receipts", "due_date": due.isoformat()}, follow=True
    )
    task = Task.objects.get()
    assert task.due_date == due
    warning = messages.DUE_IN_PAST.format(title="File the receipts", date=f"{due:%a %-d %b %Y}")
    assert warning in response.content.decode()


def test_quick_create_on_home_says_it_in_the_toast(operator_client, today):
    due = today - days(1)
    response = operator_client.post(
        CREATE,
        {"title": "Late one", "due_date": due.isoformat(), "ctx": "home"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert (
        messages.DUE_IN_PAST.format(title="Late one", date=f"{due:%a %-d %b %Y}")
        in response.content.decode()
    )


def test_a_task_due_today_or_later_gets_no_warning(operator_client, today):
    html = operator_client.post(
        CREATE, {"title": "On time", "due_date": today.isoformat()}, follow=True
    ).content.decode()
    assert "already past" not in html


def test_editing_the_due_date_into_the_past_warns_but_saves(operator_client, make_task, today):
    task = make_task(due=today + days(2))
    due = today - days(20)
    html = operator_client.post(
        reverse("tasks:task-edit", args=[task.pk]),
        {"version": task.version, "title": task.title, "due_date": due.isoformat()},
        follow=True,
    ).content.decode()
    assert Task.objects.get(pk=task.pk).due_date == due
    assert "a day already past, so it shows as overdue" in html


def test_editing_only_the_title_of_an_overdue_task_does_not_warn(operator_client, make_task, today):
    task = make_task(due=today - days(2))
    html = operator_client.post(
        reverse("tasks:task-edit", args=[task.pk]),
        {"version": task.version, "title": "Renamed", "due_date": task.due_date.isoformat()},
        follow=True,
    ).content.decode()
    assert Task.objects.get(pk=task.pk).title == "Renamed"
    assert "already past" not in html


# --- snooze: every problem at once ------------------------------------------------------------


def test_snooze_shows_all_its_problems_at_once(operator_client, make_task, today):
    task = make_task(due=today)
    response = operator_client.post(
        reverse("tasks:task-snooze", args=[task.pk]),
        {"version": task.version, "until": (today - days(1)).isoformat(), "reason": ""},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert messages.SNOOZE_IN_PAST in html and messages.SNOOZE_NEEDS_REASON in html
    assert Task.objects.get(pk=task.pk).due_date == today


def test_snooze_to_the_same_day_and_without_reason_says_both(operator_client, make_task, today):
    task = make_task(due=today + days(1))
    form = operator_client.post(
        reverse("tasks:task-snooze", args=[task.pk]),
        {"version": task.version, "until": task.due_date.isoformat()},
    ).context["form"]
    assert form.errors == {
        "until": [messages.SNOOZE_SAME_DATE],
        "reason": [messages.SNOOZE_NEEDS_REASON],
    }


# --- dates said once --------------------------------------------------------------------------


def test_a_far_due_date_is_shown_once(operator_client, make_task, today):
    task = make_task(due=today + days(40))
    html = operator_client.get(task.get_absolute_url()).content.decode()
    shown = f"{task.due_date:%a %-d %b}"
    assert f"Due {shown}\n</span>" in html
    assert f"({task.due_date:%-d %b})" not in html and f"({task.due_date:%-d %b %Y})" not in html


def test_a_near_due_date_keeps_its_words(operator_client, make_task, today):
    task = make_task(due=today + days(3))
    html = operator_client.get(task.get_absolute_url()).content.decode()
    assert f"Due {task.due_date:%a %-d %b} (in 3 days)" in html


def test_the_workflow_anchor_is_shown_once(operator_client, start_podcast, today):
    workflow = start_podcast(today + days(60))
    html = operator_client.get(workflow.get_absolute_url()).content.decode()
    assert f"Anchor {workflow.anchor_date:%a %-d %b %Y}\n" in html
    assert f"({workflow.anchor_date:%-d %b}" not in html


# --- notifications of closed tasks ------------------------------------------------------------


def unread(task) -> int:
    return Notification.objects.filter(link=task.get_absolute_url(), read_at=None).count()


def test_completing_an_overdue_task_marks_its_notification_read(make_task, operator, today):
    task = make_task(due=today - days(1))
    other = make_task(title="Still late", due=today - days(1))
    notify_due_tasks(today=today)
    assert unread(task) == 1 and unread(other) == 1
    task_complete(task=task, by=operator)
    assert unread(task) == 0 and unread(other) == 1
    assert Notification.objects.filter(link=task.get_absolute_url()).exists()  # kept, read


def test_closing_as_not_applicable_resolves_them(make_task, operator, today):
    task = make_task(due=today - days(2), na_reasons=["no guest this week"])
    notify_due_tasks(today=today)
    assert unread(task) == 1
    task_close_not_applicable(task=task, by=operator, reason="no guest this week")
    assert unread(task) == 0


def test_archiving_a_workflow_resolves_those_of_its_open_tasks(start_podcast, operator, today):
    workflow = start_podcast(today + days(10))
    notify_due_tasks(today=today)
    late = [task for task in workflow.tasks.all() if unread(task)]
    assert len(late) >= 2
    workflow_archive(workflow=workflow, by=operator)
    assert [unread(task) for task in late] == [0] * len(late)


def test_a_follow_up_notification_goes_when_the_wait_is_resolved(make_task, operator, today):
    from tasks.services import task_mark_waiting, task_resolve_waiting

    task = make_task(due=today)
    task_mark_waiting(task=task, by=operator, waiting_for="Ana", follow_up_date=today)
    notify_due_tasks(today=today)
    assert unread(task) == 1
    task_resolve_waiting(task=Task.objects.get(pk=task.pk), by=operator)
    assert unread(task) == 0
