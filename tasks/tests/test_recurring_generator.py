"""The generator end to end: rules in the database, time frozen, ticks run, tasks counted.

The schedule maths has its own tests (test_schedules_*); these prove the integration: the
checkpoint, the catch-up policy, DST, month ends, working days, pause/resume, edits,
failures and the database's final guard, as the beat tick sees them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dataops.errors import ServiceError
from dataops.models import JobRun, Notification
from tasks import services
from tasks.models import ClosureDay, RecurringRule, Task
from tasks.schedules import due_at, errors
from tasks.services import recurring as generator
from tasks.services import schedules as schedule_services
from tasks.tests.conftest import at, due_dates, occurrences, tick

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
MONDAY = date(2026, 6, 1)


def days_from(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


# --- catch-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "missed_created"), [("all", 10), ("latest", 1), ("none", 0)])
def test_ten_days_without_a_run_create_10_1_or_0_missed_tasks_then_continue(
    make_rule, policy, missed_created
):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY, catch_up=policy)
        assert tick().tasks == 1
    with time_machine.travel(at(MONDAY + timedelta(days=11)), tick=False):
        report = tick()
    # Days 1…10 were missed; day 11 is simply today's chore, whatever the policy.
    assert report.tasks == missed_created + 1
    assert report.skipped == 10 - missed_created
    missed = [d for d in occurrences(rule) if MONDAY < d < MONDAY + timedelta(days=11)]
    assert len(missed) == missed_created
    if policy == "latest":
        assert missed == [MONDAY + timedelta(days=10)]
    with time_machine.travel(at(MONDAY + timedelta(days=12)), tick=False):
        assert tick().tasks == 1
        assert tick().tasks == 0  # a rerun the same day creates nothing
    assert occurrences(rule)[-2:] == [MONDAY + timedelta(days=11), MONDAY + timedelta(days=12)]
    rule.refresh_from_db()
    assert rule.generated_through == MONDAY + timedelta(days=12)
    assert rule.next_run_on == MONDAY + timedelta(days=13)


def test_a_new_rule_started_in_the_past_follows_its_policy_on_the_first_run(make_rule):
    with time_machine.travel(at(MONDAY), tick=False):
        latest = make_rule(start=MONDAY - timedelta(days=5), title="latest")
        everything = make_rule(start=MONDAY - timedelta(days=5), catch_up="all", title="all")
        tick()
    assert occurrences(latest) == [MONDAY - timedelta(days=1), MONDAY]
    assert occurrences(everything) == days_from(MONDAY - timedelta(days=5), 6)


def test_tasks_carry_the_rules_defaults_and_a_history_event(make_rule, operator):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(
            title="Backup MailChimp",
            assignee=operator,
            description="Export it.",
            instruction_doc="sop.x",
            instruction_step="2",
            systems=["mailchimp"],
            tags=["backup"],
            proof_kind="url",
            proof_label="Backup folder",
        )
        tick()
    task = rule.tasks.get()
    assert (task.title, task.assignee, task.source, task.due_date, task.occurrence_date) == (
        "Backup MailChimp",
        operator,
        Task.Source.RECURRING,
        MONDAY,
        MONDAY,
    )
    assert (task.instruction_doc, task.instruction_step, task.systems, task.tags) == (
        "sop.x",
        "2",
        ["mailchimp"],
        ["backup"],
    )
    assert (task.proof_kind, task.proof_label, task.description) == (
        "url",
        "Backup folder",
        "Export it.",
    )
    event = task.history.get()
    assert event.action == "created" and "Backup MailChimp" in event.note
    rule.refresh_from_db()
    assert rule.last_generated_at is not None and rule.last_error == ""


# --- DST -----------------------------------------------------------------------------------------


def _ticks_every_hour(first: datetime, hours: int):
    for hour in range(hours):
        yield first + timedelta(hours=hour)


@pytest.mark.parametrize(
    "transition", [date(2026, 3, 29), date(2026, 10, 25)], ids=["spring-forward", "fall-back"]
)
@pytest.mark.parametrize("local_time", [time(9, 0), time(2, 30)], ids=["09:00", "02:30"])
def test_a_daily_rule_makes_one_task_per_local_day_across_dst(make_rule, transition, local_time):
    """Ticks every hour (UTC) from two days before a Berlin DST change to two days after.

    02:30 does not exist on 29 March (clocks jump 02:00 → 03:00) and happens twice on 25
    October. Occurrences are local *dates*, so neither changes how many tasks there are: one
    per local day, dated that day. Only the instant the task is due moves, by PEP 495 fold=0
    (see tasks/schedules/occurrences.py): the missing 02:30 is due at 03:30 CEST, the doubled
    one at the first 02:30 (CEST).
    """
    first_day = transition - timedelta(days=2)
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime.combine(first_day, time(0, 30), berlin).astimezone(UTC)
    with time_machine.travel(start, tick=False):
        rule = make_rule(start=first_day, time_of_day=local_time)
    for instant in _ticks_every_hour(start, 5 * 24 - 2):  # up to day 5 evening
        with time_machine.travel(instant, tick=False):
            tick()
            local_today = instant.astimezone(berlin).date()
            assert occurrences(rule)[-1] == local_today  # created as the local day begins
    assert occurrences(rule) == days_from(first_day, 5)
    assert all(due == day for day, due in due_dates(rule).items())
    assert Task.objects.filter(recurring_rule=rule).count() == 5
    due = due_at(rule.parsed(), transition).astimezone(berlin)
    if local_time == time(2, 30) and transition.month == 3:
        assert (due.hour, due.minute, due.utcoffset()) == (3, 30, timedelta(hours=2))
    elif local_time == time(2, 30):
        assert (due.hour, due.minute, due.fold, due.utcoffset()) == (2, 30, 0, timedelta(hours=2))


def test_the_local_day_decides_not_the_utc_day(make_rule):
    """At 00:30 in Berlin it is still yesterday in UTC: today's Berlin task is created."""
    day = date(2026, 7, 1)
    with time_machine.travel(at(day - timedelta(days=1), 12), tick=False):
        rule = make_rule(start=day - timedelta(days=1))
        tick()
    instant = at(day, 0, 30)
    assert instant.astimezone(UTC).date() == day - timedelta(days=1)
    with time_machine.travel(instant, tick=False):
        tick()
    assert occurrences(rule) == [day - timedelta(days=1), day]
    with time_machine.travel(at(day, 0, 30, tz="America/Los_Angeles"), tick=False):
        la = make_rule(start=day, timezone="America/Los_Angeles", title="LA")
        tick()
    assert occurrences(la) == [day]  # and not the 2nd, which has begun in Berlin


