"""Month ends and leap years: day 31 with each short-month policy, "last day", 29 February."""

import calendar
from datetime import date, time

import pytest

from tasks.schedules import (
    Kind,
    ScheduleSpec,
    ShortMonthPolicy,
    next_dates,
    occurrences_between,
    parse_rrule,
    to_rrule,
)

START = date(2027, 1, 1)


def dates_of(spec: ScheduleSpec, *, through: date) -> list[date]:
    rule = parse_rrule(to_rrule(spec), start=spec.start, time=spec.time, tz="UTC", today=None)
    batch = occurrences_between(rule, after_exclusive=None, through_inclusive=through)
    return [o.local_date for o in batch.occurrences]


def monthly_on(day: int, policy: ShortMonthPolicy | None, start: date = START) -> ScheduleSpec:
    return ScheduleSpec(
        kind=Kind.MONTHLY_ON_DAY, start=start, time=time(9), day=day, short_month=policy
    )


def month_ends(first_year: int, last_year: int) -> list[date]:
    return [
        date(y, m, calendar.monthrange(y, m)[1])
        for y in range(first_year, last_year + 1)
        for m in range(1, 13)
    ]


def test_day_31_clamped_to_the_last_day_is_every_month_end_through_2028():
    dates = dates_of(monthly_on(31, ShortMonthPolicy.LAST_DAY), through=date(2028, 12, 31))

    assert dates == month_ends(2027, 2028)
    assert date(2027, 2, 28) in dates and date(2028, 2, 29) in dates
    assert date(2028, 4, 30) in dates


def test_day_31_skipping_shorter_months_only_has_31_day_months():
    dates = dates_of(monthly_on(31, ShortMonthPolicy.SKIP), through=date(2028, 12, 31))

    assert [d for d in dates if d.year == 2028] == [
        date(2028, 1, 31), date(2028, 3, 31), date(2028, 5, 31), date(2028, 7, 31),
        date(2028, 8, 31), date(2028, 10, 31), date(2028, 12, 31),
    ]  # fmt: skip
    assert len(dates) == 14


def test_monthly_last_day_equals_day_31_clamped():
    last_day = ScheduleSpec(kind=Kind.MONTHLY_LAST_DAY, start=START, time=time(9))

    assert to_rrule(last_day) == "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert dates_of(last_day, through=date(2028, 12, 31)) == month_ends(2027, 2028)


def test_day_30_clamped_lands_on_february_28_or_29_and_the_30th_elsewhere():
    dates = dates_of(monthly_on(30, ShortMonthPolicy.LAST_DAY), through=date(2028, 12, 31))

    assert [d for d in dates if d.month == 2] == [date(2027, 2, 28), date(2028, 2, 29)]
    assert all(d.day == 30 for d in dates if d.month != 2)
    assert len(dates) == 24


def test_day_29_skipping_shorter_months_has_february_only_in_the_leap_year():
    dates = dates_of(monthly_on(29, ShortMonthPolicy.SKIP), through=date(2028, 12, 31))

    assert [d for d in dates if d.month == 2] == [date(2028, 2, 29)]
    assert len(dates) == 23


@pytest.mark.parametrize(
    ("day", "policy", "rrule"),
    [
        (31, ShortMonthPolicy.LAST_DAY, "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"),
        (30, ShortMonthPolicy.LAST_DAY, "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"),
        (29, ShortMonthPolicy.LAST_DAY, "FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1"),
        (31, ShortMonthPolicy.SKIP, "FREQ=MONTHLY;BYMONTHDAY=31"),
        (15, None, "FREQ=MONTHLY;BYMONTHDAY=15"),
    ],
)
def test_month_end_rrules(day, policy, rrule):
    assert to_rrule(monthly_on(day, policy)) == rrule


def leap_day(policy: ShortMonthPolicy, start: date = date(2026, 1, 1)) -> ScheduleSpec:
    return ScheduleSpec(
        kind=Kind.YEARLY, start=start, time=time(9), month=2, day=29, short_month=policy
    )


def test_yearly_on_29_february_only_in_leap_years_skips_2100():
    spec = leap_day(ShortMonthPolicy.SKIP)
    rule = parse_rrule(to_rrule(spec), start=spec.start, time=spec.time, tz="UTC", today=None)

    assert to_rrule(spec) == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    assert next_dates(rule, after=date(2025, 12, 31), n=3) == [
        date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29),
    ]  # fmt: skip
    assert next_dates(rule, after=date(2096, 3, 1), n=1) == [date(2104, 2, 29)]


def test_yearly_on_29_february_falls_back_to_28_february_in_other_years():
    spec = leap_day(ShortMonthPolicy.LAST_DAY)

    assert to_rrule(spec) == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1"
    assert dates_of(spec, through=date(2030, 12, 31)) == [
        date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29), date(2029, 2, 28),
        date(2030, 2, 28),
    ]  # fmt: skip


def test_a_yearly_date_every_year_has_needs_no_policy():
    spec = ScheduleSpec(
        kind=Kind.YEARLY, start=START, time=time(9), month=12, day=31, short_month="skip"
    )

    assert spec.short_month is None
    assert dates_of(spec, through=date(2029, 1, 1)) == [
        date(2027, 12, 31), date(2028, 12, 31),
    ]  # fmt: skip


def test_every_second_month_on_the_31st_clamped_keeps_its_phase_over_years():
    spec = ScheduleSpec(
        kind=Kind.MONTHLY_ON_DAY, start=date(2027, 1, 31), time=time(9), interval=2, day=31,
        short_month=ShortMonthPolicy.LAST_DAY,
    )  # fmt: skip

    dates = dates_of(spec, through=date(2028, 12, 31))

    assert [d.month for d in dates] == [1, 3, 5, 7, 9, 11] * 2
    assert date(2027, 9, 30) in dates and date(2028, 11, 30) in dates
