"""The human sentence shown beside a schedule."""

from datetime import date, time

import pytest

from tasks.schedules import Kind, ScheduleSpec, describe, to_rrule
from tasks.schedules.describe import ordinal as ordinal_for_tests

B = "at 09:00, Europe/Berlin"


@pytest.mark.parametrize(
    ("rrule", "sentence"),
    [
        ("FREQ=DAILY", f"Every day {B}"),
        ("FREQ=DAILY;INTERVAL=3", f"Every 3 days {B}"),
        ("FREQ=WEEKLY;BYDAY=TU", f"Every Tuesday {B}"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", f"Every Monday, Wednesday and Friday {B}"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", f"Every weekday (Monday to Friday) {B}"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", f"Every 2 weeks on Monday {B}"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", f"Monthly on day 1 {B}"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", f"Monthly on the last day {B}"),
        ("FREQ=MONTHLY;BYDAY=2MO", f"Monthly on the 2nd Monday {B}"),
        ("FREQ=MONTHLY;BYDAY=-1FR", f"Monthly on the last Friday {B}"),
        (
            "FREQ=MONTHLY;BYDAY=5TH",
            f"Monthly on the 5th Thursday (skipping months without one) {B}",
        ),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", f"Every 3 months on day 15 {B}"),
        ("FREQ=MONTHLY;BYMONTHDAY=31", f"Monthly on day 31 (skipping shorter months) {B}"),
        (
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            f"Monthly on day 31 (or the last day of shorter months) {B}",
        ),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            f"Every year on 29 February (only in leap years) {B}",
        ),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
            f"Every year on 29 February (28 February in other years) {B}",
        ),
        ("FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=1", f"Every 2 years on 1 March {B}"),
        ("FREQ=DAILY;COUNT=10", f"Every day {B} (10 times)"),
        ("FREQ=DAILY;COUNT=1", f"Every day {B} (once)"),
        ("FREQ=DAILY;UNTIL=20261231", f"Every day {B} (until 31 December 2026)"),
        ("FREQ=DAILY;UNTIL=20261231T225959Z", f"Every day {B} (until 2026-12-31 22:59 UTC)"),
    ],
)
def test_form_schedules_read_as_plain_english(rrule, sentence):
    assert describe(rrule, time=time(9), tz="Europe/Berlin") == sentence


@pytest.mark.parametrize(
    ("rrule", "sentence"),
    [
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            f"Every month on Monday to Friday, only the last of these each month {B}",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", f"Every month on days 1 and 15 {B}"),
        ("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", f"Every year on day 1 in January and July {B}"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", f"Every year on Monday in week 20 {B}"),
        ("FREQ=YEARLY;BYYEARDAY=-1", f"Every year on the last day of the year {B}"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", f"Every month on the 2nd-to-last day {B}"),
        ("FREQ=DAILY;BYDAY=MO,FR", f"Every Monday and Friday {B}"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU",
            f"Every 2 weeks on Monday (weeks start on Sunday) {B}",
        ),
        ("FREQ=WEEKLY", f"Every week on the start date's weekday {B}"),
    ],
)
def test_raw_rules_get_a_readable_literal_sentence(rrule, sentence):
    assert describe(rrule, time=time(9), tz="Europe/Berlin") == sentence


def test_the_start_date_fills_in_what_the_rule_leaves_to_it():
    sentence = describe("FREQ=WEEKLY", time=time(9), tz="Europe/Berlin", start=date(2026, 11, 25))

    assert sentence == f"Every Wednesday {B}"


def test_a_spec_and_its_sentence_agree():
    schedule = ScheduleSpec(
        kind=Kind.EVERY_N_WEEKS,
        start=date(2026, 11, 23),
        time=time(7, 5),
        interval=2,
        weekdays=(0,),
    )

    assert describe(to_rrule(schedule), time=schedule.time, tz="UTC") == (
        "Every 2 weeks on Monday at 07:05, UTC"
    )


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (-1, "last"),
        (-2, "2nd-to-last"),
    ],
)
def test_ordinals(n, text):
    assert ordinal_for_tests(n) == text
