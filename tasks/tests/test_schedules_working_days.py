"""Working days (weekend, Berlin public holidays, closures) and the shift with collisions.

Calendar facts used (Germany, Berlin, 2026): Fri 1 May Labour Day, Mon 25 May Whit Monday,
Fri 25 Dec and Sat 26 Dec Christmas, Thu 1 Jan New Year.
"""

from datetime import date, time, timedelta

import pytest

from tasks.schedules import (
    MAX_SHIFT_DAYS,
    Planned,
    ScheduleError,
    WorkingCalendar,
    due_window,
    errors,
    parse_rrule,
    plan,
)

BERLIN = WorkingCalendar("DE", "BE")


def rule(text: str, start: date = date(2026, 1, 1)):
    return parse_rrule(text, start=start, time=time(9), tz="Europe/Berlin", today=None)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- the calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 30), True),  # Thursday
        (date(2026, 5, 1), False),  # Labour Day, a Friday
        (date(2026, 5, 2), False),  # Saturday
        (date(2026, 5, 3), False),  # Sunday
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2027, 5, 1), False),  # Saturday and a holiday: tables load per year
    ],
)
def test_is_working_day_knows_weekends_and_holidays(day, working):
    assert BERLIN.is_working_day(day) is working


def test_closures_and_a_custom_weekend_are_non_working():
    calendar = WorkingCalendar(None, closures={date(2026, 12, 28)}, weekend={4, 5})

    assert not calendar.is_working_day(date(2026, 12, 28))  # closure, a Monday
    assert not calendar.is_working_day(date(2026, 12, 25))  # Friday is weekend here
    assert calendar.is_working_day(date(2026, 12, 27))  # Sunday works here
    assert calendar.is_working_day(date(2026, 5, 14))  # Ascension, but no country here


@pytest.mark.parametrize(
    ("day", "mode", "expected"),
    [
        (date(2026, 5, 1), "next", date(2026, 5, 4)),  # holiday + weekend → Monday
        (date(2026, 5, 1), "previous", date(2026, 4, 30)),
        (date(2026, 5, 25), "previous", date(2026, 5, 22)),  # Whit Monday → Friday
        (date(2026, 5, 25), "next", date(2026, 5, 26)),
        (date(2026, 12, 26), "next", date(2026, 12, 28)),  # Christmas Saturday → Monday
        (date(2026, 12, 27), "previous", date(2026, 12, 24)),  # over Sun, Sat, Fri holiday
        (date(2026, 5, 1), "none", date(2026, 5, 1)),
        (date(2026, 4, 30), "next", date(2026, 4, 30)),  # a working day stays
    ],
)
def test_shift_moves_to_the_nearest_working_day_in_its_direction(day, mode, expected):
    assert BERLIN.shift(day, mode) == expected


def test_a_month_of_closures_is_refused_instead_of_searching_for_ever():
    closed = set(days(date(2026, 8, 1), date(2026, 9, 30)))
    calendar = WorkingCalendar(None, closures=closed)

    with pytest.raises(ScheduleError) as error:
        calendar.shift(date(2026, 8, 3), "next")

    assert str(error.value) == errors.NO_WORKING_DAY.format(
        days=MAX_SHIFT_DAYS, direction="after", day=date(2026, 8, 3)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"country": "XX"}, errors.UNKNOWN_COUNTRY.format(country="XX")),
        (
            {"country": "DE", "subdivision": "ZZ"},
            errors.UNKNOWN_SUBDIVISION.format(subdivision="ZZ", country="DE"),
        ),
        ({"subdivision": "BE"}, errors.SUBDIVISION_WITHOUT_COUNTRY),
        ({"weekend": range(7)}, errors.BAD_WEEKEND),
        ({"weekend": {7}}, errors.BAD_WEEKEND),
    ],
)
def test_a_bad_calendar_configuration_is_refused(kwargs, message):
    with pytest.raises(ScheduleError) as error:
        WorkingCalendar(**kwargs)

    assert str(error.value) == message


def test_holiday_tables_are_built_once_per_year():
    calendar = WorkingCalendar("de")

    assert calendar.holidays_in(2026) is calendar.holidays_in(2026)
    assert date(2026, 10, 3) in calendar.holidays_in(2026)


# --- planning: shift both directions ----------------------------------------------------------

MONTHLY_FIRST = "FREQ=MONTHLY;BYMONTHDAY=1"
FIRSTS_2026 = [date(2026, m, 1) for m in range(1, 13)]


def test_monthly_on_the_1st_shifted_to_the_next_working_day():
    planned = plan(FIRSTS_2026, rule=rule(MONTHLY_FIRST), shift_mode="next", calendar=BERLIN)

    moved = {p.occurrence_date: p.due_date for p in planned if p.shifted}
    assert moved == {
        date(2026, 1, 1): date(2026, 1, 2),  # New Year (Thursday) → Friday
        date(2026, 2, 1): date(2026, 2, 2),  # Sunday → Monday
        date(2026, 3, 1): date(2026, 3, 2),
        date(2026, 5, 1): date(2026, 5, 4),  # Labour Day (Friday) → Monday
        date(2026, 8, 1): date(2026, 8, 3),  # Saturday → Monday
        date(2026, 11, 1): date(2026, 11, 2),
    }
    assert len(planned) == 12
    assert all(p.due_date == p.occurrence_date for p in planned if not p.shifted)


