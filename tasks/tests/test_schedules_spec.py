"""The form's schedule spec: exact RRULEs, normalization, refusals, and the round trip."""

import calendar
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.schedules import (
    Kind,
    ScheduleError,
    ScheduleSpec,
    ShortMonthPolicy,
    errors,
    next_dates,
    parse_rrule,
    spec_from_rrule,
    to_rrule,
)

START = date(2026, 11, 23)  # a Monday
NINE = time(9)


def spec(kind: Kind, **fields) -> ScheduleSpec:
    return ScheduleSpec(kind=kind, start=fields.pop("start", START), time=NINE, **fields)


@pytest.mark.parametrize(
    ("schedule", "rrule"),
    [
        (spec(Kind.DAILY), "FREQ=DAILY"),
        (spec(Kind.EVERY_N_DAYS, interval=3), "FREQ=DAILY;INTERVAL=3"),
        (spec(Kind.WEEKLY, weekdays=(1,)), "FREQ=WEEKLY;BYDAY=TU"),
        (spec(Kind.WEEKLY, weekdays=(4, 0, 2)), "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        (spec(Kind.EVERY_N_WEEKS, interval=2, weekdays=(0,)), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        (spec(Kind.MONTHLY_ON_DAY, day=1), "FREQ=MONTHLY;BYMONTHDAY=1"),
        (spec(Kind.MONTHLY_LAST_DAY), "FREQ=MONTHLY;BYMONTHDAY=-1"),
        (spec(Kind.MONTHLY_NTH_WEEKDAY, nth=2, weekday=0), "FREQ=MONTHLY;BYDAY=2MO"),
        (spec(Kind.MONTHLY_NTH_WEEKDAY, nth=-1, weekday=4), "FREQ=MONTHLY;BYDAY=-1FR"),
        (
            spec(Kind.YEARLY, month=3, day=1, interval=2),
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=1",
        ),
        (spec(Kind.DAILY, count=10), "FREQ=DAILY;COUNT=10"),
        (spec(Kind.DAILY, until=date(2027, 1, 31)), "FREQ=DAILY;UNTIL=20270131"),
    ],
)
def test_each_kind_has_an_exact_rrule(schedule, rrule):
    assert to_rrule(schedule) == rrule
    assert spec_from_rrule(rrule, schedule.start, schedule.time) == schedule


def test_kind_follows_the_interval_and_unused_fields_are_cleared():
    every_one_day = spec(Kind.EVERY_N_DAYS, interval=1, weekdays=(1,), day=5)
    weekly_twice = spec(Kind.WEEKLY, interval=2, weekdays=(0, 0))

    assert every_one_day == spec(Kind.DAILY)
    assert (weekly_twice.kind, weekly_twice.weekdays) == (Kind.EVERY_N_WEEKS, (0,))


def test_strings_from_a_form_are_accepted_for_the_enums():
    schedule = spec("monthly_on_day", day=31, short_month="skip")

    assert (schedule.kind, schedule.short_month) == (Kind.MONTHLY_ON_DAY, ShortMonthPolicy.SKIP)


def test_a_policy_for_a_day_every_month_has_is_dropped():
    assert spec(Kind.MONTHLY_ON_DAY, day=15, short_month="last_day").short_month is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": Kind.WEEKLY}, errors.NEED_WEEKDAYS),
        ({"kind": Kind.WEEKLY, "weekdays": (7,)}, errors.BAD_WEEKDAY_INDEX.format(value=7)),
        ({"kind": Kind.MONTHLY_ON_DAY, "day": 31}, errors.NEED_SHORT_MONTH_POLICY.format(day=31)),
        ({"kind": Kind.MONTHLY_ON_DAY, "day": 32}, errors.BAD_DAY_OF_MONTH.format(value=32)),
        (
            {"kind": Kind.MONTHLY_ON_DAY},
            errors.FIELD_REQUIRED.format(field="Day of month", kind="monthly_on_day"),
        ),
        (
            {"kind": Kind.MONTHLY_NTH_WEEKDAY, "nth": 6, "weekday": 0},
            errors.BAD_NTH.format(value=6),
        ),
        (
            {"kind": Kind.MONTHLY_NTH_WEEKDAY, "nth": 0, "weekday": 0},
            errors.BAD_NTH.format(value=0),
        ),
        ({"kind": Kind.YEARLY, "month": 2, "day": 29}, errors.NEED_LEAP_DAY_POLICY),
        (
            {"kind": Kind.YEARLY, "month": 4, "day": 31},
            errors.BAD_YEARLY_DATE.format(day=31, month=4),
        ),
        ({"kind": Kind.YEARLY, "month": 13, "day": 1}, errors.BAD_MONTH.format(value=13)),
        ({"kind": Kind.DAILY, "interval": 0}, errors.BAD_INTERVAL.format(value=0)),
        ({"kind": Kind.DAILY, "count": 0}, errors.BAD_COUNT.format(value=0)),
        ({"kind": Kind.DAILY, "count": 2, "until": date(2027, 1, 1)}, errors.COUNT_AND_UNTIL),
        (
            {"kind": Kind.DAILY, "until": date(2026, 1, 1)},
            errors.UNTIL_DATE_BEFORE_START.format(until=date(2026, 1, 1), start=START),
        ),
        (
            {"kind": "hourly"},
            errors.UNKNOWN_CHOICE.format(
                value="hourly", what="schedule kind", choices=", ".join(k.value for k in Kind)
            ),
        ),
        (
            {"kind": Kind.MONTHLY_ON_DAY, "day": 30, "short_month": "round"},
            errors.UNKNOWN_CHOICE.format(
                value="round", what="short-month policy", choices="last_day, skip"
            ),
        ),
    ],
)
def test_an_incomplete_or_impossible_spec_is_refused(fields, message):
    with pytest.raises(ScheduleError) as error:
        ScheduleSpec(start=START, time=NINE, **fields)

    assert str(error.value) == message


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYMONTHDAY=-2",
        "FREQ=MONTHLY;BYDAY=2MO,4MO",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
        "FREQ=YEARLY;BYMONTHDAY=15",
        "FREQ=DAILY;BYDAY=MO,FR",
        "FREQ=DAILY;UNTIL=20270101T000000Z",
    ],
)
def test_rules_the_form_cannot_show_are_raw_only(rrule):
    assert spec_from_rrule(rrule, START, NINE) is None


