"""Every task action: what it changes, what it refuses, and the history it leaves."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from dataops.errors import ServiceError
from tasks import messages, services
from tasks.models import HistoryEvent, Task
from tasks.services import ProofInput
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> str:
    with pytest.raises(ServiceError) as caught:
        call(**kwargs)
    return str(caught.value)


def actions(task: Task) -> list[str]:
    return list(task.history.order_by("id").values_list("action", flat=True))


# --- a task in each status ------------------------------------------------------------------


@pytest.fixture
def in_status(make_task, operator, today):
    def make(status: str) -> Task:
        task = make_task()
        task.na_reasons = ["not needed"]
        task.save()
        if status == "waiting":
            task = services.task_mark_waiting(
                task=task, by=operator, waiting_for="Ana", follow_up_date=today
            )
        elif status == "done":
            task = services.task_complete(task=task, by=operator)
        elif status == "skipped":
            task = services.task_close_not_applicable(task=task, by=operator, reason="not needed")
        elif status == "archived":
            Task.objects.filter(pk=task.pk).update(status="archived")
            task.refresh_from_db()
        return task

    return make


def _call(name: str, today: date, operator):
    """The action `name` with valid arguments, so only the status can refuse it."""
    calls = {
        "complete": lambda t: services.task_complete(task=t, by=operator),
        "reopen": lambda t: services.task_reopen(task=t, by=operator),
        "mark waiting": lambda t: services.task_mark_waiting(
            task=t, by=operator, waiting_for="Ana", follow_up_date=today
        ),
        "follow-up sent": lambda t: services.task_follow_up_sent(
            task=t, by=operator, next_follow_up=today + days(2)
        ),
        "response received": lambda t: services.task_response_received(task=t, by=operator),
        "resolve waiting": lambda t: services.task_resolve_waiting(task=t, by=operator),
        "snooze": lambda t: services.task_snooze(
            task=t, by=operator, until=today + days(3), reason="later"
        ),
        "reassign": lambda t: services.task_reassign(task=t, by=operator, assignee=None),
        "not applicable": lambda t: services.task_close_not_applicable(
            task=t, by=operator, reason="not needed"
        ),
        "edit": lambda t: services.task_edit(task=t, by=operator, title="New title"),
        "add proof": lambda t: services.task_add_proof(task=t, by=operator, note="proof"),
    }
    return calls[name]


CLOSED = {
    "done": messages.ALREADY_DONE,
    "skipped": messages.CLOSED_NOT_APPLICABLE,
    "archived": messages.TASK_ARCHIVED,
}
WAITING_ONLY = dict.fromkeys(["todo", "done", "skipped", "archived"], messages.NOT_WAITING)
REFUSED = {
    "complete": {"waiting": messages.COMPLETE_WAITING.format(who="Ana"), **CLOSED},
    "reopen": {
        "todo": messages.REOPEN_NOT_CLOSED,
        "waiting": messages.REOPEN_NOT_CLOSED,
        "archived": messages.TASK_ARCHIVED,
    },
    "mark waiting": {"waiting": messages.ALREADY_WAITING, **CLOSED},
    "follow-up sent": WAITING_ONLY,
    "response received": WAITING_ONLY,
    "resolve waiting": WAITING_ONLY,
    "snooze": {"waiting": messages.SNOOZE_ONLY_TODO, **CLOSED},
    "reassign": dict.fromkeys(
        ["done", "skipped", "archived"], messages.ONLY_OPEN.format(verb="reassigned")
    ),
    "not applicable": dict.fromkeys(
        ["done", "skipped", "archived"], messages.ONLY_OPEN.format(verb="closed as not applicable")
    ),
    "edit": {"archived": messages.TASK_ARCHIVED},
    "add proof": {"archived": messages.TASK_ARCHIVED},
}
STATUSES = ["todo", "waiting", "done", "skipped", "archived"]


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        (action, status, message)
        for action, table in REFUSED.items()
        for status, message in table.items()
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    in_status, operator, today, action, status, message
):
    task = in_status(status)
    before = (task.status, task.version, task.history.count())
    with pytest.raises(ServiceError) as caught:
        _call(action, today, operator)(task)
    assert str(caught.value) == message
    task.refresh_from_db()
    assert (task.status, task.version, task.history.count()) == before


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (action, status)
        for action, table in REFUSED.items()
        for status in STATUSES
        if status not in table
    ],
)
def test_every_allowed_transition_works_and_writes_history(
    in_status, operator, today, action, status
):
    task = in_status(status)
    events = task.history.count()
    _call(action, today, operator)(task)
    assert task.history.count() == events + 1


# --- completing -------------------------------------------------------------------------------


def test_complete_is_refused_naming_the_empty_luma_slot(start_podcast, operator, today):
    workflow = start_podcast(today + days(17))
    task = ref(workflow, "create-event-luma")
    message = refused(services.task_complete, task=task, by=operator)
    assert message == "Add the “Luma” link before completing."
    assert message == messages.COMPLETE_MISSING.format(things="the “Luma” link")
    task.refresh_from_db()
    assert task.status == "todo"


def test_complete_names_every_missing_thing(start_podcast, operator, today):
    task = ref(start_podcast(today), "schedule-podcast-spotify")
    assert refused(services.task_complete, task=task, by=operator) == (
        "Add the status “Episode scheduled on Spotify for Podcasters”, the “Spotify for "
        "Podcasters” link, the “Public Spotify episode” link and the “Apple Podcasts "
        "episode” link before completing."
    )


def test_a_pasted_link_completes_the_task_and_fills_the_slot(start_podcast, operator, today):
    workflow = start_podcast(today + days(17))
    task = services.task_complete(
        task=ref(workflow, "create-event-luma"),
        by=operator,
        version=1,
        proof=ProofInput(url="https://lu.ma/ev"),
    )
    assert (task.status, task.proof_url, task.completed_by, task.version) == (
        "done",
        "https://lu.ma/ev",
        operator,
        2,
    )
    assert workflow.link_slots.get(name="Luma").url == "https://lu.ma/ev"
    assert actions(task) == ["created", "completed"]
    assert workflow.history.filter(action="slot_set", task=None).count() == 1


def test_a_slot_filled_on_the_workflow_page_is_enough_proof(start_podcast, operator, today):
    workflow = start_podcast(today + days(17))
    services.workflow_set_link_slot(
        workflow=workflow, name="Luma", url="https://lu.ma/x", by=operator
    )
    task = services.task_complete(task=ref(workflow, "create-event-luma"), by=operator)
    assert task.status == "done"


def test_required_slots_given_with_the_completion_are_saved(start_podcast, operator, today):
    workflow = start_podcast(today)
    slots = {
        "Spotify for Podcasters": "https://a.org/1",
        "Public Spotify episode": "https://a.org/2",
        "Apple Podcasts episode": "https://a.org/3",
    }
    task = services.task_complete(
        task=ref(workflow, "schedule-podcast-spotify"),
        by=operator,
        proof=ProofInput(status="scheduled", slots=slots),
    )
    assert task.proof_status == "scheduled"
    assert dict(workflow.link_slots.filter(name__in=slots).values_list("name", "url")) == slots


def test_a_bad_proof_link_is_refused(start_podcast, operator, today):
    task = ref(start_podcast(today), "create-event-luma")
    assert (
        refused(
            services.task_complete, task=task, by=operator, proof=ProofInput(url="ftp://lu.ma/x")
        )
        == messages.URL_NOT_HTTP
    )


def test_completing_announce_moves_the_workflow_to_announced(start_podcast, operator, today):
    workflow = start_podcast(today + days(14))
    services.task_complete(
        task=ref(workflow, "announce-event-slack"),
        by=operator,
        proof=ProofInput(note="Posted in #announcements"),
    )
    workflow.refresh_from_db()
    assert workflow.stage == "announced"
    change = workflow.history.get(action="stage_changed")
    assert (change.before, change.after) == ({"stage": "preparation"}, {"stage": "announced"})


def test_the_stage_never_moves_backwards_on_completion(start_podcast, operator, today):
    workflow = start_podcast(today)
    services.workflow_change_stage(
        workflow=workflow, stage="after-event", by=operator, comment="streamed early"
    )
    services.task_complete(
        task=ref(workflow, "announce-event-slack"),
        by=operator,
        proof=ProofInput(note="late announcement"),
    )
    workflow.refresh_from_db()
    assert workflow.stage == "after-event"


def test_a_stale_version_is_refused_with_a_reload_prompt(make_task, operator):
    task = make_task()
    services.task_edit(task=task, by=operator, version=1, title="Changed elsewhere")
    assert refused(services.task_complete, task=task, by=operator, version=1) == messages.STALE
    assert messages.STALE == (
        "This task was changed by someone else. Reload to see the latest version."
    )
    task.refresh_from_db()
    assert task.status == "todo"


# --- waiting ------------------------------------------------------------------------------------


def test_waiting_round_trip(make_task, operator, today):
    task = make_task(due=today - days(3))
    task = services.task_mark_waiting(
        task=task,
        by=operator,
        waiting_for="Ana",
        channel="email",
        follow_up_date=today + days(2),
        note="asked",
    )
    assert (task.status, task.waiting_for, task.waiting_since) == ("waiting", "Ana", today)
    task = services.task_follow_up_sent(task=task, by=operator, next_follow_up=today + days(5))
    assert task.follow_up_date == today + days(5)
    task = services.task_response_received(task=task, by=operator, note="she replied")
    assert (task.status, task.waiting_for, task.follow_up_date) == ("todo", "", None)
    assert task.due_date == today  # back in Today, not Overdue
    assert actions(task) == ["created", "waiting", "follow_up_sent", "response_received"]


@pytest.mark.parametrize(
    ("who", "follow_up", "message"),
    [
        ("", 1, messages.WAIT_NEEDS_WHO),
        ("Ana", None, messages.FOLLOW_UP_REQUIRED),
        ("Ana", -1, messages.FOLLOW_UP_IN_PAST),
    ],
)
def test_waiting_needs_who_and_a_follow_up_from_today_on(
    make_task, operator, today, who, follow_up, message
):
    follow_up_date = None if follow_up is None else today + days(follow_up)
    assert (
        refused(
            services.task_mark_waiting,
            task=make_task(),
            by=operator,
            waiting_for=who,
            follow_up_date=follow_up_date,
        )
        == message
    )


def test_the_database_refuses_waiting_without_who_or_follow_up(make_task):
    task = make_task()
    for changes in ({"waiting_for": ""}, {"waiting_for": "Ana", "follow_up_date": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Task.objects.filter(pk=task.pk).update(status="waiting", **changes)


def test_resolving_a_wait_as_done_still_needs_the_proof(start_podcast, operator, today):
    task = ref(start_podcast(today + days(17)), "create-event-luma")
    task = services.task_mark_waiting(
        task=task, by=operator, waiting_for="the banner", follow_up_date=today
    )
    assert refused(services.task_resolve_waiting, task=task, by=operator) == (
        "Add the “Luma” link before completing."
    )
    task = services.task_resolve_waiting(
        task=task, by=operator, proof=ProofInput(url="https://lu.ma/e")
    )
    assert (task.status, task.waiting_for) == ("done", "")
    assert actions(task)[-1] == "resolved"


# --- snooze, reassign, not applicable, edit, comment --------------------------------------------


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (-1, "later", messages.SNOOZE_IN_PAST),
        (0, "later", messages.SNOOZE_SAME_DATE),
        (2, " ", messages.SNOOZE_NEEDS_REASON),
        (5000, "later", "Pick a date between"),
    ],
)
def test_snooze_needs_a_later_date_and_a_reason(make_task, operator, today, until, reason, message):
    task = make_task(due=today)
    assert refused(
        services.task_snooze, task=task, by=operator, until=today + days(until), reason=reason
    ).startswith(message)


def test_snooze_moves_the_due_date_with_the_reason_in_history(make_task, operator, today):
    task = services.task_snooze(
        task=make_task(), by=operator, until=today + days(3), reason="banner late"
    )
    event = task.history.last()
    assert (task.due_date, event.note, event.before, event.after) == (
        today + days(3),
        "banner late",
        {"due_date": today.isoformat()},
        {"due_date": (today + days(3)).isoformat()},
    )


def test_reassign(make_task, operator, make_user):
    task = make_task()
    ada = make_user("ada2")
    task = services.task_reassign(task=task, by=operator, assignee=ada)
    assert task.history.last().after == {"assignee": "ada2"}
    assert refused(services.task_reassign, task=task, by=operator, assignee=ada) == (
        messages.REASSIGN_SAME.format(who="ada2")
    )
    ada.is_active = False
    assert refused(services.task_reassign, task=task, by=operator, assignee=ada).endswith(
        "the account is inactive."
    )


def test_not_applicable_only_with_a_reason_from_the_template(load_podcast, operator, today):
    from tasks.services import templates_load
    from tasks.services.templates import SHIPPED_DIR

    templates_load(paths=[SHIPPED_DIR / "newsletter.yaml"])
    from tasks.models import WorkflowTemplate

    workflow = services.workflow_start(
        template=WorkflowTemplate.objects.get(slug="newsletter"), anchor_date=today, by=operator
    )
    block = ref(workflow, "fill-book-of-the-week-block")
    assert refused(
        services.task_close_not_applicable, task=block, by=operator, reason="felt like it"
    ) == messages.NA_BAD_REASON.format(reasons="“no book this week”")
    block = services.task_close_not_applicable(task=block, by=operator, reason="no book this week")
    assert (block.status, block.closed_reason) == ("skipped", "no book this week")
    assert (
        refused(
            services.task_close_not_applicable,
            task=ref(workflow, "schedule-email-newsletter"),
            by=operator,
            reason="x",
        )
        == messages.NA_NOT_ALLOWED
    )


def test_edit_records_only_what_changed(make_task, operator, today):
    task = make_task(due=today)
    same = services.task_edit(task=task, by=operator, title=task.title)
    assert (same.version, actions(same)) == (1, ["created"])
    task = services.task_edit(task=task, by=operator, title="Renamed", due_date=today + days(1))
    event = task.history.last()
    assert (event.action, set(event.after)) == ("edited", {"title", "due_date"})
    assert refused(services.task_edit, task=task, by=operator, title="  ") == (
        messages.TITLE_REQUIRED
    )
    assert refused(
        services.task_edit, task=task, by=operator, due_date=date(1900, 1, 1)
    ).startswith("Pick a date between")


def test_comments_are_history_and_do_not_bump_the_version(make_task, operator):
    task = make_task()
    services.task_add_comment(task=task, by=operator, text="Called, no answer")
    task.refresh_from_db()
    assert (task.version, task.history.last().note) == (1, "Called, no answer")
    assert refused(services.task_add_comment, task=task, by=operator, text=" ") == (
        messages.COMMENT_EMPTY
    )


def test_history_is_append_only(make_task):
    event = make_task().history.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        HistoryEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(TypeError):
        HistoryEvent.objects.all().delete()


# --- workflows ----------------------------------------------------------------------------------


def test_manual_stage_change_needs_a_comment(start_podcast, operator, today):
    workflow = start_podcast(today)
    assert (
        refused(
            services.workflow_change_stage,
            workflow=workflow,
            stage="announced",
            by=operator,
            comment="",
        )
        == messages.STAGE_NEEDS_COMMENT
    )
    assert refused(
        services.workflow_change_stage,
        workflow=workflow,
        stage="preparation",
        by=operator,
        comment="x",
    ) == messages.STAGE_SAME.format(stage="Preparation")
    assert refused(
        services.workflow_change_stage,
        workflow=workflow,
        stage="launched",
        by=operator,
        comment="x",
    ) == messages.STAGE_UNKNOWN.format(stage="launched")


def test_slot_links_must_be_http_and_exist(start_podcast, operator, today):
    workflow = start_podcast(today)
    assert (
        refused(
            services.workflow_set_link_slot,
            workflow=workflow,
            name="Luma",
            url="javascript:alert(1)",
            by=operator,
        )
        == messages.URL_NOT_HTTP
    )
    assert refused(
        services.workflow_set_link_slot,
        workflow=workflow,
        name="Nope",
        url="https://x.org",
        by=operator,
    ) == messages.UNKNOWN_SLOT.format(name="Nope")
    slot = services.workflow_set_link_slot(
        workflow=workflow, name="Luma", url="https://x.org", by=operator
    )
    cleared = services.workflow_set_link_slot(workflow=workflow, name="Luma", url="", by=operator)
    assert (slot.url, cleared.url) == ("https://x.org", "")


def test_archiving_a_workflow_archives_its_open_tasks_only(start_podcast, operator, today):
    workflow = start_podcast(today + days(30))
    done = services.task_complete(task=ref(workflow, "agree-on-a-date"), by=operator)
    services.workflow_archive(workflow=workflow, by=operator, note="cancelled")
    workflow.refresh_from_db()
    assert workflow.status == "archived"
    assert workflow.tasks.filter(status="archived").count() == 41
    done.refresh_from_db()
    assert done.status == "done"
    assert refused(services.workflow_archive, workflow=workflow, by=operator) == (
        messages.WORKFLOW_ALREADY_ARCHIVED
    )
    assert (
        refused(
            services.workflow_set_link_slot,
            workflow=workflow,
            name="Luma",
            url="https://x.org",
            by=operator,
        )
        == messages.WORKFLOW_ARCHIVED
    )
    assert (
        refused(services.task_complete, task=ref(workflow, "actual-stream"), by=operator)
        == messages.TASK_ARCHIVED
    )