def test_monthly_on_the_1st_shifted_to_the_previous_working_day():
    planned = plan(FIRSTS_2026, rule=rule(MONTHLY_FIRST), shift_mode="previous", calendar=BERLIN)

    moved = {p.occurrence_date: p.due_date for p in planned if p.shifted}
    assert moved == {
        date(2026, 1, 1): date(2025, 12, 31),
        date(2026, 2, 1): date(2026, 1, 30),
        date(2026, 3, 1): date(2026, 2, 27),
        date(2026, 5, 1): date(2026, 4, 30),
        date(2026, 8, 1): date(2026, 7, 31),
        date(2026, 11, 1): date(2026, 10, 30),
    }


def test_without_shift_every_occurrence_is_due_on_its_own_date():
    planned = plan([date(2026, 5, 1)], rule=rule(MONTHLY_FIRST), shift_mode="none", calendar=BERLIN)

    assert planned == [Planned(date(2026, 5, 1), date(2026, 5, 1), shifted=False)]


# --- planning: collisions ---------------------------------------------------------------------

LABOUR_DAY_WEEK = days(date(2026, 4, 27), date(2026, 5, 5))  # Mon 27 Apr … Tue 5 May


def test_daily_shifted_forward_collides_with_the_next_occurrence_and_is_dropped():
    planned = plan(LABOUR_DAY_WEEK, rule=rule("FREQ=DAILY"), shift_mode="next", calendar=BERLIN)

    # Fri (holiday), Sat and Sun would all be due Monday 4 May, which has its own occurrence.
    assert [p.occurrence_date for p in planned] == [
        date(2026, 4, 27), date(2026, 4, 28), date(2026, 4, 29), date(2026, 4, 30),
        date(2026, 5, 4), date(2026, 5, 5),
    ]  # fmt: skip
    assert not any(p.shifted for p in planned)


def test_daily_shifted_backward_collides_with_the_previous_occurrence_and_is_dropped():
    planned = plan(LABOUR_DAY_WEEK, rule=rule("FREQ=DAILY"), shift_mode="previous", calendar=BERLIN)

    assert date(2026, 5, 1) not in {p.occurrence_date for p in planned}
    assert len({p.due_date for p in planned}) == len(planned) == 6


def test_weekly_friday_on_a_holiday_collides_with_mondays_occurrence():
    weekly = rule("FREQ=WEEKLY;BYDAY=MO,FR")
    occurrences = [date(2026, 5, 1), date(2026, 5, 4)]

    forward = plan(occurrences, rule=weekly, shift_mode="next", calendar=BERLIN)
    backward = plan(occurrences, rule=weekly, shift_mode="previous", calendar=BERLIN)

    assert forward == [Planned(date(2026, 5, 4), date(2026, 5, 4), shifted=False)]
    assert backward == [
        Planned(date(2026, 5, 1), date(2026, 4, 30), shifted=True),
        Planned(date(2026, 5, 4), date(2026, 5, 4), shifted=False),
    ]


@pytest.mark.parametrize(("mode", "winner"), [("next", 3), ("previous", 2)])
def test_two_shifted_occurrences_landing_on_one_day_keep_the_nearest(mode, winner):
    weekend = rule("FREQ=WEEKLY;BYDAY=SA,SU")

    planned = plan([date(2026, 5, 2), date(2026, 5, 3)], rule=weekend, shift_mode=mode,
                   calendar=BERLIN)  # fmt: skip

    assert [p.occurrence_date for p in planned] == [date(2026, 5, winner)]


def test_the_collision_decision_does_not_depend_on_the_batch():
    # Saturday is generated on Saturday; Monday's occurrence is not in this batch yet.
    alone = plan([date(2026, 5, 2)], rule=rule("FREQ=DAILY"), shift_mode="next", calendar=BERLIN)

    assert alone == []


def test_an_occurrence_after_until_does_not_block_a_shift():
    ending = rule("FREQ=DAILY;UNTIL=20260502")

    planned = plan([date(2026, 5, 2)], rule=ending, shift_mode="next", calendar=BERLIN)

    assert planned == [Planned(date(2026, 5, 2), date(2026, 5, 4), shifted=True)]


# --- the generator window with shifts ---------------------------------------------------------


def test_previous_shift_creates_a_future_occurrence_on_its_earlier_due_date():
    window = due_window(
        rule(MONTHLY_FIRST), generated_through=date(2026, 1, 29), today=date(2026, 1, 30),
        policy="all", max_per_run=100, shift_mode="previous", calendar=BERLIN,
    )  # fmt: skip

    assert window.create == (Planned(date(2026, 2, 1), date(2026, 1, 30), shifted=True),)
    assert window.checkpoint == date(2026, 2, 1)


def test_previous_shift_lookahead_stops_at_the_first_occurrence_not_yet_due():
    window = due_window(
        rule("FREQ=DAILY"), generated_through=date(2026, 4, 29), today=date(2026, 4, 30),
        policy="all", max_per_run=100, shift_mode="previous", calendar=BERLIN,
    )  # fmt: skip

    assert [p.occurrence_date for p in window.create] == [date(2026, 4, 30)]
    assert (window.due, window.dropped) == (4, 3)  # 1–3 May collide with 30 April
    assert window.checkpoint == date(2026, 5, 3)  # Monday 4 May is not due yet


def test_next_shift_generates_on_the_occurrence_date_due_later():
    window = due_window(
        rule("FREQ=WEEKLY;BYDAY=SA"), generated_through=date(2026, 5, 1), today=date(2026, 5, 2),
        policy="all", max_per_run=100, shift_mode="next", calendar=BERLIN,
    )  # fmt: skip

    assert window.create == (Planned(date(2026, 5, 2), date(2026, 5, 4), shifted=True),)
    assert window.checkpoint == date(2026, 5, 2)
