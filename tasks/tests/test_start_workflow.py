"""Starting a workflow: dates from the anchor, people, slots, title, the command."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dataops.errors import ServiceError
from tasks import messages
from tasks.models import HistoryEvent, Task, Workflow
from tasks.services import workflow_start
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db


def start_command(*args) -> str:
    out = StringIO()
    call_command("start_workflow", *args, stdout=out)
    return out.getvalue()


def test_start_workflow_json_dates_the_42_tasks_from_the_anchor(load_podcast):
    result = json.loads(start_command("podcast", "--anchor", "2026-08-17", "--json"))
    due = {task["ref"]: task["due"] for task in result["tasks"]}
    assert len(result["tasks"]) == 42
    assert due["create-podcast-document"] == "2026-07-23"
    assert due["actual-stream"] == "2026-08-17"
    assert due["schedule-posts-guest-recommendations"] == "2026-08-24"
    assert result["title"] == "Podcast: 2026-08-17"
    assert Workflow.objects.get(pk=result["workflow"]).tasks.count() == 42
    assert set(result["tasks"][0]) == {"ref", "title", "due"}


def test_start_workflow_command_takes_a_title_and_refuses_bad_input(load_podcast):
    assert "Started #" in start_command(
        "podcast", "--anchor", "2026-08-17", "--title", "Podcast: special"
    )
    assert Workflow.objects.filter(title="Podcast: special").exists()
    with pytest.raises(CommandError, match="is not a date"):
        start_command("podcast", "--anchor", "2026-02-30")
    with pytest.raises(CommandError, match="Pick an anchor date between"):
        start_command("podcast", "--anchor", "2099-01-01")
    with pytest.raises(CommandError, match="no template “nope”"):
        start_command("nope", "--anchor", "2026-08-17")


def test_everything_is_created_in_one_go(start_podcast, make_user, operator):
    alexey = make_user("alexey")  # valeriia has no account (yet)
    workflow = start_podcast(
        date(2026, 8, 17),
        slot_urls={"Guest email": "https://x.org/mail"},
        title_values={"topic": "Data contracts", "guest": "Ana"},
    )
    assert workflow.title == "Podcast: 2026-08-17 - Data contracts - Ana"
    assert (workflow.template_version, workflow.stage, workflow.status) == (
        1,
        "preparation",
        "active",
    )
    assert workflow.link_slots.count() == 12
    assert workflow.link_slots.get(name="Guest email").url == "https://x.org/mail"
    assert [p["slug"] for p in workflow.phases][0] == "guest-intake"
    assert ref(workflow, "upload-recording-dropbox").assignee == alexey
    assert ref(workflow, "add-podcast-webpage-newsletter").assignee is None
    assert ref(workflow, "actual-stream").assignee == operator  # the default, "grace"
    task = ref(workflow, "add-guest-as-editor")
    assert (task.instruction_doc, task.instruction_step, task.source) == (
        "sop.media.podcast.create-podcast-document",
        "6",
        Task.Source.TEMPLATE,
    )
    assert HistoryEvent.objects.filter(workflow=workflow, task=None, action="started").count() == 1
    assert HistoryEvent.objects.filter(workflow=workflow, action="created").count() == 42


def test_default_assignee_is_resolved_by_username(load_podcast, make_user):
    grace = make_user("grace")
    workflow = workflow_start(template=load_podcast, anchor_date=date(2026, 8, 17), by=grace)
    assert ref(workflow, "actual-stream").assignee == grace


def test_the_same_title_and_anchor_twice_gives_two_distinct_workflows(start_podcast):
    first = start_podcast(date(2026, 8, 17), title="Podcast: twice")
    second = start_podcast(date(2026, 8, 17), title="Podcast: twice")
    assert first.pk != second.pk
    assert Task.objects.filter(workflow__title="Podcast: twice").count() == 84


@pytest.mark.parametrize("anchor", [date(1990, 1, 1), date(2200, 1, 1)])
def test_anchor_dates_far_out_of_range_are_refused(start_podcast, anchor):
    with pytest.raises(ServiceError) as caught:
        start_podcast(anchor)
    assert str(caught.value).startswith("Pick an anchor date between")
    assert not Workflow.objects.exists()


def test_a_bad_slot_link_refuses_the_start(start_podcast, today):
    with pytest.raises(ServiceError, match=messages.URL_NOT_HTTP):
        start_podcast(today, slot_urls={"Luma": "javascript:alert(1)"})
    assert not Workflow.objects.exists()


def test_unique_task_per_workflow_and_template_ref_is_in_the_database(start_podcast, today):
    from django.db import IntegrityError, transaction

    workflow = start_podcast(today + days(30))
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            title="dup", due_date=today, workflow=workflow, template_ref="actual-stream"
        )
