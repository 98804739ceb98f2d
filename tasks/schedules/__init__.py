"""Recurrence maths for recurring work: pure Python, no Django (see STYLE.md §1).

A rule is an RFC 5545 RRULE evaluated over local wall-clock dates in an IANA zone, from a
start date at a local time of day. Typical use by the Django side:

    rule = parse_rrule(text, start=start, time=at, tz=tz, today=today)   # form / import
    next_dates(rule, after=today - timedelta(days=1), n=6)                # live preview
    describe(rule.rrule, time=at, tz=tz, start=start)                     # human sentence
    window = due_window(rule, generated_through=checkpoint, today=today,  # generator step
                        policy="latest", max_per_run=500, shift_mode="next", calendar=cal)

Every user-facing refusal is a ScheduleError whose message can be shown as is.
"""

from .calendar import MAX_SHIFT_DAYS, ShiftMode, WorkingCalendar
from .catchup import CatchUp, CatchUpPolicy, catch_up
from .cron import cron_to_rrule
from .describe import describe
from .errors import ScheduleError
from .occurrences import (
    Occurrence,
    OccurrenceBatch,
    due_at,
    local_to_utc,
    next_dates,
    occurrences_between,
)
from .plan import Planned, plan
from .rule import ParsedRule
from .spec import Kind, ScheduleSpec, ShortMonthPolicy, spec_from_rrule, to_rrule
from .validate import parse_rrule
from .window import Window, due_window

__all__ = [
    "MAX_SHIFT_DAYS",
    "CatchUp",
    "CatchUpPolicy",
    "Kind",
    "Occurrence",
    "OccurrenceBatch",
    "ParsedRule",
    "Planned",
    "ScheduleError",
    "ScheduleSpec",
    "ShiftMode",
    "ShortMonthPolicy",
    "Window",
    "WorkingCalendar",
    "catch_up",
    "cron_to_rrule",
    "describe",
    "due_at",
    "due_window",
    "local_to_utc",
    "next_dates",
    "occurrences_between",
    "parse_rrule",
    "plan",
    "spec_from_rrule",
    "to_rrule",
]