# --- month ends and leap years -------------------------------------------------------------------


def test_month_ends_through_a_year_with_29_february(make_rule):
    start, end = date(2027, 12, 1), date(2028, 12, 31)
    with time_machine.travel(at(start), tick=False):
        skip = make_rule("FREQ=MONTHLY;BYMONTHDAY=31", start=start, catch_up="all", title="31st")
        clamp = make_rule(
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            start=start,
            catch_up="all",
            title="31st or last",
        )
        last = make_rule(
            "FREQ=MONTHLY;BYMONTHDAY=-1", start=start, catch_up="all", title="last day"
        )
        tick(through=end)  # generate ahead through the whole year
    month_ends = [date(2027, 12, 31)] + [
        (date(2028, m + 1, 1) if m < 12 else date(2029, 1, 1)) - timedelta(days=1)
        for m in range(1, 13)
    ]
    assert date(2028, 2, 29) in month_ends
    assert occurrences(last) == month_ends
    assert occurrences(clamp) == month_ends
    assert occurrences(skip) == [d for d in month_ends if d.day == 31]
    assert len(occurrences(skip)) == 8


def test_yearly_on_29_february(make_rule):
    start = date(2025, 1, 1)
    with time_machine.travel(at(start), tick=False):
        leap_only = make_rule(
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", start=start, catch_up="all", title="leap only"
        )
        every_year = make_rule(
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
            start=start,
            catch_up="all",
            title="28th otherwise",
        )
    with time_machine.travel(at(date(2033, 3, 1)), tick=False):
        tick()
    assert occurrences(leap_only) == [date(2028, 2, 29), date(2032, 2, 29)]
    assert occurrences(every_year) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
        date(2033, 2, 28),
    ]


# --- working days --------------------------------------------------------------------------------


@pytest.fixture
def german_calendar(settings):
    settings.HOLIDAYS_COUNTRY = "DE"


def test_next_working_day_skips_weekend_holiday_and_closure(make_rule, german_calendar):
    # 1 May 2026 is a Friday and a German holiday; 1 August 2026 is a Saturday.
    ClosureDay.objects.create(date=date(2026, 8, 3), reason="Team offsite")
    start = date(2026, 4, 1)
    with time_machine.travel(at(start), tick=False):
        rule = make_rule("FREQ=MONTHLY;BYMONTHDAY=1", start=start, shift="next", catch_up="all")
        tick(through=date(2026, 9, 30))
    due = due_dates(rule)
    assert due[date(2026, 4, 1)] == date(2026, 4, 1)  # a Wednesday: its own day
    assert due[date(2026, 5, 1)] == date(2026, 5, 4)  # holiday + weekend → Monday
    assert due[date(2026, 8, 1)] == date(2026, 8, 4)  # weekend + closure → Tuesday
    assert due[date(2026, 9, 1)] == date(2026, 9, 1)


