"""Task action forms must carry the version the person saw: without it the stale-edit check
would be skipped, so such a post is refused with a clear message and changes nothing."""

import pytest
from django.urls import reverse

from tasks import messages
from tasks.models import HistoryEvent, Task
from tasks.tests.conftest import days

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {}),
        ("snooze", {"until": "2099-01-01", "reason": "busy"}),
        ("wait", {"waiting_for": "Ana", "follow_up_date": "2099-01-01"}),
        ("reassign", {"assignee": ""}),
        ("proof", {"note": "sent"}),
        ("edit", {"title": "Renamed", "due_date": "2099-01-01"}),
    ],
)
def test_an_action_posted_without_version_is_refused_and_changes_nothing(
    operator_client, make_task, action, data
):
    task = make_task()
    before = Task.objects.get(pk=task.pk)
    events = HistoryEvent.objects.filter(task=task).count()
    response = operator_client.post(reverse(f"tasks:task-{action}", args=[task.pk]), data)
    assert response.status_code == 422
    assert messages.VERSION_MISSING in response.content.decode()
    after = Task.objects.get(pk=task.pk)
    assert (
        after.version,
        after.status,
        after.title,
        after.due_date,
        after.assignee_id,
        after.proof_note,
    ) == (
        before.version,
        before.status,
        before.title,
        before.due_date,
        before.assignee_id,
        before.proof_note,
    )
    assert HistoryEvent.objects.filter(task=task).count() == events


def test_a_row_action_without_version_is_refused_in_place(operator_client, make_task, today):
    task = make_task(due=today - days(1))
    response = operator_client.post(
        reverse("tasks:task-complete", args=[task.pk]),
        {"ctx": "home", "lane": "overdue"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert messages.VERSION_MISSING in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == Task.Status.TODO


def test_the_same_post_with_the_version_goes_through(operator_client, make_task):
    task = make_task()
    response = operator_client.post(
        reverse("tasks:task-complete", args=[task.pk]), {"version": task.version}
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_a_stale_version_is_still_refused(operator_client, make_task):
    task = make_task()
    response = operator_client.post(
        reverse("tasks:task-complete", args=[task.pk]), {"version": task.version + 1}
    )
    assert response.status_code == 422
    assert messages.STALE in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == Task.Status.TODO
