"""Occurrence ranges and the next-dates preview: exact dates, bounds, limits, speed."""

from datetime import date, datetime, time, timedelta

from dateutil import rrule as du
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tasks.schedules import ScheduleError, next_dates, occurrences_between, parse_rrule


def rule(text: str, start: date, at: time = time(9), tz: str = "Europe/Berlin"):
    return parse_rrule(text, start=start, time=at, tz=tz, today=None)


BIWEEKLY_DATES = [
    date(2026, 11, 23), date(2026, 12, 7), date(2026, 12, 21), date(2027, 1, 4),
    date(2027, 1, 18), date(2027, 2, 1),
]  # fmt: skip


def test_every_2_weeks_on_monday_from_23_november_2026():
    biweekly = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", start=date(2026, 11, 23))

    assert next_dates(biweekly, after=date(2026, 11, 22), n=6) == BIWEEKLY_DATES


def test_the_preview_of_an_old_rule_in_the_same_phase_is_the_same():
    started_years_ago = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", start=date(2016, 11, 21))

    assert next_dates(started_years_ago, after=date(2026, 11, 22), n=6) == BIWEEKLY_DATES


def test_next_dates_are_strictly_after_the_given_day():
    daily = rule("FREQ=DAILY", start=date(2026, 1, 1))

    assert next_dates(daily, after=date(2026, 3, 1), n=2) == [date(2026, 3, 2), date(2026, 3, 3)]
    assert next_dates(daily, after=date(2026, 3, 1), n=0) == []


def test_the_start_is_a_lower_bound_not_an_occurrence():
    mondays = rule("FREQ=WEEKLY;BYDAY=MO", start=date(2026, 11, 25))  # a Wednesday

    assert next_dates(mondays, after=date(2026, 1, 1), n=2) == [
        date(2026, 11, 30), date(2026, 12, 7),
    ]  # fmt: skip


def test_occurrences_between_excludes_the_checkpoint_and_includes_the_last_day():
    daily = rule("FREQ=DAILY", start=date(2026, 1, 1))

    batch = occurrences_between(
        daily, after_exclusive=date(2026, 3, 1), through_inclusive=date(2026, 3, 3)
    )

    assert [o.local_date for o in batch.occurrences] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert not batch.truncated


def test_without_a_checkpoint_occurrences_start_at_the_start_date():
    daily = rule("FREQ=DAILY", start=date(2026, 3, 30))

    batch = occurrences_between(daily, after_exclusive=None, through_inclusive=date(2026, 4, 1))

    assert [o.local_date for o in batch.occurrences] == [
        date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1),
    ]  # fmt: skip


def test_a_range_larger_than_the_limit_is_reported_as_truncated():
    daily = rule("FREQ=DAILY", start=date(2026, 1, 1))

    batch = occurrences_between(
        daily, after_exclusive=None, through_inclusive=date(2026, 12, 31), limit=10
    )

    assert len(batch.occurrences) == 10 and batch.truncated
    assert batch.occurrences[-1].local_date == date(2026, 1, 10)


def test_exactly_limit_occurrences_are_not_truncated():
    daily = rule("FREQ=DAILY", start=date(2026, 1, 1))

    batch = occurrences_between(
        daily, after_exclusive=None, through_inclusive=date(2026, 1, 10), limit=10
    )

    assert len(batch.occurrences) == 10 and not batch.truncated


def test_until_as_a_date_includes_that_whole_local_day():
    ending = rule("FREQ=DAILY;UNTIL=20260103", start=date(2026, 1, 1), at=time(23, 30))

    assert next_dates(ending, after=date(2025, 12, 31), n=10) == [
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3),
    ]  # fmt: skip


def test_until_in_utc_is_compared_as_an_instant():
    # 08:00 UTC is 09:00 in Berlin in winter: the 09:00 occurrence of the 3rd is included.
    ending = rule("FREQ=DAILY;UNTIL=20260103T080000Z", start=date(2026, 1, 1))
    earlier = rule("FREQ=DAILY;UNTIL=20260103T075959Z", start=date(2026, 1, 1))

    assert next_dates(ending, after=date(2025, 12, 31), n=5)[-1] == date(2026, 1, 3)
    assert next_dates(earlier, after=date(2025, 12, 31), n=5)[-1] == date(2026, 1, 2)


def test_count_is_counted_from_the_start_even_when_asking_later():
    five = rule("FREQ=DAILY;COUNT=5", start=date(2026, 1, 1))

    assert next_dates(five, after=date(2026, 1, 3), n=10) == [date(2026, 1, 4), date(2026, 1, 5)]


def test_the_preview_is_capped():
    daily = rule("FREQ=DAILY", start=date(2026, 1, 1))

    assert len(next_dates(daily, after=date(2026, 1, 1), n=10_000)) == 366


# --- jumping ahead gives exactly what dateutil gives from the start ---------------------------

FREQS = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def raw_rules(draw) -> str:
    freq = draw(FREQS)
    fields = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 6))}"]
    if draw(st.booleans()):
        fields.append("BYMONTH=" + _list(draw(st.sets(st.integers(1, 12), min_size=1))))
    if freq != "WEEKLY" and draw(st.booleans()):
        monthdays = st.sets(st.integers(1, 31) | st.integers(-3, -1), min_size=1, max_size=3)
        fields.append("BYMONTHDAY=" + _list(draw(monthdays)))
    if freq == "YEARLY" and draw(st.booleans()):
        weeks = st.sets(st.sampled_from([1, 2, 20, 52, 53, -1]), min_size=1, max_size=2)
        fields.append("BYWEEKNO=" + _list(draw(weeks)))
    elif freq == "YEARLY" and draw(st.booleans()):
        yeardays = st.sets(st.sampled_from([1, 59, 60, 200, 365, 366, -1]), min_size=1)
        fields.append("BYYEARDAY=" + _list(draw(yeardays)))
    if draw(st.booleans()):
        weekno = any(f.startswith("BYWEEKNO") for f in fields)
        numbered = freq in ("MONTHLY", "YEARLY") and not weekno
        numbered = numbered and draw(st.booleans())
        n = st.sampled_from(["1", "2", "-1", "4"]) if numbered else st.just("")
        days = draw(st.sets(st.sampled_from(CODES), min_size=1, max_size=4))
        fields.append("BYDAY=" + ",".join(draw(n) + d for d in sorted(days)))
    if freq != "DAILY" and len(fields) > 2 and draw(st.booleans()):  # DAILY: 1 candidate
        fields.append(f"BYSETPOS={draw(st.sampled_from([1, -1]))}")
    if draw(st.booleans()):
        fields.append(f"WKST={draw(st.sampled_from(CODES))}")
    return ";".join(fields)


def _list(values) -> str:
    return ",".join(str(v) for v in sorted(values))


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    text=raw_rules(),
    start=st.dates(date(2015, 1, 1), date(2026, 12, 31)),
    offset=st.integers(0, 4000),
)
def test_jumping_ahead_matches_dateutil_iterating_from_the_start(text, start, offset):
    try:
        parsed = parse_rrule(text, start=start, time=time(9), tz="UTC", today=None)
    except ScheduleError:
        assume(False)
    after = start + timedelta(days=offset)

    reference = du.rrulestr(text, dtstart=datetime.combine(start, time(9)))
    expected = reference.xafter(datetime.combine(after, time.max), count=5)

    assert next_dates(parsed, after=after, n=5) == [moment.date() for moment in expected]
