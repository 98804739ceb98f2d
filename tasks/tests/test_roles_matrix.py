"""Every row of the README's Roles table, for an operator and an admin, through the pages.

Each test posts as a person of one role and re-reads the database: an allowed action changed
it, a refused one answered 403 (with the reason) and changed nothing. "Someone else" is a
second operator; the services are also checked directly, since views are not the only
callers.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from dataops.models import AuditEvent, JobRun, User
from tasks import permissions
from tasks import services as svc
from tasks.models import (
    ClosureDay,
    RecurringRule,
    Task,
    TemplateSchedule,
    Workflow,
    WorkflowTemplate,
)
from tasks.services import templates_load

pytestmark = pytest.mark.django_db

ROLES = ["operator", "admin"]


@pytest.fixture
def colleague(make_user):
    """Someone else: another operator, who owns what the person under test does not."""
    return make_user("linus", "operator", first_name="Linus")


@pytest.fixture(params=ROLES)
def actor(request, client, operator, admin_user):
    """The person under test, once as an operator and once as an admin, logged in."""
    user = operator if request.param == "operator" else admin_user
    client.force_login(user)
    return SimpleNamespace(client=client, user=user, role=request.param)


def rule_form(rule: RecurringRule, **changes) -> dict:
    data = {
        "title": rule.title,
        "kind": "daily",
        "interval": "1",
        "weekdays": ["0"],
        "day": "1",
        "nth": "1",
        "weekday": "0",
        "month": "1",
        "start_date": rule.start_date.isoformat(),
        "time_of_day": "09:00",
        "timezone": rule.timezone,
        "catch_up": "latest",
        "shift": "none",
        "proof_kind": "none",
        "assignee": str(rule.assignee_id or ""),
    }
    return {**data, **changes}


def control(client, rule_or_schedule, action: str):
    name = "recurring" if isinstance(rule_or_schedule, RecurringRule) else "recurring-template"
    return client.post(reverse(f"tasks:{name}-{action}", args=[rule_or_schedule.pk]))


def generate_runs(target) -> int:
    return JobRun.objects.filter(kind="recurring.generate", target_id=str(target.pk)).count()


def assert_refused(response, message: str) -> None:
    assert response.status_code == 403
    assert message in response.content.decode()


# --- row: task work -------------------------------------------------------------------------------


def test_task_work_is_for_operators_and_admins(actor, colleague, today):
    client = actor.client
    response = client.post(
        reverse("tasks:task-create"),
        {"title": "Book the room", "due_date": today.isoformat(), "assignee": str(colleague.pk)},
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Book the room")
    assert (task.created_by, task.assignee) == (actor.user, colleague)

    def act(action, **data):
        task.refresh_from_db()
        return client.post(
            reverse(f"tasks:task-{action}", args=[task.pk]),
            {"version": task.version, "ctx": "task", **data},
        )

    act("snooze", until=(today + timedelta(days=2)).isoformat(), reason="venue replies Monday")
    act("reassign", assignee=str(actor.user.pk))
    act("comment", text="Room 2 is free")
    act("complete", note="Booked")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert (task.due_date, task.assignee, task.completed_by) == (
        today + timedelta(days=2),
        actor.user,
        actor.user,
    )
    assert task.history.filter(action="commented").exists()


# --- row: start a workflow, stage, link slots -----------------------------------------------------


def test_starting_and_running_a_workflow_is_for_operators_and_admins(actor, load_podcast, today):
    client = actor.client
    response = client.post(
        reverse("tasks:workflow-start"),
        {
            "template": "podcast",
            "anchor_date": (today + timedelta(days=20)).isoformat(),
            "title": "Podcast: roles",
            "start_key": "4c1f0e9e-4f0e-4b55-9a57-5a4b7b3f2a10",
        },
    )
    assert response.status_code == 302
    workflow = Workflow.objects.get(title="Podcast: roles")
    assert workflow.created_by == actor.user
    client.post(
        reverse("tasks:workflow-stage", args=[workflow.pk]),
        {"stage": "announced", "comment": "posted early"},
    )
    slot = workflow.link_slots.first()
    client.post(
        reverse("tasks:workflow-slot", args=[workflow.pk, slot.pk]), {"url": "https://lu.ma/roles"}
    )
    workflow.refresh_from_db()
    slot.refresh_from_db()
    assert (workflow.stage, slot.url) == ("announced", "https://lu.ma/roles")


# --- rows: archive a workflow ---------------------------------------------------------------------


def archive(client, workflow):
    return client.post(reverse("tasks:workflow-archive", args=[workflow.pk]), {"note": "done"})


def test_archiving_a_workflow_you_started_is_allowed(actor, load_podcast, today):
    workflow = svc.workflow_start(template=load_podcast, anchor_date=today, by=actor.user)
    archive(actor.client, workflow)
    workflow.refresh_from_db()
    assert workflow.status == Workflow.Status.ARCHIVED
    assert not workflow.tasks.filter(status__in=Task.OPEN).exists()


@pytest.mark.parametrize("starter", ["colleague", "schedule"])
def test_archiving_someone_elses_workflow_is_for_admins(
    operator_client, admin_client_, colleague, load_podcast, today, starter
):
    by = colleague if starter == "colleague" else None
    workflow = svc.workflow_start(
        template=load_podcast, anchor_date=today, by=by, auto_started=by is None
    )
    open_before = workflow.tasks.filter(status__in=Task.OPEN).count()

    response = archive(operator_client, workflow)
    assert_refused(response, permissions.ARCHIVE_NOT_YOURS.format(title=workflow.title))
    workflow.refresh_from_db()
    assert workflow.status == Workflow.Status.ACTIVE
    assert workflow.tasks.filter(status__in=Task.OPEN).count() == open_before

    archive(admin_client_, workflow)
    workflow.refresh_from_db()
    assert workflow.status == Workflow.Status.ARCHIVED


# --- rows: recurring chores -----------------------------------------------------------------------


def test_creating_a_chore_is_for_operators_and_admins(actor, today):
    response = actor.client.post(
        reverse("tasks:recurring-create"),
        rule_form(
            RecurringRule(title="Water the plants", start_date=today, timezone="Europe/Berlin")
        ),
    )
    assert response.status_code == 302
    rule = RecurringRule.objects.get(title="Water the plants")
    assert rule.created_by == actor.user


@pytest.mark.parametrize("ownership", ["created", "assigned"])
def test_managing_your_own_chore_is_allowed(actor, colleague, make_rule, ownership):
    rule = (
        make_rule(title="Mine", by=actor.user)
        if ownership == "created"
        else make_rule(title="Mine", by=colleague, assignee=actor.user)
    )
    client = actor.client

    response = client.post(
        reverse("tasks:recurring-edit", args=[rule.pk]), rule_form(rule, title="Mine, renamed")
    )
    assert response.status_code == 302
    control(client, rule, "pause")
    rule.refresh_from_db()
    assert (rule.title, rule.enabled) == ("Mine, renamed", False)
    control(client, rule, "resume")
    control(client, rule, "generate")
    rule.refresh_from_db()
    assert rule.enabled and generate_runs(rule) == 1


@pytest.mark.parametrize("owner", ["colleague", "nobody"])
def test_managing_someone_elses_chore_is_for_admins(
    operator_client, admin_client_, colleague, make_rule, owner
):
    rule = (
        make_rule(title="Theirs", by=colleague, assignee=colleague)
        if owner == "colleague"
        else make_rule(title="Theirs")
    )  # loaded from the seed file: nobody's
    refusal = permissions.RULE_NOT_YOURS.format(title="Theirs")

    assert_refused(operator_client.get(reverse("tasks:recurring-edit", args=[rule.pk])), refusal)
    assert_refused(
        operator_client.post(
            reverse("tasks:recurring-edit", args=[rule.pk]), rule_form(rule, title="Hijacked")
        ),
        refusal,
    )
    assert_refused(control(operator_client, rule, "pause"), refusal)
    assert_refused(control(operator_client, rule, "generate"), refusal)
    rule.refresh_from_db()
    assert (rule.title, rule.enabled, generate_runs(rule)) == ("Theirs", True, 0)

    control(admin_client_, rule, "pause")
    rule.refresh_from_db()
    assert not rule.enabled
    assert_refused(control(operator_client, rule, "resume"), refusal)
    rule.refresh_from_db()
    assert not rule.enabled

    admin_client_.post(
        reverse("tasks:recurring-edit", args=[rule.pk]), rule_form(rule, title="Theirs, renamed")
    )
    control(admin_client_, rule, "resume")
    control(admin_client_, rule, "generate")
    rule.refresh_from_db()
    assert (rule.title, rule.enabled, generate_runs(rule)) == ("Theirs, renamed", True, 1)
    assert not AuditEvent.objects.filter(actor__username="grace").exists()


def test_deleting_a_chore_is_for_admins_even_the_operators_own(
    operator, operator_client, admin_client_, make_rule, today
):
    rule = make_rule(title="Mine", by=operator, start=today + timedelta(days=3))
    url = reverse("tasks:recurring-delete", args=[rule.pk])
    assert_refused(operator_client.post(url), permissions.RULE_DELETE_FOR_ADMINS)
    assert RecurringRule.objects.filter(pk=rule.pk).exists()

    response = admin_client_.post(url)
    assert response.status_code == 302
    assert not RecurringRule.objects.filter(pk=rule.pk).exists()


# --- row: automatic templates' schedules ----------------------------------------------------------


@pytest.fixture
def automatic():
    templates_load()
    return TemplateSchedule.objects.select_related("template").get(template__slug="newsletter")


def test_automatic_schedules_are_for_admins(operator_client, admin_client_, automatic):
    for action in ("pause", "generate"):
        assert_refused(
            control(operator_client, automatic, action), permissions.AUTOMATIC_FOR_ADMINS
        )
    automatic.refresh_from_db()
    assert automatic.enabled and generate_runs(automatic) == 0

    control(admin_client_, automatic, "pause")
    automatic.refresh_from_db()
    assert not automatic.enabled
    assert_refused(control(operator_client, automatic, "resume"), permissions.AUTOMATIC_FOR_ADMINS)
    automatic.refresh_from_db()
    assert not automatic.enabled

    control(admin_client_, automatic, "resume")
    control(admin_client_, automatic, "generate")
    automatic.refresh_from_db()
    assert automatic.enabled and generate_runs(automatic) == 1


# --- row: Setup (templates, closure days, users) --------------------------------------------------


def _definition_change(admin_client_, template):
    """The admin's change form of the template's first task, with a new offset."""
    definition = template.task_definitions.order_by("position").first()
    url = reverse("admin:tasks_taskdefinition_change", args=[definition.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data["offset_days"] = definition.offset_days + 1
    return definition, url, data


def test_setup_is_for_admins(operator_client, admin_client_, load_podcast, today):
    definition, definition_url, definition_data = _definition_change(admin_client_, load_podcast)
    day = (today + timedelta(days=30)).isoformat()
    new_user = {
        "username": "newbie",
        "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42",
        "usable_password": "true",
    }
    posts = [
        (definition_url, definition_data),
        ("/admin/tasks/closureday/add/", {"date": day, "reason": "team day"}),
        ("/admin/dataops/user/add/", new_user),
    ]
    for url, data in posts:
        assert operator_client.post(url, data, follow=True).status_code == 403, url
    assert WorkflowTemplate.objects.get(pk=load_podcast.pk).version == load_podcast.version
    assert not ClosureDay.objects.exists()
    assert not User.objects.filter(username="newbie").exists()

    for url, data in posts:
        assert admin_client_.post(url, data).status_code == 302, url
    definition.refresh_from_db()
    assert definition.offset_days == definition_data["offset_days"]
    assert WorkflowTemplate.objects.get(pk=load_podcast.pk).version == load_podcast.version + 1
    assert ClosureDay.objects.filter(reason="team day").exists()
    assert User.objects.filter(username="newbie").exists()


# --- row: health, job runs, failed jobs, audit log, docs sync -------------------------------------


def test_operations_pages_are_for_admins(operator_client, admin_client_):
    failed = JobRun.objects.create(kind="docs.sync", status=JobRun.Status.FAILED)
    for url in ("/jobs/", "/jobs/failed/", f"/jobs/{failed.pk}/", "/audit/"):
        assert operator_client.get(url).status_code == 403, url
        assert admin_client_.get(url).status_code == 200, url
    assert operator_client.get("/health/").status_code == 403

    dismiss = reverse("job-dismiss", args=[failed.pk])
    assert operator_client.post(dismiss).status_code == 403
    failed.refresh_from_db()
    assert failed.dismissed_at is None
    admin_client_.post(dismiss)
    failed.refresh_from_db()
    assert failed.dismissed_at is not None

    sync_runs = JobRun.objects.exclude(pk=failed.pk)
    assert operator_client.post(reverse("docs:sync-now")).status_code == 403
    assert not sync_runs.exists()
    assert admin_client_.post(reverse("docs:sync-now")).status_code == 302
    assert sync_runs.get().triggered_by.username == "ada"


# --- the services refuse too, whoever calls them --------------------------------------------------


def test_services_refuse_operators_and_let_the_system_through(
    operator, colleague, make_rule, load_podcast, automatic, today
):
    theirs = make_rule(title="Theirs", by=colleague)
    workflow = svc.workflow_start(template=load_podcast, anchor_date=today, by=colleague)
    refused = [
        lambda: svc.recurring_rule_edit(
            rule=theirs,
            by=operator,
            data=svc.RuleInput(title="Hijacked", rrule="FREQ=DAILY", start_date=today),
        ),
        lambda: svc.schedule_pause(schedule=theirs, by=operator),
        lambda: svc.schedule_generate_now(schedule=theirs, by=operator),
        lambda: svc.schedule_pause(schedule=automatic, by=operator),
        lambda: svc.recurring_rule_delete(rule=make_rule(title="Mine", by=operator), by=operator),
        lambda: svc.workflow_archive(workflow=workflow, by=operator),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    theirs.refresh_from_db()
    workflow.refresh_from_db()
    assert (theirs.title, theirs.enabled, workflow.status) == ("Theirs", True, "active")
    assert RecurringRule.objects.filter(title="Mine").exists()

    svc.schedule_pause(schedule=theirs, by=None)  # the management command
    svc.workflow_archive(workflow=workflow, by=None)
    theirs.refresh_from_db()
    workflow.refresh_from_db()
    assert (theirs.enabled, workflow.status) == (False, "archived")


# --- controls a person cannot use are not shown ---------------------------------------------------


def test_operator_sees_controls_only_on_what_they_may_change(
    operator, operator_client, colleague, make_rule, automatic
):
    mine = make_rule(title="Mine", by=operator)
    theirs = make_rule(title="Theirs", by=colleague)
    html = operator_client.get(reverse("tasks:recurring-list")).content.decode()
    for action in ("pause", "generate", "edit"):
        assert reverse(f"tasks:recurring-{action}", args=[mine.pk]) in html
        assert reverse(f"tasks:recurring-{action}", args=[theirs.pk]) not in html
    for action in ("pause", "generate"):
        assert reverse(f"tasks:recurring-template-{action}", args=[automatic.pk]) not in html

    page = operator_client.get(theirs.get_absolute_url()).content.decode()
    assert reverse("tasks:recurring-pause", args=[theirs.pk]) not in page
    assert reverse("tasks:recurring-edit", args=[theirs.pk]) not in page
    page = operator_client.get(mine.get_absolute_url()).content.decode()
    assert reverse("tasks:recurring-pause", args=[mine.pk]) in page

    editor = operator_client.get(reverse("tasks:recurring-edit", args=[mine.pk])).content.decode()
    assert reverse("tasks:recurring-delete", args=[mine.pk]) not in editor


def test_admin_sees_every_control(admin_client_, colleague, make_rule, automatic):
    theirs = make_rule(title="Theirs", by=colleague)
    html = admin_client_.get(reverse("tasks:recurring-list")).content.decode()
    assert reverse("tasks:recurring-pause", args=[theirs.pk]) in html
    assert reverse("tasks:recurring-template-pause", args=[automatic.pk]) in html
    editor = admin_client_.get(reverse("tasks:recurring-edit", args=[theirs.pk])).content.decode()
    assert reverse("tasks:recurring-delete", args=[theirs.pk]) in editor


def test_archive_button_shows_only_where_it_works(
    operator, operator_client, admin_client_, colleague, load_podcast, today
):
    mine = svc.workflow_start(template=load_podcast, anchor_date=today, by=operator)
    theirs = svc.workflow_start(template=load_podcast, anchor_date=today, by=colleague)

    def shows_archive(client, workflow) -> bool:
        html = client.get(workflow.get_absolute_url()).content.decode()
        return reverse("tasks:workflow-archive", args=[workflow.pk]) in html

    assert shows_archive(operator_client, mine)
    assert not shows_archive(operator_client, theirs)
    assert shows_archive(admin_client_, theirs)
