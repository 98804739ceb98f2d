"""Moving a workflow's anchor date: open tasks shift by the same days, closed ones never move,
each move is in the history; the preview changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from dataops.errors import ServiceError
from tasks import messages
from tasks.demo import sample_proof
from tasks.models import HistoryEvent, Task
from tasks.services import task_complete, task_mark_waiting, workflow_archive
from tasks.services.common import local_today
from tasks.services.workflows import workflow_shift_open_tasks, workflow_shift_preview
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db
ANCHOR = date(2026, 12, 20)


def _dates(workflow) -> dict[int, date]:
    return dict(workflow.tasks.values_list("pk", "due_date"))


def test_preview_lists_open_tasks_old_and_new_and_moves_nothing(start_podcast):
    workflow = start_podcast(ANCHOR)
    before = _dates(workflow)
    shifts = workflow_shift_preview(workflow=workflow, new_anchor=ANCHOR + days(5))
    assert len(shifts) == 42
    assert all(s.new_due == s.old_due + days(5) for s in shifts)
    assert [s.old_due for s in shifts] == sorted(s.old_due for s in shifts)
    assert _dates(workflow) == before


def test_open_tasks_move_closed_ones_keep_their_dates(start_podcast, operator):
    workflow = start_podcast(ANCHOR)
    done = ref(workflow, "obtain-speaker-email")
    task_complete(task=done, by=operator, proof=sample_proof(done))
    waiting = ref(workflow, "agree-on-a-date")
    task_mark_waiting(
        task=waiting, by=operator, waiting_for="the guest", follow_up_date=local_today() + days(1)
    )
    before = _dates(workflow)
    shifts = workflow_shift_open_tasks(workflow=workflow, new_anchor=ANCHOR - days(3), by=operator)
    assert len(shifts) == 41 and done.pk not in {s.task.pk for s in shifts}
    after = _dates(workflow)
    assert after[done.pk] == before[done.pk]
    assert after[waiting.pk] == before[waiting.pk] - days(3)
    assert all(after[pk] == before[pk] - days(3) for pk in before if pk != done.pk)
    workflow.refresh_from_db()
    assert workflow.anchor_date == ANCHOR - days(3)
    moved = HistoryEvent.objects.filter(task=waiting, action="edited").get()
    assert moved.before == {"due_date": before[waiting.pk].isoformat()}
    assert moved.actor == operator and "anchor" in moved.note
    assert Task.objects.get(pk=waiting.pk).version > waiting.version
    event = HistoryEvent.objects.filter(workflow=workflow, task=None, action="edited").get()
    assert event.after["tasks_moved"] == 41


def test_the_same_anchor_moves_nothing(start_podcast, operator):
    workflow = start_podcast(ANCHOR)
    assert workflow_shift_open_tasks(workflow=workflow, new_anchor=ANCHOR, by=operator) == []
    assert not HistoryEvent.objects.filter(action="edited").exists()


def test_an_archived_workflow_or_a_wild_date_is_refused(start_podcast, operator):
    workflow = start_podcast(ANCHOR)
    with pytest.raises(ServiceError) as refused:
        workflow_shift_open_tasks(workflow=workflow, new_anchor=date(2206, 1, 1), by=operator)
    assert refused.value.field == "anchor_date"
    workflow_archive(workflow=workflow, by=operator)
    with pytest.raises(ServiceError, match=messages.WORKFLOW_ARCHIVED):
        workflow_shift_open_tasks(workflow=workflow, new_anchor=ANCHOR + days(1), by=operator)