def test_previous_working_day_and_the_task_is_created_on_that_earlier_day(
    make_rule, german_calendar
):
    ClosureDay.objects.create(date=date(2026, 7, 31), reason="Summer party")
    start = date(2026, 4, 1)
    with time_machine.travel(at(start), tick=False):
        rule = make_rule("FREQ=MONTHLY;BYMONTHDAY=1", start=start, shift="previous")
        tick()
    with time_machine.travel(at(date(2026, 4, 29)), tick=False):
        tick()
    assert date(2026, 5, 1) not in occurrences(rule)  # due on the 30th: not yet
    with time_machine.travel(at(date(2026, 4, 30)), tick=False):
        tick()  # Thursday 30 April: 1 May (holiday) is due today
    assert due_dates(rule)[date(2026, 5, 1)] == date(2026, 4, 30)
    with time_machine.travel(at(date(2026, 7, 30)), tick=False):
        tick(through=date(2026, 8, 2))
    # Saturday 1 August → Friday 31 July is a closure day → Thursday 30 July.
    assert due_dates(rule)[date(2026, 8, 1)] == date(2026, 7, 30)
    assert len(occurrences(rule)) == len(set(occurrences(rule)))


@pytest.mark.parametrize("shift", ["next", "previous"])
def test_shifted_occurrences_colliding_with_the_next_make_one_task(
    make_rule, german_calendar, shift
):
    """Saturday and Sunday shift onto Monday (next) or Friday (previous), which have their
    own occurrence: one task per due date, the working day's own occurrence wins."""
    friday = date(2026, 6, 5)
    with time_machine.travel(at(friday), tick=False):
        rule = make_rule(start=friday, shift=shift)
        skipped = tick().skipped  # `previous` settles the weekend already on Friday
    with time_machine.travel(at(friday + timedelta(days=3)), tick=False):
        skipped += tick().skipped
    assert occurrences(rule) == [friday, friday + timedelta(days=3)]
    assert skipped == 2
    assert all(due == day for day, due in due_dates(rule).items())
    assert Task.objects.filter(recurring_rule=rule).values("due_date").distinct().count() == 2


def test_closure_added_later_brings_a_previous_shift_rule_back_to_the_tick(
    make_rule, german_calendar
):
    start = date(2026, 6, 1)
    with time_machine.travel(at(start), tick=False):
        rule = make_rule("FREQ=MONTHLY;BYMONTHDAY=15", start=start, shift="previous")
        tick()
    rule.refresh_from_db()
    assert rule.next_run_on == date(2026, 6, 15)
    for day in (12, 11):  # Friday 12 and Thursday 11 June become closure days
        services.closure_day_save(closure=ClosureDay(date=date(2026, 6, day)), by=None)
    rule.refresh_from_db()
    assert rule.next_run_on <= date(2026, 6, 10)
    with time_machine.travel(at(date(2026, 6, 10)), tick=False):
        tick()
    # Monday 15 June is a working day: still due on the day; nothing was created early.
    assert occurrences(rule) == []
    with time_machine.travel(at(date(2026, 6, 15)), tick=False):
        tick()
    assert due_dates(rule) == {date(2026, 6, 15): date(2026, 6, 15)}


# --- pause, resume, edit -------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "created_on_resume"), [("latest", 2), ("none", 1)])
def test_pausing_two_weeks_then_resuming_does_not_flood(make_rule, policy, created_on_resume):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY, catch_up=policy)
        tick()
        services.schedule_pause(schedule=rule, by=None)
    back = MONDAY + timedelta(days=14)
    with time_machine.travel(at(MONDAY + timedelta(days=7)), tick=False):
        assert tick().schedules == 0  # paused: not even looked at
    with time_machine.travel(at(back), tick=False):
        resumed = services.schedule_resume(schedule=rule, by=None)
        assert (resumed.missed, resumed.created) == (13, created_on_resume - 1)
        assert "13 occurrences passed while it was paused" in resumed.message
        assert tick().tasks == created_on_resume
    assert len(occurrences(rule)) == 1 + created_on_resume
    assert occurrences(rule)[-1] == back


