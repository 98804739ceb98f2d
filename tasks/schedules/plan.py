"""Due dates for occurrences: the non-working-day shift and what happens when shifts collide.

The occurrence date is the identity (the database keeps one task per rule and occurrence
date); only the *due* date moves. Two occurrences can then want the same due date — a daily
rule shifted to the next working day sends Saturday and Sunday to Monday, which has its own
occurrence. The rule: **one task per due date, and the occurrence nearest to that date wins.**

An occurrence whose due date was moved is dropped when another occurrence of the rule lies
between it and its due date, or on the due date itself (for `next`: in (date, due]; for
`previous`: in [due, date)). Every day strictly between an occurrence and its due date is a
non-working day, so such a neighbour is shifted to the same due date, or is the due date.
Keeping the nearest one means a working day's own occurrence always keeps its task, and of a
run of shifted ones the most recent (`next`) or the soonest (`previous`) survives.

The decision depends only on the rule and the calendar, never on which occurrences a
particular generator run happens to see, so it is the same whether Saturday is generated on
Saturday and Monday two days later or all three in one catch-up run. Dropped occurrences are
passed by the checkpoint like any other, so they are never reconsidered.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .calendar import ShiftMode, WorkingCalendar
from .occurrences import occurrences_between
from .rule import ParsedRule


@dataclass(frozen=True)
class Planned:
    occurrence_date: date  # identity of the task
    due_date: date  # the working day it is due on
    shifted: bool  # due_date differs from occurrence_date


def plan(
    occurrence_dates: Iterable[date],
    *,
    rule: ParsedRule,
    shift_mode: ShiftMode | str,
    calendar: WorkingCalendar | None,
) -> list[Planned]:
    """Planned tasks for the given occurrences of `rule`, oldest first; collisions dropped.

    `rule` is needed to know the neighbours outside the given dates (see the module doc).
    Without a calendar or with `none`, every occurrence is due on its own date. Raises
    ScheduleError when closures leave no working day within MAX_SHIFT_DAYS.
    """
    dates = sorted(set(occurrence_dates))
    mode = ShiftMode(shift_mode)
    if calendar is None or mode == ShiftMode.NONE or not dates:
        return [Planned(d, d, shifted=False) for d in dates]
    due = {d: calendar.shift(d, mode) for d in dates}
    if all(due[d] == d for d in dates):
        return [Planned(d, d, shifted=False) for d in dates]
    span = [*due.values(), *dates]
    neighbours = _occurrence_dates(rule, min(span), max(span))
    return [
        Planned(d, due[d], shifted=due[d] != d)
        for d in dates
        if due[d] == d or not _nearer_occurrence(neighbours, d, due[d])
    ]


def _occurrence_dates(rule: ParsedRule, first: date, last: date) -> list[date]:
    batch = occurrences_between(
        rule,
        after_exclusive=first - timedelta(days=1),
        through_inclusive=last,
        limit=(last - first).days + 1,  # at most one occurrence per day: never truncated
    )
    return [o.local_date for o in batch.occurrences]


def _nearer_occurrence(neighbours: list[date], day: date, due: date) -> bool:
    """Whether an occurrence lies in (day, due] (shift forward) or [due, day) (backward)."""
    if due > day:
        return bisect_right(neighbours, due) > bisect_right(neighbours, day)
    return bisect_left(neighbours, day) > bisect_left(neighbours, due)
