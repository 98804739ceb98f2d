"""Bad input gets one exception type with a message naming what to fix; good input is
accepted in its everyday spellings and stored canonically."""

from datetime import UTC, date, time

import pytest

from tasks.schedules import ScheduleError, errors, parse_rrule

TODAY = date(2026, 6, 1)
GOOD = {"start": date(2026, 6, 1), "time": time(9), "tz": "Europe/Berlin", "today": TODAY}


def refusal(text: str, **overrides) -> str:
    with pytest.raises(ScheduleError) as error:
        parse_rrule(text, **(GOOD | overrides))
    return str(error.value)


BAD_RULES = [
    ("", errors.EMPTY_RULE),
    ("RRULE:", errors.EMPTY_RULE),
    ("FREQ=DAILY;EVERYDAY", errors.BAD_PART.format(part="EVERYDAY")),
    ("FREQ=DAILY;=3", errors.BAD_PART.format(part="=3")),
    ("FREQ=DAILY;X-COLOUR=RED", errors.UNKNOWN_PART.format(name="X-COLOUR")),
    ("FREQ=DAILY;FREQ=WEEKLY", errors.DUPLICATE_PART.format(name="FREQ")),
    ("FREQ=DAILY;INTERVAL=", errors.EMPTY_VALUE.format(name="INTERVAL")),
    ("INTERVAL=2", errors.MISSING_FREQ),
    ("FREQ=FORTNIGHTLY", errors.UNKNOWN_FREQ.format(value="FORTNIGHTLY")),
    ("FREQ=HOURLY", errors.SUB_DAILY_FREQ.format(value="HOURLY")),
    ("FREQ=MINUTELY;INTERVAL=15", errors.SUB_DAILY_FREQ.format(value="MINUTELY")),
    ("FREQ=SECONDLY", errors.SUB_DAILY_FREQ.format(value="SECONDLY")),
    ("FREQ=DAILY;BYHOUR=9,17", errors.TIME_PART.format(name="BYHOUR")),
    ("FREQ=DAILY;BYMINUTE=30", errors.TIME_PART.format(name="BYMINUTE")),
    ("FREQ=DAILY;BYSECOND=0", errors.TIME_PART.format(name="BYSECOND")),
    ("FREQ=DAILY;INTERVAL=0", errors.BAD_INTERVAL.format(value="0")),
    ("FREQ=DAILY;INTERVAL=-2", errors.BAD_INTERVAL.format(value="-2")),
    ("FREQ=DAILY;INTERVAL=two", errors.BAD_INTERVAL.format(value="TWO")),
    ("FREQ=DAILY;COUNT=0", errors.BAD_COUNT.format(value="0")),
    ("FREQ=DAILY;COUNT=-5", errors.BAD_COUNT.format(value="-5")),
    ("FREQ=DAILY;COUNT=3;UNTIL=20270101", errors.COUNT_AND_UNTIL),
    ("FREQ=DAILY;UNTIL=20270230", errors.BAD_UNTIL.format(value="20270230")),
    ("FREQ=DAILY;UNTIL=2027-01-01", errors.BAD_UNTIL.format(value="2027-01-01")),
    ("DTSTART:20260601T090000\nRRULE:FREQ=DAILY", errors.DTSTART_IN_RULE),
    ("DTSTART;TZID=Europe/Berlin:20260601T090000\nRRULE:FREQ=DAILY", errors.DTSTART_IN_RULE),
    ("FREQ=DAILY;DTSTART=20260601T090000", errors.DTSTART_IN_RULE),
    ("RRULE:FREQ=DAILY\nEXDATE:20260605", errors.EXTRA_LINE.format(line="EXDATE:20260605")),
    (
        "FREQ=WEEKLY;BYDAY=MONDAY",
        errors.BAD_WEEKDAY.format(
            name="BYDAY", value="MONDAY", extra=", optionally after a number such as 2MO or -1FR"
        ),
    ),
    ("FREQ=WEEKLY;WKST=XX", errors.BAD_WEEKDAY.format(name="WKST", value="XX", extra="")),
    ("FREQ=WEEKLY;BYDAY=2MO", errors.NTH_WEEKDAY_NEEDS_MONTHLY.format(value="2MO")),
    (
        "FREQ=MONTHLY;BYDAY=6MO",
        errors.BAD_NUMBER.format(
            name="BYDAY",
            value="6MO",
            allowed="the number must be 1 to 5 or -5 to -1 with FREQ=MONTHLY",
        ),
    ),
    (
        "FREQ=MONTHLY;BYMONTHDAY=32",
        errors.BAD_NUMBER.format(name="BYMONTHDAY", value="32", allowed="use 1 to 31 or -31 to -1"),
    ),
    (
        "FREQ=MONTHLY;BYMONTHDAY=0",
        errors.BAD_NUMBER.format(name="BYMONTHDAY", value="0", allowed="use 1 to 31 or -31 to -1"),
    ),
    (
        "FREQ=YEARLY;BYMONTH=13",
        errors.BAD_NUMBER.format(name="BYMONTH", value="13", allowed="use 1 to 12"),
    ),
    (
        "FREQ=WEEKLY;BYMONTHDAY=1",
        errors.PART_NOT_WITH_FREQ.format(name="BYMONTHDAY", freq="WEEKLY"),
    ),
    (
        "FREQ=MONTHLY;BYYEARDAY=1",
        errors.PART_NOT_WITH_FREQ.format(name="BYYEARDAY", freq="MONTHLY"),
    ),
    ("FREQ=MONTHLY;BYWEEKNO=1", errors.PART_NOT_WITH_FREQ.format(name="BYWEEKNO", freq="MONTHLY")),
    ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", errors.NTH_WEEKDAY_WITH_WEEKNO.format(value="1MO")),
    ("FREQ=MONTHLY;BYSETPOS=-1", errors.SETPOS_ALONE),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", errors.NEVER_OCCURS),
    ("FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31", errors.NEVER_OCCURS),
    ("FREQ=MONTHLY;INTERVAL=2;BYMONTH=7", errors.NEVER_OCCURS),  # June, Aug, Oct… never July
    ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", errors.NEVER_OCCURS),  # from a Monday: only Mondays
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", errors.NEVER_OCCURS),
]