def test_editing_a_schedule_never_regenerates_past_occurrences(make_rule):
    wednesday = date(2026, 6, 3)
    with time_machine.travel(at(wednesday), tick=False):
        rule = make_rule(start=wednesday, catch_up="all")
        tick()
    with time_machine.travel(at(wednesday + timedelta(days=2)), tick=False):
        tick()
        before = occurrences(rule)
        assert before == days_from(wednesday, 3)
        data = services.RuleInput(
            title="Chore",
            rrule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
            start_date=wednesday - timedelta(days=60),
            catch_up="all",
        )
        rule = services.recurring_rule_edit(rule=rule, data=data, by=None)
        assert rule.generated_through == wednesday + timedelta(days=2)
        assert tick().tasks == 0  # 60 days of Mondays, Wednesdays, Fridays: none regenerated
    with time_machine.travel(at(wednesday + timedelta(days=9)), tick=False):
        tick()
    assert occurrences(rule) == before + [date(2026, 6, 8), date(2026, 6, 10), date(2026, 6, 12)]


def test_a_finished_rule_leaves_the_tick(make_rule):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule("FREQ=DAILY;COUNT=2", start=MONDAY)
        tick()
    with time_machine.travel(at(MONDAY + timedelta(days=1)), tick=False):
        tick()
    rule.refresh_from_db()
    assert occurrences(rule) == [MONDAY, MONDAY + timedelta(days=1)]
    assert rule.next_run_on is None
    with time_machine.travel(at(MONDAY + timedelta(days=5)), tick=False):
        assert tick().schedules == 0


# --- limits, failures, the final guard -----------------------------------------------------------


def test_a_rule_over_the_per_run_limit_is_refused_and_the_others_go_on(
    make_rule, settings, admin_user
):
    with time_machine.travel(at(MONDAY), tick=False):
        big = make_rule(start=MONDAY, catch_up="all", title="Big")
        small = make_rule(start=MONDAY, title="Small")
        tick()
    settings.RECURRING_MAX_PER_RUN = 5
    with time_machine.travel(at(MONDAY + timedelta(days=10)), tick=False):
        report = tick()
        assert (report.refused, report.tasks) == (1, 2)  # small: latest + today
        big.refresh_from_db()
        assert big.last_error == errors.TOO_MANY_AT_ONCE.format(count=10, limit=5)
        assert big.generated_through == MONDAY  # nothing settled: it stays due
        assert big.is_due(MONDAY + timedelta(days=10))  # every tick retries until fixed
        assert occurrences(big) == [MONDAY]
        assert occurrences(small)[-1] == MONDAY + timedelta(days=10)
        notice = Notification.objects.get(recipient=admin_user, kind="recurring_failed")
        assert "“Big” could not generate: This rule would create 10 tasks" in notice.text
        tick()
        assert Notification.objects.filter(kind="recurring_failed").count() == 1  # once a day
        settings.RECURRING_MAX_PER_RUN = 500
        assert tick().tasks == 10
    big.refresh_from_db()
    assert big.last_error == ""


def test_one_failing_rule_is_recorded_and_the_rest_continue(make_rule, monkeypatch, admin_user):
    with time_machine.travel(at(MONDAY), tick=False):
        rules = [make_rule(start=MONDAY, title=f"Rule {i}") for i in range(3)]
        real = generator._tasks_for

        def broken(rule, planned):
            if rule.title == "Rule 1":
                raise RuntimeError("the disk is full")
            return real(rule, planned)

        monkeypatch.setattr(generator, "_tasks_for", broken)
        from tasks.tasks import generate_recurring

        result = generate_recurring.delay()
        assert result.successful()
    run = JobRun.objects.get(kind="recurring.generate")
    assert run.status == JobRun.Status.SUCCEEDED
    assert (run.counts["created"], run.counts["failed"]) == (2, 1)
    assert "Rule 1: RuntimeError: the disk is full" in run.note
    assert [len(occurrences(r)) for r in rules] == [1, 0, 1]
    rules[1].refresh_from_db()
    assert (rules[1].last_error, rules[1].generated_through) == (
        "RuntimeError: the disk is full",
        None,
    )
    assert Notification.objects.filter(recipient=admin_user, kind="recurring_failed").exists()
    monkeypatch.setattr(generator, "_tasks_for", real)
    with time_machine.travel(at(MONDAY), tick=False):
        assert tick().tasks == 1  # fixed: the next tick catches up
    rules[1].refresh_from_db()
    assert rules[1].last_error == ""


