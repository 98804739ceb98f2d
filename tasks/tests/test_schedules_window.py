"""The generator step for one rule: checkpoint, counts, limits, idempotency."""

import ast
from datetime import date, time
from pathlib import Path

import pytest

import tasks.schedules as schedules
from tasks.schedules import (
    Planned,
    WorkingCalendar,
    due_at,
    due_window,
    errors,
    parse_rrule,
    window,
)


def rule(text: str = "FREQ=DAILY", start: date = date(2026, 1, 1)):
    return parse_rrule(text, start=start, time=time(9), tz="Europe/Berlin", today=None)


def step(r, **kwargs):
    defaults = {"generated_through": None, "policy": "all", "max_per_run": 500}
    return due_window(r, **(defaults | kwargs))


def test_a_new_rule_generates_from_its_start_date():
    result = step(rule(start=date(2026, 3, 10)), today=date(2026, 3, 12))

    assert [p.occurrence_date for p in result.create] == [
        date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12),
    ]  # fmt: skip
    assert (result.due, result.skipped, result.dropped, result.refused) == (3, 0, 0, 0)
    assert result.checkpoint == date(2026, 3, 12) and not result.is_refused


def test_a_rerun_the_same_day_creates_nothing():
    first = step(rule(), today=date(2026, 3, 12), generated_through=date(2026, 3, 11))

    again = step(rule(), today=date(2026, 3, 12), generated_through=first.checkpoint)

    assert len(first.create) == 1
    assert (again.create, again.due, again.checkpoint) == ((), 0, date(2026, 3, 12))


def test_more_than_max_per_run_is_refused_whole_and_keeps_the_checkpoint():
    result = step(rule(), today=date(2026, 3, 1), max_per_run=30)

    assert result.create == ()
    assert result.checkpoint is None
    assert result.refused == 60
    assert result.message == errors.TOO_MANY_AT_ONCE.format(count=60, limit=30)


def test_the_limit_counts_what_the_policy_would_create_not_what_was_missed():
    result = step(rule(), today=date(2026, 3, 1), max_per_run=30, policy="latest")

    assert [p.occurrence_date for p in result.create] == [date(2026, 2, 28), date(2026, 3, 1)]
    assert result.skipped == 58


def test_a_rule_with_too_many_occurrences_to_even_look_at_is_refused(monkeypatch):
    monkeypatch.setattr(window, "SCAN_LIMIT", 10)

    result = step(rule(), today=date(2026, 3, 1), policy="none")

    assert (result.create, result.checkpoint, result.refused) == ((), None, 10)
    assert result.message == errors.TOO_MANY_TO_SCAN.format(limit=10)


def test_generating_ahead_with_through_creates_future_occurrences_as_due():
    result = step(
        rule(), today=date(2026, 3, 1), generated_through=date(2026, 2, 27), policy="none",
        through=date(2026, 3, 4),
    )  # fmt: skip

    assert [p.occurrence_date for p in result.create] == [
        date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4),
    ]  # fmt: skip
    assert (result.skipped, result.checkpoint) == (1, date(2026, 3, 4))


def test_a_checkpoint_ahead_of_today_is_kept():
    result = step(rule(), today=date(2026, 3, 1), generated_through=date(2026, 3, 10))

    assert (result.create, result.checkpoint) == ((), date(2026, 3, 10))


def test_a_rule_that_starts_later_creates_nothing_yet():
    result = step(rule(start=date(2026, 6, 1)), today=date(2026, 3, 1))

    assert (result.create, result.due) == ((), 0)


def test_a_finished_count_rule_creates_nothing_more():
    finished = rule("FREQ=DAILY;COUNT=3")

    result = step(finished, today=date(2026, 3, 1), generated_through=date(2026, 1, 3))

    assert (result.create, result.checkpoint) == ((), date(2026, 3, 1))


def test_editing_a_rule_does_not_regenerate_before_the_checkpoint():
    weekly = rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")

    result = step(weekly, today=date(2026, 3, 12), generated_through=date(2026, 3, 11))

    assert result.create == (Planned(date(2026, 3, 12), date(2026, 3, 12), shifted=False),)


def test_a_due_date_has_its_instant_in_the_rules_zone():
    at = due_at(rule(), date(2026, 3, 29))  # first CEST day

    assert at.isoformat() == "2026-03-29T07:00:00+00:00"


# --- the package stays pure -------------------------------------------------------------------


def test_the_schedule_core_imports_nothing_from_django():
    package = Path(schedules.__file__).parent
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module or "")
    assert not {name for name in imported if name.split(".")[0] in ("django", "tasks")}


@pytest.mark.parametrize("name", schedules.__all__)
def test_every_public_name_is_exported(name):
    assert getattr(schedules, name) is not None


@pytest.mark.parametrize(
    ("text", "shift", "expected"),
    [
        ("FREQ=DAILY", "none", date(2026, 1, 29)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "none", date(2026, 2, 1)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "next", date(2026, 2, 1)),  # created Sunday, due Monday
        ("FREQ=MONTHLY;BYMONTHDAY=1", "previous", date(2026, 1, 30)),  # due on Friday
        ("FREQ=DAILY;COUNT=3", "none", None),  # finished
    ],
)
def test_next_run_on_says_when_the_rule_can_next_have_work(text, shift, expected):
    result = step(
        rule(text),
        today=date(2026, 1, 28),
        generated_through=date(2026, 1, 27),
        shift_mode=shift,
        calendar=WorkingCalendar("DE", "BE"),
    )

    assert result.next_run_on == expected


def test_a_refused_rule_is_due_again_at_the_next_run():
    result = step(rule(), today=date(2026, 3, 1), max_per_run=30)

    assert result.next_run_on == date(2026, 3, 1)
