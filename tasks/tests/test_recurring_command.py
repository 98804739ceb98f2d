"""`manage.py recurring …`, the seed file of real chores, and the health check."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from dataops.health import FAIL, OK, WARN
from dataops.models import JobRun
from tasks.health import NEVER_RAN, check_recurring
from tasks.models import RecurringRule
from tasks.schedules import errors
from tasks.services import recurring_seed_load
from tasks.services.recurring_seed import SEED_FILE
from tasks.tests.conftest import at, occurrences, write

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(MONDAY, 10), tick=False):
        yield


def run(*args) -> str:
    out = StringIO()
    call_command("recurring", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_preview_prints_the_dates_one_per_line():
    out = run("preview", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "--start", "2026-11-23", "--count", "6")
    assert out.splitlines() == [
        "2026-11-23",
        "2026-12-07",
        "2026-12-21",
        "2027-01-04",
        "2027-01-18",
        "2027-02-01",
    ]


def test_preview_takes_a_cron_a_zone_and_a_past_start():
    assert run("preview", "0 9 1 * *", "--start", "2020-01-15", "--count", "2").split() == [
        "2020-02-01",
        "2020-03-01",
    ]
    assert run(
        "preview",
        "FREQ=DAILY",
        "--start",
        "2026-03-28",
        "--tz",
        "Europe/Berlin",
        "--time",
        "02:30",
        "--count",
        "3",
    ).split() == ["2026-03-28", "2026-03-29", "2026-03-30"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["preview", "FREQ=DAILY;INTERVAL=0", "--start", "2026-11-23"],
            errors.BAD_INTERVAL.format(value=0),
        ),
        (
            ["preview", "FREQ=DAILY", "--start", "2026-13-01"],
            errors.BAD_START.format(value="2026-13-01"),
        ),
        (
            ["preview", "FREQ=DAILY", "--start", "2026-11-23", "--tz", "Nowhere/City"],
            errors.BAD_TZ.format(tz="Nowhere/City"),
        ),
        (["preview", "0 9 L * *", "--start", "2026-11-23"], "uses 'L', which is not supported"),
        (["preview", "FREQ=DAILY", "--start", "2026-11-23", "--count", "0"], "--count"),
    ],
)
def test_preview_refuses_bad_input_with_the_reason(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)


def test_next_dates_are_due_dates_after_the_working_day_shift():
    out = run(
        "add",
        "--title",
        "Daily chore",
        "--rrule",
        "FREQ=DAILY",
        "--start",
        "2026-11-27",
        "--shift",
        "next",
    )
    assert out.strip().endswith("Next: 2026-11-27, 2026-11-30, 2026-12-01")  # Fri, Mon, Tue
    assert json.loads(run("list", "--json"))[0]["next"] == [
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
    ]


def test_add_list_pause_resume(operator):
    out = run(
        "add",
        "--title",
        "Water the plants",
        "--rrule",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        "--start",
        "2026-11-23",
        "--assignee",
        "grace",
        "--tags",
        "office, plants",
    )
    rule = RecurringRule.objects.get()
    assert out.startswith(
        f"Added #{rule.pk} “Water the plants”: Every 2 weeks on Monday at "
        "09:00, Europe/Berlin. Next: 2026-11-23, 2026-12-07, 2026-12-21"
    )
    assert (rule.assignee, rule.tags, rule.catch_up, rule.shift) == (
        operator,
        ["office", "plants"],
        "latest",
        "none",
    )
    listing = json.loads(run("list", "--json"))
    assert listing[0]["next"] == ["2026-11-23", "2026-12-07", "2026-12-21"]
    assert "Paused" in run("pause", str(rule.pk))
    assert "paused" in run("list")
    with pytest.raises(CommandError, match="already paused"):
        run("pause", str(rule.pk))
    assert run("resume", str(rule.pk)).strip() == "Resumed “Water the plants”."
    with pytest.raises(CommandError, match="no recurring rule “999”"):
        run("pause", "999")


def test_add_converts_a_cron_and_takes_the_policies():
    run(
        "add",
        "--title",
        "Newsletter check",
        "--cron",
        "0 9 * * 2",
        "--tz",
        "America/New_York",
        "--catch-up",
        "none",
        "--shift",
        "next",
    )
    rule = RecurringRule.objects.get()
    assert (rule.rrule, rule.time_of_day.isoformat(), rule.timezone) == (
        "FREQ=WEEKLY;BYDAY=TU",
        "09:00:00",
        "America/New_York",
    )
    assert (rule.catch_up, rule.shift, rule.start_date) == ("none", "next", MONDAY)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rrule", "FREQ=FORTNIGHTLY"], "--rrule: Unknown frequency FREQ=FORTNIGHTLY"),
        (["--rrule", "FREQ=DAILY", "--tz", "Mars/Base"], "--tz: 'Mars/Base' is not a known"),
        (
            ["--rrule", "FREQ=DAILY", "--start", "2026-02-30"],
            "--start: '2026-02-30' is not a valid",
        ),
        (
            ["--rrule", "FREQ=DAILY;COUNT=2", "--start", "2026-11-01"],
            "--rrule: This rule has no occurrences after today.",
        ),
        (
            ["--rrule", "FREQ=DAILY;UNTIL=20261122", "--start", "2026-11-01"],
            r"--rrule: UNTIL \(2026-11-22\) is in the past",
        ),
        (
            ["--rrule", "FREQ=DAILY", "--start", "2025-01-01", "--catch-up", "all"],
            "--start: This rule would create 692 tasks at once, more than the limit of 500",
        ),
        (["--cron", "0 9 1 * 1"], "--cron: Cron '0 9 1 \\* 1' runs when either"),
        (["--cron", "0 9 * * 1", "--time", "10:00"], "--time: a cron carries its own time"),
        (["--rrule", "FREQ=DAILY", "--assignee", "nobody"], "--assignee: there is no active user"),
    ],
)
def test_add_refuses_bad_input_and_saves_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run("add", "--title", "X", *args)
    assert RecurringRule.objects.count() == 0


def test_usage_mistakes_exit_with_status_2():
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "recurring", "add", "--title", "X"]).execute()
    assert exited.value.code == 2


def test_generate_prints_counts_and_records_a_job_run(make_rule):
    make_rule(start=MONDAY - timedelta(days=2), catch_up="all")
    out = json.loads(run("generate", "--json"))
    assert out["ran"] and out["counts"]["created"] == 3
    run_row = JobRun.objects.get(pk=out["run"])
    assert (run_row.kind, run_row.trigger, run_row.status, run_row.counts["created"]) == (
        "recurring.generate",
        "command",
        "succeeded",
        3,
    )
    assert run("generate").startswith("0 created, 0 skipped, 0 recovered, 0 failed, 0 refused")


def test_generate_through_a_date_and_exit_status_1_on_a_refused_rule(make_rule, settings):
    rule = make_rule(start=MONDAY)
    run("generate", "--through", "2026-11-30")
    assert occurrences(rule) == [MONDAY + timedelta(days=i) for i in range(8)]
    settings.RECURRING_MAX_PER_RUN = 3
    with pytest.raises(CommandError, match="1 schedule"):
        run("generate", "--through", "2026-12-31")
    rule.refresh_from_db()
    assert rule.last_error.startswith("This rule would create 31 tasks at once")
    with pytest.raises(CommandError, match="is not a date"):
        run("generate", "--through", "soon")


# --- the seed of real chores -----------------------------------------------------------------


def test_the_seven_real_chores_load_once_and_do_not_flood_a_fresh_install(operator):
    out = run("load")
    assert "7 created, 0 assigned, 0 unchanged" in out
    rules = {r.seed_key: r for r in RecurringRule.objects.all()}
    assert len(rules) == 7
    assert {r.start_date for r in rules.values()} == {MONDAY}
    assert {r.assignee for r in rules.values()} == {operator}
    assert rules["slack-dump"].sentence == "Monthly on day 1 at 09:00, Europe/Berlin"
    assert rules["invite-people-to-slack"].systems == ["airtable", "slack"]
    assert rules["invite-people-to-slack"].instruction_doc == (
        "sop.community.book-of-the-week.invite-people-to-slack-from-the-airtable-form"
    )
    assert rules["bookkeeping-check"].rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert "0 created, 0 assigned, 7 unchanged" in run("load")
    report = json.loads(run("generate", "--json"))
    # Monday: the two daily chores and the Monday bookkeeping check; nothing from before.
    assert report["counts"]["created"] == 3


def test_a_seed_loaded_before_the_people_exist_gets_them_later(make_user):
    report = recurring_seed_load()
    assert (len(report.created), report.missing_people) == (7, {"grace"})
    assert not RecurringRule.objects.filter(assignee__isnull=False).exists()
    grace = make_user("grace")
    rule = RecurringRule.objects.get(seed_key="slack-dump")
    rule.title = "Create the Slack dump (edited)"
    rule.save()
    report = recurring_seed_load()
    assert len(report.assigned) == 7
    rule.refresh_from_db()
    assert (rule.assignee, rule.title) == (grace, "Create the Slack dump (edited)")


def test_a_bad_seed_file_is_refused_whole(tmp_path):
    text = SEED_FILE.read_text().replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=XX")
    text = text.replace("key: slack-dump", "key: Slack Dump")
    with pytest.raises(CommandError) as refused:
        run("load", str(write(tmp_path, "recurring.yaml", text)))
    message = str(refused.value)
    assert "rules[2] (newsletter-next-week).schedule: BYDAY=XX is not valid" in message
    assert "rules[5] (Slack Dump).key: “Slack Dump” must use lowercase" in message
    assert RecurringRule.objects.count() == 0


# --- health ------------------------------------------------------------------------------------


def _run_row(status: str, minutes_ago: int, error: str = "") -> JobRun:
    from django.utils import timezone

    when = timezone.now() - timedelta(minutes=minutes_ago)
    return JobRun.objects.create(
        kind="recurring.generate",
        status=status,
        created_at=when,
        started_at=when,
        finished_at=when,
        error=error,
    )


def test_health_follows_the_last_runs(make_rule):
    assert (check_recurring().status, check_recurring().detail) == (WARN, NEVER_RAN)
    _run_row("succeeded", 2)
    assert check_recurring().status == OK
    JobRun.objects.all().delete()
    _run_row("succeeded", 20)
    assert check_recurring().status == WARN
    _run_row("succeeded", 1)
    _run_row("failed", 0, error="OperationalError: the database is gone\n\ntraceback")
    result = check_recurring()
    assert result.status == FAIL and "OperationalError: the database is gone" in result.detail
    _run_row("succeeded", 0)
    JobRun.objects.filter(status="succeeded").update(
        finished_at=JobRun.objects.filter(status="failed").get().finished_at + timedelta(seconds=1)
    )
    rule = make_rule()
    RecurringRule.objects.filter(pk=rule.pk).update(last_error="Too many")
    assert check_recurring().status == WARN
    JobRun.objects.all().delete()
    _run_row("succeeded", 90)
    assert check_recurring().status == FAIL


def test_health_lists_the_recurring_check(settings):
    assert "tasks.health.check_recurring" in settings.HEALTH_CHECKS