def test_the_unique_constraint_is_the_final_guard(make_rule, monkeypatch):
    """A writer that skipped the lock and the pre-check still cannot duplicate: the batch
    conflicts, its rows are retried one by one, the duplicate is counted as skipped."""
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY, catch_up="all")
    with time_machine.travel(at(MONDAY + timedelta(days=2)), tick=False):
        Task.objects.create(
            title="Made elsewhere",
            due_date=MONDAY + timedelta(days=1),
            recurring_rule=rule,
            occurrence_date=MONDAY + timedelta(days=1),
            source=Task.Source.RECURRING,
        )
        monkeypatch.setattr(generator, "existing_occurrences", lambda rule, dates: set())
        report = tick()
    assert (report.tasks, report.skipped, report.failed) == (2, 1, 0)
    assert occurrences(rule) == days_from(MONDAY, 3)
    assert rule.tasks.get(occurrence_date=MONDAY + timedelta(days=1)).title == "Made elsewhere"


def test_generate_now_settles_one_rule_even_before_its_next_run_day(make_rule):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY)
        other = make_rule(start=MONDAY, title="Other")
        report = services.recurring_generate_one(schedule=rule)
        assert (report.tasks, occurrences(rule), occurrences(other)) == (1, [MONDAY], [])
        assert services.recurring_generate_one(schedule=rule).tasks == 0


@pytest.mark.parametrize("hour", [10, 22])  # late evening: "tomorrow" has begun further east
def test_a_tick_with_nothing_due_reads_no_rule(make_rule, hour):
    with time_machine.travel(at(MONDAY, hour), tick=False):
        for i in range(20):
            make_rule(start=MONDAY, title=f"Rule {i}")
        assert tick().tasks == 20
        with CaptureQueriesContext(connection) as queries:
            report = tick()
    assert (report.schedules, report.created) == (0, 0)
    # advisory lock, the rules' zones, due rules, the templates' zones (none automatic: no
    # due-templates query), incomplete workflows, unlock
    assert len(queries) <= 6, [q["sql"][:80] for q in queries]


def test_the_tick_is_a_beat_job_recorded_in_the_ledger(make_rule, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recurring-generate"]
    assert entry == {
        "task": "tasks.tasks.generate_recurring",
        "schedule": settings.RECURRING_TICK_MINUTES * 60.0,
    }
    from tasks.tasks import generate_recurring

    with time_machine.travel(at(MONDAY), tick=False):
        make_rule(start=MONDAY)
        generate_recurring.delay()
    run = JobRun.objects.get(kind="recurring.generate")
    assert run.counts == {
        "created": 1,
        "skipped": 0,
        "recovered": 0,
        "failed": 0,
        "refused": 0,
        "tasks": 1,
        "workflows": 0,
        "schedules": 1,
    }


@pytest.mark.postgres
def test_a_run_finding_the_lock_taken_records_skipped_already_running(make_rule):
    from django.db import connections

    with time_machine.travel(at(MONDAY), tick=False):
        make_rule(start=MONDAY)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [generator.LOCK_KEY])
        from tasks.tasks import generate_recurring

        with time_machine.travel(at(MONDAY), tick=False):
            generate_recurring.delay()
    finally:
        with other.cursor() as cursor:  # released now, not when its server process exits
            cursor.execute("SELECT pg_advisory_unlock(%s)", [generator.LOCK_KEY])
        other.close()
    run = JobRun.objects.get(kind="recurring.generate")
    assert (run.status, run.note, run.counts) == ("succeeded", "skipped: already running", {})
    assert Task.objects.count() == 0


def test_deleting_a_rule_with_tasks_is_refused_with_the_count(make_rule):
    with time_machine.travel(at(MONDAY), tick=False):
        rule = make_rule(start=MONDAY - timedelta(days=2), catch_up="all")
        unused = make_rule(start=MONDAY + timedelta(days=5), title="Unused")
        tick()
    with pytest.raises(ServiceError) as refused:
        services.recurring_rule_delete(rule=rule, by=None)
    assert str(refused.value) == (
        "This rule has generated 3 tasks, so it cannot be deleted: pause it instead (its "
        "tasks and their history stay)."
    )
    assert RecurringRule.objects.filter(pk=rule.pk).exists()
    services.recurring_rule_delete(rule=unused, by=None)
    assert not RecurringRule.objects.filter(pk=unused.pk).exists()


def test_first_run_on_is_exposed_for_rules_shifting_back(make_rule, german_calendar):
    with time_machine.travel(at(date(2026, 4, 20)), tick=False):
        rule = make_rule("FREQ=MONTHLY;BYMONTHDAY=1", start=date(2026, 4, 20), shift="previous")
    assert rule.next_run_on == date(2026, 4, 30)  # 1 May is a holiday
    assert schedule_services.first_run_on(rule) == date(2026, 4, 30)