def test_spec_from_an_invalid_rule_raises():
    with pytest.raises(ScheduleError):
        spec_from_rrule("FREQ=SOMETIMES", START, NINE)


@pytest.mark.parametrize(
    ("rrule", "start", "expected"),
    [
        ("FREQ=WEEKLY", date(2026, 11, 25), {"kind": Kind.WEEKLY, "weekdays": (2,)}),
        (
            "FREQ=MONTHLY",
            date(2026, 1, 31),
            {"kind": Kind.MONTHLY_ON_DAY, "day": 31, "short_month": ShortMonthPolicy.SKIP},
        ),
        (
            "FREQ=YEARLY",
            date(2028, 2, 29),
            {"kind": Kind.YEARLY, "month": 2, "day": 29, "short_month": ShortMonthPolicy.SKIP},
        ),
        ("FREQ=YEARLY;BYMONTH=6", date(2026, 1, 15), {"kind": Kind.YEARLY, "month": 6, "day": 15}),
    ],
)
def test_rules_that_take_their_day_from_the_start_are_editable(rrule, start, expected):
    schedule = spec_from_rrule(rrule, start, NINE)

    assert schedule == ScheduleSpec(start=start, time=NINE, **expected)
    assert _dates(rrule, start) == _dates(to_rrule(schedule), start)


