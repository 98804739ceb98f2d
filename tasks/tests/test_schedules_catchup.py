"""Catch-up: the generator did not run for 10 days → 10 / 1 / 0 missed tasks, then normal."""

from datetime import date, time, timedelta

import pytest

from tasks.schedules import CatchUpPolicy, catch_up, due_window, parse_rrule

CHECKPOINT = date(2026, 3, 1)  # last run generated through 1 March
TODAY = date(2026, 3, 12)  # nothing ran on 2–11 March: ten missed days
MISSED = [CHECKPOINT + timedelta(days=i) for i in range(1, 11)]


def daily_rule():
    return parse_rrule(
        "FREQ=DAILY", start=date(2026, 1, 1), time=time(9), tz="Europe/Berlin", today=None
    )


def run(policy: str, *, generated_through: date | None, today: date):
    return due_window(
        daily_rule(),
        generated_through=generated_through,
        today=today,
        policy=policy,
        max_per_run=500,
    )


@pytest.mark.parametrize(
    ("policy", "missed_created", "skipped"),
    [("all", 10, 0), ("latest", 1, 9), ("none", 0, 10)],
)
def test_ten_missed_days_create_10_1_0_missed_tasks_plus_todays(policy, missed_created, skipped):
    window = run(policy, generated_through=CHECKPOINT, today=TODAY)

    created = [p.occurrence_date for p in window.create]
    assert len([d for d in created if d < TODAY]) == missed_created
    assert created[-1] == TODAY  # due today is never "missed": every policy creates it
    assert (window.due, window.skipped, window.dropped) == (11, skipped, 0)
    assert window.checkpoint == TODAY


@pytest.mark.parametrize("policy", ["all", "latest", "none"])
def test_after_catching_up_the_rule_continues_normally(policy):
    first = run(policy, generated_through=CHECKPOINT, today=TODAY)

    same_day = run(policy, generated_through=first.checkpoint, today=TODAY)
    next_day = run(policy, generated_through=first.checkpoint, today=TODAY + timedelta(days=1))

    assert (same_day.create, same_day.checkpoint) == ((), TODAY)
    assert [p.occurrence_date for p in next_day.create] == [TODAY + timedelta(days=1)]
    assert (next_day.skipped, next_day.checkpoint) == (0, TODAY + timedelta(days=1))


def test_latest_keeps_the_most_recent_missed_occurrence():
    result = catch_up([*MISSED, TODAY], today=TODAY, policy=CatchUpPolicy.LATEST)

    assert result.create == (date(2026, 3, 11), TODAY)
    assert result.skipped == tuple(MISSED[:-1])


def test_none_skips_every_missed_occurrence_but_creates_todays():
    result = catch_up([*MISSED, TODAY], today=TODAY, policy="none")

    assert (result.create, result.skipped) == ((TODAY,), tuple(MISSED))


def test_missed_weekly_occurrence_without_one_today_is_still_created_by_latest():
    tuesdays = [date(2026, 3, 3), date(2026, 3, 10)]

    result = catch_up(tuesdays, today=date(2026, 3, 12), policy="latest")

    assert (result.create, result.skipped) == ((date(2026, 3, 10),), (date(2026, 3, 3),))


def test_the_checkpoint_advances_to_today_even_when_everything_is_skipped():
    result = catch_up(MISSED, today=TODAY, policy="none", generated_through=CHECKPOINT)

    assert (result.create, result.checkpoint) == ((), TODAY)


def test_the_checkpoint_never_moves_backwards():
    ahead = date(2026, 4, 1)

    result = catch_up([], today=TODAY, policy="all", generated_through=ahead)

    assert result.checkpoint == ahead


def test_occurrences_after_today_are_a_caller_error():
    with pytest.raises(ValueError, match="after today"):
        catch_up([TODAY + timedelta(days=1)], today=TODAY, policy="all")


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError):
        catch_up([], today=TODAY, policy="some")


def test_pausing_two_weeks_and_resuming_with_latest_does_not_flood():
    paused_at = date(2026, 5, 1)

    window = run("latest", generated_through=paused_at, today=paused_at + timedelta(days=14))

    assert [p.occurrence_date for p in window.create] == [date(2026, 5, 14), date(2026, 5, 15)]
    assert window.skipped == 12
