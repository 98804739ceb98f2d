"""Automatic templates: their schedule comes from the YAML, each occurrence starts one
workflow anchored `lead_days` later, never twice; missing template tasks are recovered."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection

from dataops.models import Notification
from tasks import services
from tasks.models import Task, TemplateSchedule, Workflow, WorkflowTemplate
from tasks.services import recurring as generator
from tasks.services import templates_load, workflow_start
from tasks.template_spec import parse_text
from tasks.tests.conftest import at, tick, write

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 6, 1)  # also the 1st of the month
JUNE_MONDAYS = [date(2026, 6, d) for d in (1, 8, 15, 22, 29)]
JUNE_FRIDAYS = [date(2026, 6, d) for d in (5, 12, 19, 26)]


@pytest.fixture
def shipped(operator):
    """The 11 shipped templates, loaded on Monday 1 June 2026 (their schedules start then);
    `operator` is grace, their default assignee."""
    with time_machine.travel(at(MONDAY, 8), tick=False):
        templates_load()
    return {t.slug: t for t in WorkflowTemplate.objects.all()}


def anchors(slug: str) -> list[date]:
    return list(
        Workflow.objects.filter(template__slug=slug, auto_started=True)
        .order_by("anchor_date")
        .values_list("anchor_date", flat=True)
    )


def test_loading_converts_the_cron_schedules(shipped):
    schedules = {s.template.slug: s for s in TemplateSchedule.objects.select_related("template")}
    assert set(schedules) == {"newsletter", "social-media-weekly", "tax-report"}
    assert schedules["newsletter"].rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert schedules["social-media-weekly"].rrule == "FREQ=WEEKLY;BYDAY=FR"
    assert schedules["tax-report"].rrule == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert {s.time_of_day for s in schedules.values()} == {time(9, 0)}
    assert {(s.start_date, s.catch_up, s.timezone) for s in schedules.values()} == {
        (MONDAY, "latest", "Europe/Berlin")
    }
    assert schedules["newsletter"].sentence == "Every Monday at 09:00, Europe/Berlin"


def test_a_month_of_daily_ticks_starts_each_workflow_once_on_its_day(
    shipped, django_capture_on_commit_callbacks
):
    for offset in range(31):
        day = MONDAY + timedelta(days=offset)
        for hour in (0, 9, 18):  # several ticks a day, as beat does
            with (
                time_machine.travel(at(day, hour, 5), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                tick()
    assert anchors("newsletter") == [d + timedelta(days=14) for d in JUNE_MONDAYS]
    assert anchors("social-media-weekly") == JUNE_FRIDAYS
    assert anchors("tax-report") == [date(2026, 6, 1), date(2026, 7, 1)]
    newsletter = Workflow.objects.filter(template__slug="newsletter").first()
    assert newsletter.title == "Newsletter: 2026-06-15"
    assert newsletter.tasks.count() == 15
    first = newsletter.tasks.order_by("due_date").first()
    assert first.due_date == MONDAY  # run date = anchor - 14: the first task is due that day
    assert first.assignee.username == "grace"
    started = newsletter.history.get(action="started")
    assert started.note == "Started by the template's own schedule."
    assert (
        Notification.objects.filter(
            kind="workflow_auto_started", recipient__username="grace"
        ).count()
        == 11
    )


def test_reruns_and_generate_now_never_start_a_workflow_twice(shipped):
    newsletter = TemplateSchedule.objects.get(template__slug="newsletter")
    with time_machine.travel(at(MONDAY, 10), tick=False):
        first = tick()
        assert first.workflows == 2  # newsletter and tax report
        assert tick().workflows == 0
        assert services.recurring_generate_one(schedule=newsletter).workflows == 0
    assert anchors("newsletter") == [date(2026, 6, 15)]


def test_a_workflow_started_by_hand_for_that_anchor_counts(shipped, operator):
    """Manual starts stay free (two by hand with one anchor are fine); the schedule only
    refrains from adding its own when one exists."""
    newsletter = shipped["newsletter"]
    with time_machine.travel(at(MONDAY, 8), tick=False):
        workflow_start(template=newsletter, anchor_date=date(2026, 6, 15), by=operator)
        workflow_start(template=newsletter, anchor_date=date(2026, 6, 15), by=operator)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        report = tick()
    assert (report.workflows, report.skipped) == (1, 1)  # the tax report; not the newsletter
    assert Workflow.objects.filter(template=newsletter).count() == 2
    assert anchors("newsletter") == []


def test_the_database_refuses_a_second_automatic_start(shipped, monkeypatch):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        tick()
        schedule = TemplateSchedule.objects.get(template__slug="newsletter")
        TemplateSchedule.objects.filter(pk=schedule.pk).update(
            generated_through=None, next_run_on=MONDAY
        )
        monkeypatch.setattr(generator, "already_started", lambda template_id, anchor: False)
        report = tick()
    assert (report.workflows, report.skipped, report.failed) == (0, 1, 0)
    assert anchors("newsletter") == [date(2026, 6, 15)]


def test_missing_template_tasks_of_automatic_workflows_are_recovered(shipped, operator):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        tick()
        workflow = Workflow.objects.get(template__slug="newsletter", auto_started=True)
        lost = list(
            workflow.tasks.filter(template_ref__in=["email-sponsor", "create-invoice"]).values_list(
                "pk", flat=True
            )
        )
        with connection.cursor() as cursor:  # history is append-only: remove rows in SQL
            placeholders = ", ".join(["%s"] * len(lost))
            cursor.execute(
                f"DELETE FROM tasks_historyevent WHERE task_id IN ({placeholders})", lost
            )
            cursor.execute(f"DELETE FROM tasks_task WHERE id IN ({placeholders})", lost)
        # A partial import: the workflow row came, none of its tasks did.
        tax = shipped["tax-report"]
        imported = Workflow.objects.create(
            template=tax,
            template_version=tax.version,
            title="Tax report: May 2026",
            anchor_date=date(2026, 5, 1),
            auto_started=True,
        )
        manual = workflow_start(template=shipped["podcast"], anchor_date=MONDAY, by=operator)
        manual.tasks.filter(template_ref="actual-stream").update(template_ref="")
        report = tick()
    assert report.recovered == 2 + 9
    assert workflow.tasks.count() == 15
    invoice = workflow.tasks.get(template_ref="create-invoice")
    assert invoice.due_date == date(2026, 6, 15)
    assert "Recovered" in invoice.history.get().note
    assert imported.tasks.count() == 9
    assert manual.tasks.exclude(template_ref="").count() == 41  # by hand: not touched
    with time_machine.travel(at(MONDAY, 11), tick=False):
        assert tick().recovered == 0


def test_a_workflow_of_an_older_template_version_is_not_completed_with_new_tasks(shipped, tmp_path):
    friday = date(2026, 6, 5)
    with time_machine.travel(at(friday, 10), tick=False):
        tick()
        path = write(
            tmp_path, "social.yaml", SOCIAL.replace("- ref: monday", EXTRA + "- ref: monday")
        )
        templates_load(paths=[path])  # version 2: three tasks, one of them new
        assert tick().recovered == 0
    (first,) = Workflow.objects.filter(template__slug="social-media-weekly")
    assert (first.template_version, first.tasks.count()) == (1, 5)
    assert not first.tasks.filter(template_ref="plan").exists()


SOCIAL = """
slug: social-media-weekly
name: Social Media Weekly
kind: social-media
title: 'Social media: week of {anchor}'
automatic: true
schedule: 0 9 * * 5
phases:
- {slug: week, title: The week}
tasks:
- ref: monday
  title: Monday posts
  offset: 0
  phase: week
