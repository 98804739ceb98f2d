"""DST in Europe/Berlin: one occurrence per local day, on the right date, at the right instant.

2026 transitions: Sunday 29 March (02:00 CET → 03:00 CEST, 02:00–03:00 does not exist) and
Sunday 25 October (03:00 CEST → 02:00 CET, 02:00–03:00 happens twice).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tasks.schedules import local_to_utc, occurrences_between, parse_rrule

BERLIN = ZoneInfo("Europe/Berlin")


def daily(at: time, *, tz: str = "Europe/Berlin", start: date = date(2026, 1, 1)):
    return parse_rrule("FREQ=DAILY", start=start, time=at, tz=tz, today=None)


def between(rule, first: date, last: date):
    batch = occurrences_between(
        rule, after_exclusive=first - timedelta(days=1), through_inclusive=last
    )
    assert not batch.truncated
    return batch.occurrences


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_0900_across_spring_forward_is_one_task_per_local_day():
    occurrences = between(daily(time(9)), date(2026, 3, 27), date(2026, 3, 31))

    assert occurrences == [
        (date(2026, 3, 27), utc(2026, 3, 27, 8)),  # CET, UTC+1
        (date(2026, 3, 28), utc(2026, 3, 28, 8)),
        (date(2026, 3, 29), utc(2026, 3, 29, 7)),  # CEST, UTC+2, from this Sunday
        (date(2026, 3, 30), utc(2026, 3, 30, 7)),
        (date(2026, 3, 31), utc(2026, 3, 31, 7)),
    ]


def test_daily_0900_across_fall_back_is_one_task_per_local_day():
    occurrences = between(daily(time(9)), date(2026, 10, 23), date(2026, 10, 27))

    assert occurrences == [
        (date(2026, 10, 23), utc(2026, 10, 23, 7)),  # CEST
        (date(2026, 10, 24), utc(2026, 10, 24, 7)),
        (date(2026, 10, 25), utc(2026, 10, 25, 8)),  # CET from this Sunday
        (date(2026, 10, 26), utc(2026, 10, 26, 8)),
        (date(2026, 10, 27), utc(2026, 10, 27, 8)),
    ]


def test_daily_0230_in_the_spring_gap_moves_forward_by_the_gap():
    occurrences = between(daily(time(2, 30)), date(2026, 3, 28), date(2026, 3, 30))

    assert occurrences == [
        (date(2026, 3, 28), utc(2026, 3, 28, 1, 30)),  # 02:30 CET
        (date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),  # 02:30 does not exist: 03:30 CEST
        (date(2026, 3, 30), utc(2026, 3, 30, 0, 30)),  # 02:30 CEST
    ]
    assert occurrences[1].at_utc.astimezone(BERLIN).time() == time(3, 30)


def test_daily_0230_in_the_autumn_overlap_uses_the_first_0230():
    occurrences = between(daily(time(2, 30)), date(2026, 10, 24), date(2026, 10, 26))

    assert occurrences == [
        (date(2026, 10, 24), utc(2026, 10, 24, 0, 30)),  # 02:30 CEST
        (date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),  # first 02:30 (CEST), not 01:30 UTC
        (date(2026, 10, 26), utc(2026, 10, 26, 1, 30)),  # 02:30 CET
    ]
    local = occurrences[1].at_utc.astimezone(BERLIN)
    assert (local.time(), local.utcoffset()) == (time(2, 30), timedelta(hours=2))


@pytest.mark.parametrize("at", [time(0, 0), time(2, 30), time(9), time(23, 59)])
def test_a_whole_year_of_a_daily_rule_has_each_local_date_exactly_once(at):
    occurrences = between(daily(at), date(2026, 1, 1), date(2026, 12, 31))

    dates = [o.local_date for o in occurrences]
    assert dates == [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    # Every instant falls on its own local date in Berlin, never on a neighbour.
    assert all(o.at_utc.astimezone(BERLIN).date() == o.local_date for o in occurrences)
    assert all(o.at_utc.tzinfo is UTC for o in occurrences)


def test_the_same_rule_in_another_zone_uses_that_zones_transition():
    rule = daily(time(2, 30), tz="America/New_York")  # springs forward on 8 March 2026

    occurrences = between(rule, date(2026, 3, 7), date(2026, 3, 9))

    assert [o.at_utc for o in occurrences] == [
        utc(2026, 3, 7, 7, 30),  # 02:30 EST
        utc(2026, 3, 8, 7, 30),  # nonexistent: 03:30 EDT
        utc(2026, 3, 9, 6, 30),  # 02:30 EDT
    ]


def test_a_weekly_rule_keeps_its_local_time_across_both_transitions():
    rule = parse_rrule(
        "FREQ=WEEKLY;BYDAY=SU", start=date(2026, 3, 22), time=time(9), tz="Europe/Berlin",
        today=None,
    )  # fmt: skip

    occurrences = between(rule, date(2026, 3, 22), date(2026, 11, 1))

    assert {o.at_utc.astimezone(BERLIN).time() for o in occurrences} == {time(9)}
    assert [o.local_date for o in occurrences][:2] == [date(2026, 3, 22), date(2026, 3, 29)]


def test_local_to_utc_documents_both_edge_cases_directly():
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)
    assert local_to_utc(datetime(2026, 7, 1, 9), BERLIN) == utc(2026, 7, 1, 7)