@pytest.mark.parametrize(
    ("until", "expected"),
    [("20270131T090000", date(2027, 1, 31)), ("20270131T085959", date(2027, 1, 30))],
)
def test_a_floating_until_becomes_the_last_included_date(until, expected):
    schedule = spec_from_rrule(f"FREQ=DAILY;UNTIL={until}", START, NINE)

    assert schedule.until == expected
    assert _dates(f"FREQ=DAILY;UNTIL={until}", START, n=366)[-1] == expected


def _dates(rrule: str, start: date, n: int = 40) -> list[date]:
    rule = parse_rrule(rrule, start=start, time=NINE, tz="UTC", today=None)
    return next_dates(rule, after=start - timedelta(days=1), n=n)


# --- properties --------------------------------------------------------------------------------

POLICIES = st.sampled_from(list(ShortMonthPolicy))


@st.composite
def specs(draw) -> ScheduleSpec:
    kind = draw(st.sampled_from(list(Kind)))
    start = draw(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
    fields = {"interval": draw(st.integers(1, 12))}
    if kind in (Kind.WEEKLY, Kind.EVERY_N_WEEKS):
        fields["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), min_size=1)))
    elif kind == Kind.MONTHLY_ON_DAY:
        fields |= {"day": draw(st.integers(1, 31)), "short_month": draw(POLICIES)}
    elif kind == Kind.MONTHLY_NTH_WEEKDAY:
        fields |= {"nth": draw(st.sampled_from([1, 2, 3, 4, 5, -1])),
                   "weekday": draw(st.integers(0, 6))}  # fmt: skip
    elif kind == Kind.YEARLY:
        month = draw(st.integers(1, 12))
        day = draw(st.integers(1, calendar.monthrange(2000, month)[1]))
        fields |= {"month": month, "day": day, "short_month": draw(POLICIES)}
    end = draw(st.sampled_from(["none", "count", "until"]))
    if end == "count":
        fields["count"] = draw(st.integers(1, 500))
    elif end == "until":
        fields["until"] = start + timedelta(days=draw(st.integers(0, 3000)))
    at = draw(st.times()).replace(microsecond=0)
    return ScheduleSpec(kind=kind, start=start, time=at, **fields)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(specs())
def test_spec_to_rrule_to_spec_is_the_identity(schedule):
    assert spec_from_rrule(to_rrule(schedule), schedule.start, schedule.time) == schedule


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    day=st.integers(28, 31),
    policy=POLICIES,
    interval=st.integers(1, 4),
)
def test_month_end_policies_mean_what_they_say(start, day, policy, interval):
    schedule = ScheduleSpec(
        kind=Kind.MONTHLY_ON_DAY,
        start=start,
        time=NINE,
        day=day,
        short_month=policy,
        interval=interval,
    )

    for occurrence in _dates(to_rrule(schedule), start, n=24):
        month_length = calendar.monthrange(occurrence.year, occurrence.month)[1]
        if policy == ShortMonthPolicy.LAST_DAY:
            assert occurrence.day == min(day, month_length)
        else:
            assert occurrence.day == day


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    nth=st.sampled_from([1, 2, 5, -1]),
    weekday=st.integers(0, 6),
)
def test_nth_weekday_lands_in_the_right_week_of_the_month(start, nth, weekday):
    schedule = ScheduleSpec(
        kind=Kind.MONTHLY_NTH_WEEKDAY, start=start, time=NINE, nth=nth, weekday=weekday
    )

    for occurrence in _dates(to_rrule(schedule), start, n=12):
        assert occurrence.weekday() == weekday
        month_length = calendar.monthrange(occurrence.year, occurrence.month)[1]
        if nth == -1:
            assert occurrence.day > month_length - 7
        else:
            assert (occurrence.day - 1) // 7 + 1 == nth


def test_the_spec_is_immutable():
    schedule = spec(Kind.DAILY)

    with pytest.raises(AttributeError):
        schedule.interval = 2  # type: ignore[misc]
