"""`import_trello` and `rollback_import`: what lands in the database, and what goes again."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tasks.importers.trello import MASK
from tasks.models import (
    HistoryEvent,
    ImportBatch,
    ImportBatchItem,
    Task,
    Workflow,
    WorkflowReference,
    WorkflowTemplate,
)
from tasks.services import task_add_comment, task_complete
from tasks.services.imports import MISSING_TEMPLATES
from tasks.tests.conftest import write

SAMPLE = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "sample_board.json"
# Open lists hold 48 cards: 29 with checklists, 19 without.
WORKFLOWS, STANDALONE, CHECKLIST_TASKS, COMMENTS = 29, 19, 173, 19

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict:
    out = StringIO()
    call_command("import_trello", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def refused(command: str, *args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command(command, *args, stdout=out)
    assert error.value.returncode == 1
    return str(error.value), out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Task, Workflow, WorkflowReference, WorkflowTemplate, HistoryEvent)
    ) + (ImportBatch.objects.count(), ImportBatchItem.objects.count())


@pytest.fixture
def imported(operator, admin_user):
    return run(str(SAMPLE), "--by", admin_user.username)


def test_import_creates_workflows_tasks_and_comments(imported):
    assert imported["created"] == {
        "workflows": WORKFLOWS,
        "tasks": STANDALONE + CHECKLIST_TASKS,
        "comments": COMMENTS,
        "references": WORKFLOWS,
    }
    assert imported["skipped"]["archived_lists"] == 1
    assert imported["skipped"]["cards_in_archived_lists"] == 16
    assert imported["skipped"]["archived_cards"] == 2
    assert imported["errors"] == [] and imported["redacted"] > 0
    assert Workflow.objects.count() == WORKFLOWS
    assert Task.objects.filter(source=Task.Source.IMPORT).count() == STANDALONE + CHECKLIST_TASKS


def test_every_created_row_is_in_the_batch(imported):
    batch = ImportBatch.objects.get(pk=imported["batch"])
    task_ids = set(batch.items.filter(model="tasks.task").values_list("object_id", flat=True))
    assert task_ids == set(Task.objects.values_list("pk", flat=True))
    assert batch.items.filter(model="tasks.workflow").count() == WORKFLOWS
    assert batch.items.filter(model="tasks.historyevent").count() == COMMENTS


def test_checklists_become_phases_and_items_tasks(imported):
    workflow = Workflow.objects.get(title="Venue booking #4")
    assert [phase["title"] for phase in workflow.phases] == ["Preparation", "Production"]
    assert workflow.template.kind == "trello-import"
    tasks = list(workflow.tasks.order_by("position"))
    assert {task.phase for task in tasks} == {"preparation", "production"}
    assert tasks[1].due_date.isoformat() == "2026-12-06"


def test_done_follows_checklist_state_and_due_complete(imported):
    workflow = Workflow.objects.get(title="Venue booking #4")
    done = workflow.tasks.filter(status=Task.Status.DONE)
    assert done.count() == 2 and all(task.completed_at for task in done)
    assert Task.objects.get(title="Guest outreach #3").status == Task.Status.DONE
    assert Task.objects.get(title="Edit audio #9").status == Task.Status.TODO
    assert HistoryEvent.objects.filter(task__in=done, action="completed").count() == 2


def test_members_match_by_username_then_email_then_full_name(imported, operator, admin_user):
    assert Task.objects.get(title="Guest outreach #3").assignee == operator
    assert set(
        Workflow.objects.get(title="Blog post #6").tasks.values_list("assignee", flat=True)
    ) == {operator.pk}
    assert Task.objects.get(title="Webinar #1").assignee == admin_user
    assert imported["unmatched_members"] == ["Sam Stranger"]


def test_member_matched_by_email(make_user):
    mallory = make_user("mallory", email="mallory@example.com")
    run(str(SAMPLE))
    assert set(
        Workflow.objects.get(title="Invoice #2").tasks.values_list("assignee", flat=True)
    ) == {mallory.pk}


def test_labels_become_tags(imported):
    assert Task.objects.get(title="Webinar #1").tags == ["marketing"]
    assert Task.objects.get(title="Social posts #7").tags == []
    invoice = Workflow.objects.get(title="Invoice #2").tasks.all()
    assert {tuple(task.tags) for task in invoice} == {("finance",)}


def test_comments_and_links_are_kept_redacted(imported):
    comment = HistoryEvent.objects.get(workflow__title="Publish episode #10", action="commented")
    assert "dave@example.com" not in comment.note and MASK in comment.note
    assert "(Trello comment by" in comment.note
    standalone = Task.objects.get(title="Webinar #1")
    assert "dave@example.com" not in standalone.history.get(action="commented").note
    assert "X-Amz-Signature" not in standalone.description
    assert "https://docs.example.com/d/abc123/edit" in standalone.description
    assert HistoryEvent.objects.filter(task=standalone, action="commented").count() == 1
    for url in WorkflowReference.objects.values_list("url", flat=True):
        assert "?" not in url


def test_descriptions_are_stored_redacted(imported):
    assert "jane.doe@example.com" not in Workflow.objects.get(title="Blog post #30").notes
    assert "ATTA" not in Workflow.objects.get(title="Invoice #50").notes
    webinar = Task.objects.get(title="Webinar #25").description
    assert "ATTA" not in webinar and "0123456789abcdef" not in webinar


def test_reimporting_the_same_board_creates_nothing(imported):
    before = counts()
    again = run(str(SAMPLE))
    assert again["batch"] is None
    assert set(again["created"].values()) == {0}
    assert again["skipped"]["already_imported"] == WORKFLOWS + STANDALONE
    assert counts() == before


def test_dry_run_writes_nothing_and_reports_the_same(operator):
    before = counts()
    preview = run(str(SAMPLE), "--dry-run")
    assert counts() == before
    assert preview["batch"] is None and preview["dry_run"]
    assert preview["created"]["workflows"] == WORKFLOWS and preview["redacted"] > 0


def test_mapping_selects_lists_targets_tags_and_done(tmp_path, load_podcast, operator):
    mapping = write(
        tmp_path,
        "map.yml",
        "lists: [Podcast episodes, Done]\n"
        "targets: {Podcast episodes: podcast}\n"
        "labels: {finance: money}\n"
        "done: list:Done\n",
    )
    report = run(str(SAMPLE), "--mapping", str(mapping))
    assert report["skipped"]["unselected_cards"] == 29 and report["errors"] == []
    podcasts = Workflow.objects.filter(template=load_podcast)
    assert podcasts.count() == 10
    recording = podcasts.get(title="Recording #8")
    assert recording.tasks.filter(template_ref="").count() == 9
    assert recording.tasks.exclude(template_ref="").count() == load_podcast.task_definitions.count()
    done_list = Workflow.objects.get(title="Publish episode #10").tasks.all()
    assert {task.status for task in done_list} == {Task.Status.DONE}
    assert {tuple(task.tags) for task in done_list} == {("money",)}


def test_mapping_naming_a_missing_template_writes_nothing(tmp_path, operator):
    mapping = write(tmp_path, "map.yml", "targets: {Backlog: no-such-template}\n")
    before = counts()
    message, out = refused("import_trello", str(SAMPLE), "--mapping", str(mapping), "--json")
    assert message == MISSING_TEMPLATES.format(slugs="no-such-template")
    assert json.loads(out)["errors"] == [message] and json.loads(out)["batch"] is None
    assert counts() == before


@pytest.mark.parametrize(
    "content, phrase",
    [
        ("{broken", "not valid JSON"),
        ('{"hello": "world"}', "not a Trello board"),
        ('{"id": "b", "name": "Empty", "lists": [], "cards": []}', "has no cards"),
    ],
)
def test_bad_board_files_exit_1_and_write_nothing(tmp_path, content, phrase):
    path = write(tmp_path, "board.json", content)
    before = counts()
    message, out = refused("import_trello", str(path))
    assert phrase in message and phrase in out
    assert counts() == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    message, _ = refused("import_trello", str(tmp_path / "nope.json"))
    assert "Cannot read" in message


def test_rollback_removes_untouched_rows_and_keeps_changed_ones(imported, operator):
    completed = Task.objects.get(title="Edit audio #9")
    task_complete(task=completed, by=operator)
    commented = Workflow.objects.get(title="Venue booking #4").tasks.first()
    task_add_comment(task=commented, by=operator, text="Booked.")
    out = StringIO()
    call_command("rollback_import", str(imported["batch"]), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["removed"]["workflows"] == WORKFLOWS - 1
    assert report["removed"]["comments"] == COMMENTS - 1
    assert f"task #{completed.pk} “Edit audio #9”" in report["kept"]
    assert any("Venue booking #4" in line for line in report["kept"])
    assert set(Task.objects.values_list("pk", flat=True)) == {completed.pk} | set(
        Workflow.objects.get(title="Venue booking #4").tasks.values_list("pk", flat=True)
    )
    assert Workflow.objects.count() == 1 and WorkflowTemplate.objects.count() == 1


def test_after_a_rollback_the_board_imports_again(imported):
    call_command("rollback_import", str(imported["batch"]), stdout=StringIO())
    assert (Task.objects.count(), Workflow.objects.count(), WorkflowTemplate.objects.count()) == (
        0,
        0,
        0,
    )
    assert ImportBatchItem.objects.count() == 0
    again = run(str(SAMPLE))
    assert again["created"]["workflows"] == WORKFLOWS


def test_rollback_twice_is_refused(imported):
    call_command("rollback_import", str(imported["batch"]), stdout=StringIO())
    message, _ = refused("rollback_import", str(imported["batch"]))
    assert "rolled back already" in message


def test_rollback_of_an_unknown_batch_is_refused(db):
    message, _ = refused("rollback_import", "999")
    assert message == "no import batch #999"


def test_import_and_rollback_are_audited(imported, admin_user):
    from dataops.models import AuditEvent

    call_command("rollback_import", str(imported["batch"]), "--by", "ada", stdout=StringIO())
    events = AuditEvent.objects.filter(target_id=str(imported["batch"])).order_by("pk")
    assert [(e.action, e.actor) for e in events] == [
        ("import.trello", admin_user),
        ("import.rollback", admin_user),
    ]


def test_rollback_removes_reminders_about_removed_tasks(imported, operator):
    from dataops.models import Notification

    task = Task.objects.get(title="Edit audio #9")
    Notification.objects.create(
        recipient=operator,
        kind="overdue",
        text="Overdue",
        link=task.get_absolute_url(),
        dedup_key="x",
    )
    call_command("rollback_import", str(imported["batch"]), stdout=StringIO())
    assert not Notification.objects.exists()


def test_a_card_that_fails_is_reported_and_the_rest_import(tmp_path, db):
    board = {
        "id": "b-errors",
        "lists": [{"id": "l1", "name": "Todo"}],
        "cards": [
            {"id": "c1", "idList": "l1", "name": "Far away", "due": "2099-01-01T09:00:00Z"},
            {"id": "c2", "idList": "l1", "name": "Pay rent"},
        ],
    }
    report = run(str(write(tmp_path, "board.json", json.dumps(board))))
    assert report["created"]["tasks"] == 1 and Task.objects.get().title == "Pay rent"
    assert len(report["errors"]) == 1 and report["errors"][0].startswith("card “Far away”: ")
    assert ImportBatchItem.objects.filter(external_id="c1").count() == 0


def test_the_text_report_lists_counts_and_redactions(db):
    out = StringIO()
    call_command("import_trello", str(SAMPLE), "--dry-run", stdout=out)
    text = out.getvalue()
    assert text.startswith("Dry run: nothing written.")
    assert f"Created: workflows {WORKFLOWS}, tasks {STANDALONE + CHECKLIST_TASKS}" in text
    assert "  signed url in card “Webinar #1” attachment" in text
    assert "Members without a user: Ada Lovelace, Grace H., Sam Stranger" in text


def test_a_failed_first_workflow_card_leaves_the_board_template_to_the_next(tmp_path, db):
    item = {"id": "i1", "name": "Far away", "state": "incomplete", "due": "2099-01-01T09:00:00Z"}
    board = {
        "id": "b-template",
        "lists": [{"id": "l1", "name": "Todo"}],
        "cards": [{"id": "c1", "idList": "l1"}, {"id": "c2", "idList": "l1"}],
        "checklists": [
            {"id": "k1", "idCard": "c1", "name": "Plan", "checkItems": [item]},
            {"id": "k2", "idCard": "c2", "name": "Plan", "checkItems": [{"id": "i2"}]},
        ],
    }
    report = run(str(write(tmp_path, "board.json", json.dumps(board))))
    assert report["created"]["workflows"] == 1 and len(report["errors"]) == 1
    template = WorkflowTemplate.objects.get(slug="trello-b-template")
    assert ImportBatchItem.objects.filter(
        model="tasks.workflowtemplate", object_id=template.pk, batch_id=report["batch"]
    ).exists()


def test_an_imported_workflow_shows_its_checklists_as_phases(imported, operator_client):
    workflow = Workflow.objects.get(title="Venue booking #4")
    page = operator_client.get(workflow.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Preparation" in text and "Production" in text and "Other tasks" not in text


def test_checklists_of_a_template_workflow_join_its_phases(tmp_path, load_podcast, operator):
    mapping = write(tmp_path, "map.yml", "targets: {Podcast episodes: podcast}\n")
    run(str(SAMPLE), "--mapping", str(mapping))
    workflow = Workflow.objects.get(title="Recording #8")
    slugs = [phase["slug"] for phase in workflow.phases]
    assert {"preparation", "production", "follow-up"} <= set(slugs)
    assert set(workflow.tasks.values_list("phase", flat=True)) <= set(slugs)
