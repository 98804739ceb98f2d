"""Episodes: the Podcast workflow started once (a race included), its title, anchor and Guest
email slot; re-dating its open tasks (completed ones never move); stream times per zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from dataops.errors import ServiceError
from podcast import messages
from podcast.models import Episode
from podcast.selectors import stream_date, stream_times
from podcast.services.episodes import (
    episode_redate_workflow,
    episode_start_workflow,
    episode_update,
    guest_email_url,
)
from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)
from tasks.models import HistoryEvent, Task, Workflow
from tasks.services import task_complete, workflow_archive
from tasks.services.workflows import workflow_shift_preview
from tasks.tests.conftest import concurrent_posts

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(make_guest):
    return make_guest("Dana Reyes", email="dana@example.org", timezone="America/New_York")


def test_start_makes_the_42_task_workflow_around_the_stream_day(
    podcast_template, make_episode, dana, operator
):
    episode = make_episode([dana], topic="Data contracts")
    workflow = episode_start_workflow(episode=episode, by=operator)
    episode.refresh_from_db()
    day = stream_date(episode)
    assert episode.workflow == workflow and workflow.podcast_episode == episode
    assert workflow.anchor_date == day
    assert workflow.title == f"Podcast: {day.isoformat()} - Data contracts - Dana Reyes"
    assert workflow.tasks.count() == 42
    dates = [t.due_date for t in workflow.tasks.all()]
    assert min(dates) < day < max(dates)
    slot = workflow.link_slots.get(name="Guest email")
    assert slot.url == guest_email_url("dana@example.org") and "dana@example.org" in slot.url


def test_the_anchor_is_the_stream_day_in_the_organisations_zone(
    podcast_template, make_episode, operator, settings
):
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    episode = make_episode([], stream_at=datetime(2027, 3, 1, 23, 30, tzinfo=UTC))
    workflow = episode_start_workflow(episode=episode, by=operator)
    assert settings.TIME_ZONE == "Europe/Berlin"
    assert workflow.anchor_date == date(2027, 3, 2)
    assert workflow.link_slots.get(name="Guest email").url == ""


def test_starting_twice_is_refused(podcast_template, make_episode, dana, operator):
    episode = make_episode([dana])
    episode_start_workflow(episode=episode, by=operator)
    with pytest.raises(ServiceError) as refused:
        episode_start_workflow(episode=episode, by=operator)
    assert refused.value.code == "has_workflow"
    assert Workflow.objects.count() == 1


def test_starting_without_a_stream_date_or_template_is_refused(make_episode, operator):
    episode = make_episode([], days_ahead=None)
    with pytest.raises(ServiceError, match="stream date"):
        episode_start_workflow(episode=episode, by=operator)
    dated = make_episode([])
    with pytest.raises(ServiceError) as refused:
        episode_start_workflow(episode=dated, by=operator)
    assert str(refused.value) == messages.PODCAST_TEMPLATE_MISSING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_make_one_workflow(podcast_template, make_episode, dana, operator):
    episode = make_episode([dana])
    url = reverse("podcast:episode-start-workflow", args=[episode.pk])
    responses = concurrent_posts(operator, url, count=4)
    assert [r.status_code for r in responses] == [302] * 4
    workflow = Workflow.objects.get()
    assert Episode.objects.get(pk=episode.pk).workflow == workflow
    assert Task.objects.count() == 42


# --- re-dating ------------------------------------------------------------------------------


def _started(make_episode, guest, operator):
    episode = make_episode([guest])
    return episode, episode_start_workflow(episode=episode, by=operator)


def test_moving_the_stream_day_reports_it_and_moves_nothing(
    podcast_template, make_episode, dana, operator
):
    episode, workflow = _started(make_episode, dana, operator)
    before = sorted(workflow.tasks.values_list("pk", "due_date"))
    same_day = episode.stream_at + timedelta(hours=1)
    data = {"working_title": "X", "status": "planning", "stream_at": same_day}
    assert episode_update(episode=episode, data=data, guests=[dana], by=operator) is False
    data["stream_at"] = episode.stream_at + timedelta(days=7)
    assert episode_update(episode=episode, data=data, guests=[dana], by=operator) is True
    assert sorted(workflow.tasks.values_list("pk", "due_date")) == before


def test_an_archived_workflow_is_not_offered_a_new_date(
    podcast_template, make_episode, dana, operator
):
    episode, workflow = _started(make_episode, dana, operator)
    workflow_archive(workflow=workflow, by=operator)
    data = {"working_title": "X", "status": "planning"}
    data["stream_at"] = episode.stream_at + timedelta(days=7)
    assert episode_update(episode=episode, data=data, guests=[dana], by=operator) is False


def test_redate_moves_open_tasks_and_keeps_completed_ones(
    podcast_template, make_episode, dana, operator
):
    episode, workflow = _started(make_episode, dana, operator)
    done = workflow.tasks.filter(proof_kind="none").order_by("due_date").first()
    task_complete(task=done, by=operator, version=done.version)
    done.refresh_from_db()
    Episode.objects.filter(pk=episode.pk).update(stream_at=episode.stream_at + timedelta(days=7))
    episode.refresh_from_db()
    new_anchor = workflow.anchor_date + timedelta(days=7)
    preview = workflow_shift_preview(workflow=workflow, new_anchor=new_anchor)
    assert len(preview) == 41 and done.pk not in {s.task.pk for s in preview}
    assert all(s.new_due - s.old_due == timedelta(days=7) for s in preview)
    assert Task.objects.get(pk=preview[0].task.pk).due_date == preview[0].old_due  # a preview

    shifts = episode_redate_workflow(episode=episode, by=operator)
    assert len(shifts) == 41
    workflow.refresh_from_db()
    assert workflow.anchor_date == new_anchor
    for shift in shifts:
        assert Task.objects.get(pk=shift.task.pk).due_date == shift.new_due
    assert Task.objects.get(pk=done.pk).due_date == done.due_date
    moved = HistoryEvent.objects.filter(workflow=workflow, action="edited", task__isnull=False)
    assert moved.count() == 41
    with pytest.raises(ServiceError) as refused:
        episode_redate_workflow(episode=episode, by=operator)
    assert str(refused.value) == messages.REDATE_NOTHING


def test_numbers_only_once_published(make_episode, operator):
    with pytest.raises(ServiceError) as refused:
        make_episode([], season=3, number=4)
    assert refused.value.field == "season"
    episode = make_episode([], season=3, number=4, status="published")
    assert episode.code == "S3E4"


def test_stream_times_show_the_guests_clock_too(make_episode, make_guest):
    ny = make_guest("Ny", timezone="America/New_York")
    berlin = make_guest("Be", timezone="Europe/Berlin")
    nobody = make_guest("No")
    episode = make_episode([ny, berlin, nobody], stream_at=datetime(2027, 1, 14, 17, 0, tzinfo=UTC))
    times = stream_times(episode, [ny, berlin, nobody])
    assert [(t.label, t.zone, t.at.strftime("%H:%M")) for t in times] == [
        ("Organisation", "Europe/Berlin", "18:00"),
        ("Ny", "America/New_York", "12:00"),
    ]