@pytest.mark.parametrize(("text", "message"), BAD_RULES, ids=[t or "empty" for t, _ in BAD_RULES])
def test_a_bad_rule_is_refused_with_a_message_naming_the_problem(text, message):
    assert refusal(text) == message


BAD_CONTEXT = [
    (
        "FREQ=DAILY;UNTIL=20260101",
        {"start": date(2025, 1, 1)},
        errors.UNTIL_PAST.format(until=date(2026, 1, 1)),
    ),
    (
        "FREQ=DAILY;UNTIL=20260501",
        {},
        errors.UNTIL_BEFORE_START.format(until=date(2026, 5, 1), start=date(2026, 6, 1)),
    ),
    ("FREQ=DAILY;COUNT=5", {"start": date(2026, 1, 1)}, errors.NO_FUTURE),
    # 23:59:59 UTC is 01:59:59 on 1 June in Berlin, before that day's 09:00 occurrence.
    ("FREQ=DAILY;UNTIL=20260531T235959Z", {"start": date(2026, 5, 1)}, errors.NO_FUTURE),
    ("FREQ=DAILY", {"tz": "Mars/Olympus_Mons"}, errors.BAD_TZ.format(tz="Mars/Olympus_Mons")),
    ("FREQ=DAILY", {"tz": ""}, errors.BAD_TZ.format(tz="")),
    ("FREQ=DAILY", {"tz": "../../etc/passwd"}, errors.BAD_TZ.format(tz="../../etc/passwd")),
    ("FREQ=DAILY", {"start": "2026-02-30"}, errors.BAD_START.format(value="2026-02-30")),
    ("FREQ=DAILY", {"start": "next monday"}, errors.BAD_START.format(value="next monday")),
    (
        "FREQ=DAILY",
        {"start": date(1066, 10, 14)},
        errors.START_OUT_OF_RANGE.format(value=date(1066, 10, 14), lo=1900, hi=2999),
    ),
    ("FREQ=DAILY", {"time": "25:00"}, errors.BAD_TIME.format(value="25:00")),
    ("FREQ=DAILY", {"time": time(9, tzinfo=UTC)}, errors.TIME_WITH_ZONE),
]


@pytest.mark.parametrize(("text", "overrides", "message"), BAD_CONTEXT)
def test_a_rule_is_refused_against_its_start_zone_and_today(text, overrides, message):
    assert refusal(text, **overrides) == message


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("rrule:freq=weekly;interval=2;byday=mo", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        (" RRULE : FREQ = WEEKLY ; BYDAY = WE , MO ; ", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("BYDAY=MO;FREQ=WEEKLY;INTERVAL=1;WKST=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=MONTHLY;BYDAY=+2MO", "FREQ=MONTHLY;BYDAY=2MO"),
        (
            "FREQ=MONTHLY;BYSETPOS=-1;BYMONTHDAY=31,30,29,28",
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
        ),
        ("FREQ=DAILY;UNTIL=20261231T225959Z", "FREQ=DAILY;UNTIL=20261231T225959Z"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;WKST=SU", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;WKST=SU"),
    ],
)
def test_everyday_spellings_are_accepted_and_stored_canonically(text, canonical):
    assert parse_rrule(text, **GOOD).rrule == canonical


def test_an_occurrence_today_counts_as_a_future_occurrence():
    rule = parse_rrule("FREQ=DAILY;COUNT=1", **GOOD)

    assert rule.rrule == "FREQ=DAILY;COUNT=1"


def test_stored_rules_that_have_finished_load_without_today():
    rule = parse_rrule("FREQ=DAILY;COUNT=5", **(GOOD | {"start": date(2020, 1, 1), "today": None}))

    assert rule.start == date(2020, 1, 1)


def test_start_and_time_may_come_as_iso_text():
    rule = parse_rrule("FREQ=DAILY", **(GOOD | {"start": "2026-07-01", "time": "07:45"}))

    assert (rule.start, rule.time) == (date(2026, 7, 1), time(7, 45))


def test_the_error_type_is_a_value_error():
    assert issubclass(ScheduleError, ValueError)