- ref: friday
  title: Friday posts
  offset: 4
  phase: week
"""
EXTRA = """- ref: plan
  title: Plan the week
  offset: 0
  phase: week
"""
ADVANCED = """
slug: month-end
name: Month-end close
automatic: true
schedule: FREQ=MONTHLY;BYDAY=-1FR
time: "17:30"
timezone: America/New_York
catch_up: none
shift: previous
lead_days: 3
phases: [{slug: all, title: All}]
tasks: [{ref: close, title: Close the books, offset: 0, phase: all}]
"""


def test_yaml_takes_an_rrule_with_time_zone_and_policies(tmp_path):
    with time_machine.travel(at(MONDAY), tick=False):
        templates_load(paths=[write(tmp_path, "month-end.yaml", ADVANCED)])
    schedule = TemplateSchedule.objects.get(template__slug="month-end")
    assert (schedule.rrule, schedule.time_of_day, schedule.timezone) == (
        "FREQ=MONTHLY;BYDAY=-1FR",
        time(17, 30),
        "America/New_York",
    )
    assert (schedule.catch_up, schedule.shift) == ("none", "previous")
    assert schedule.sentence == "Monthly on the last Friday at 17:30, America/New_York"
    with time_machine.travel(at(date(2026, 6, 26), 12, tz="America/New_York"), tick=False):
        tick()
    assert anchors("month-end") == [date(2026, 6, 29)]


def test_unchanged_yaml_is_a_no_op_and_a_changed_schedule_keeps_the_checkpoint(tmp_path):
    path = write(tmp_path, "social.yaml", SOCIAL)
    with time_machine.travel(at(MONDAY), tick=False):
        templates_load(paths=[path])
    with time_machine.travel(at(date(2026, 6, 5), 10), tick=False):
        tick()
        assert [r.outcome for r in templates_load(paths=[path]).results] == ["unchanged"]
        write(tmp_path, "social.yaml", SOCIAL.replace("0 9 * * 5", "0 9 * * 1,5"))
        report = templates_load(paths=[path])
        assert [r.outcome for r in report.results] == ["updated"]
        schedule = TemplateSchedule.objects.get(template__slug="social-media-weekly")
        assert (schedule.rrule, schedule.generated_through) == (
            "FREQ=WEEKLY;BYDAY=MO,FR",
            date(2026, 6, 5),
        )
        assert tick().workflows == 0
    with time_machine.travel(at(date(2026, 6, 8), 10), tick=False):
        tick()
    assert anchors("social-media-weekly") == [date(2026, 6, 5), date(2026, 6, 8)]


def test_shipped_template_hashes_do_not_change_with_the_new_schedule_keys():
    spec = parse_text(SOCIAL, "social.yaml")
    assert not {"time", "timezone", "catch_up", "shift"} & set(spec.canonical())
    advanced = parse_text(ADVANCED, "month-end.yaml").canonical()
    assert (advanced["time"], advanced["shift"]) == ("17:30", "previous")


def test_paused_or_no_longer_automatic_templates_start_nothing(shipped, tmp_path):
    newsletter = TemplateSchedule.objects.get(template__slug="newsletter")
    services.schedule_pause(schedule=newsletter, by=None)
    path = write(tmp_path, "social.yaml", SOCIAL.replace("automatic: true", "automatic: false"))
    with time_machine.travel(at(MONDAY, 9), tick=False):
        templates_load(paths=[path])
    with time_machine.travel(at(date(2026, 6, 5), 10), tick=False):
        tick()
    assert anchors("newsletter") == anchors("social-media-weekly") == []
    assert anchors("tax-report") == [MONDAY]
    newsletter.refresh_from_db()
    assert not newsletter.enabled  # loading the templates again does not un-pause it


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            SOCIAL.replace("0 9 * * 5", "0 9 * * 1#2"),
            "schedule: Cron day of week '1#2' uses '#', which is not supported.",
        ),
        (
            SOCIAL.replace("0 9 * * 5", "'*/5 9 * * 5'"),
            "schedule: Cron minute '*/5' runs more than once a day",
        ),
        (
            SOCIAL.replace("0 9 * * 5", "every friday"),
            "schedule: “every friday” is not a cron expression (5 fields) or an RRULE (FREQ=…)",
        ),
        (
            SOCIAL.replace("0 9 * * 5", "FREQ=WEEKLY;INTERVAL=0"),
            "schedule: INTERVAL must be a whole number of at least 1, not '0'.",
        ),
        (SOCIAL + "time: '09:00'\n", "time: a cron schedule carries its own time"),
        (SOCIAL + "timezone: Mars/Base\n", "timezone: 'Mars/Base' is not a known time zone"),
        (SOCIAL + "catch_up: sometimes\n", "catch_up: “sometimes” is not one of all, latest, none"),
        (SOCIAL + "shift: sideways\n", "shift: “sideways” is not one of none, next, previous"),
    ],
)
def test_bad_schedules_in_yaml_are_refused_naming_the_field(tmp_path, text, problem):
    from dataops.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        templates_load(paths=[write(tmp_path, "social.yaml", text)])
    assert problem in str(refused.value)
    assert not WorkflowTemplate.objects.exists() and not TemplateSchedule.objects.exists()


def test_the_admin_checks_the_schedule_too(shipped):
    from django.core.exceptions import ValidationError

    template = shipped["newsletter"]
    template.schedule = "0 9 L * *"
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "uses 'L', which is not supported" in str(refused.value.message_dict["schedule"])


def test_template_page_says_the_schedule_in_words(shipped, operator_client):
    page = operator_client.get("/templates/newsletter/").content.decode()
    assert "starts itself: Every Monday at 09:00, Europe/Berlin" in page


def test_recurring_tasks_link_back_from_the_task_page(make_rule, operator_client):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY)
        tick()
    task = Task.objects.get(recurring_rule=rule)
    page = operator_client.get(task.get_absolute_url()).content.decode()
    assert f'href="/recurring/{rule.pk}/"' in page
