"""Schedules that create work by themselves, and the days nobody works.

A `RecurringRule` creates one task per occurrence; a `TemplateSchedule` starts one workflow
of an automatic template per occurrence. Both share `Schedule`: an RFC 5545 RRULE over local
dates in an IANA zone, from a start date at a time of day, with a catch-up policy and a
working-day shift (the maths is `tasks.schedules`), and the generator's state:

* `generated_through` — the local date every occurrence up to which is settled (created,
  skipped by the catch-up policy or dropped by a shift collision). It only moves forward and
  moves in the same transaction as the work it settled, so a crash never loses or repeats
  an occurrence; editing the schedule keeps it, so past occurrences are never regenerated.
* `next_run_on` — the earliest local date on which the schedule can have work again (None:
  finished). The tick loads only schedules whose day has come, which keeps it cheap.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tasks.models.choices import CatchUp, ProofKind, Shift
from tasks.models.work import USER, WorkflowTemplate
from tasks.schedules import (
    ParsedRule,
    Planned,
    ScheduleError,
    Window,
    WorkingCalendar,
    describe,
    due_window,
    next_dates,
    parse_rrule,
    plan,
)

DEFAULT_TIME = time(9, 0)


def default_timezone() -> str:
    return settings.TIME_ZONE


class Schedule(models.Model):
    """The schedule and the generator's checkpoint, shared by rules and automatic templates."""

    rrule = models.CharField("RRULE", max_length=500)
    start_date = models.DateField()
    time_of_day = models.TimeField(default=DEFAULT_TIME)
    timezone = models.CharField(max_length=64, default=default_timezone)
    catch_up = models.CharField(max_length=8, choices=CatchUp.choices, default=CatchUp.LATEST)
    shift = models.CharField(max_length=8, choices=Shift.choices, default=Shift.NONE)
    enabled = models.BooleanField(default=True)
    generated_through = models.DateField(null=True, blank=True)
    next_run_on = models.DateField(null=True, blank=True)
    last_generated_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    # --- per-row facts -------------------------------------------------------------------
    def parsed(self) -> ParsedRule:
        """The stored rule, validated (cached per process by the schedule core)."""
        return parse_rrule(
            self.rrule, start=self.start_date, time=self.time_of_day, tz=self.timezone, today=None
        )

    def local_today(self, now: datetime | None = None) -> date:
        """Today in the schedule's own zone: occurrences are local dates there."""
        return (now or timezone.now()).astimezone(ZoneInfo(self.timezone)).date()

    def next_dates(self, after: date, n: int) -> list[date]:
        """The first `n` occurrence dates strictly after `after`; [] for a broken rule."""
        try:
            return next_dates(self.parsed(), after=after, n=n)
        except ScheduleError:
            return []

    def upcoming(self, today: date, n: int) -> list[date]:
        """The next `n` occurrences not generated yet: from today (or after the checkpoint)."""
        after = today - timedelta(days=1)
        if self.generated_through is not None:
            after = max(after, self.generated_through)
        return self.next_dates(after, n)

    def upcoming_due(self, today: date, n: int, calendar: WorkingCalendar | None) -> list[Planned]:
        """The next `n` tasks this schedule will create: occurrence and due date, after the
        non-working-day shift and its collisions (a daily rule's weekend folds into Monday)."""
        shifting = calendar is not None and self.shift != Shift.NONE
        # Looking further ahead than `n` leaves enough after collisions drop some occurrences.
        dates = self.upcoming(today, n * 3 + 7 if shifting else n)
        try:
            planned = plan(dates, rule=self.parsed(), shift_mode=self.shift, calendar=calendar)
        except ScheduleError:  # no working day within reach: show the plain dates
            planned = [Planned(d, d, shifted=False) for d in dates]
        return planned[:n]

    @property
    def sentence(self) -> str:
        """ "Every 2 weeks on Monday at 09:00, Europe/Berlin"."""
        return _sentence(self.rrule, self.time_of_day, self.timezone, self.start_date)

    def is_due(self, today: date) -> bool:
        return self.enabled and self.next_run_on is not None and self.next_run_on <= today

    def window(
        self,
        *,
        today: date,
        max_per_run: int,
        calendar: WorkingCalendar | None,
        through: date | None = None,
    ) -> Window:
        """What one generator step settles now (see `tasks.schedules.due_window`)."""
        return due_window(
            self.parsed(),
            generated_through=self.generated_through,
            today=today,
            policy=self.catch_up,
            max_per_run=max_per_run,
            shift_mode=self.shift,
            calendar=calendar,
            through=through,
        )


@lru_cache(maxsize=4096)
def _sentence(rrule: str, at: time, tz: str, start: date) -> str:
    """Cached per process like parsed rules: list pages describe every row on every view."""
    try:
        return describe(rrule, time=at, tz=tz, start=start)
    except ScheduleError:
        return rrule


def _schedule_indexes(prefix: str) -> list[models.Index]:
    # The tick reads only enabled schedules whose day has come.
    return [models.Index(fields=["next_run_on"], condition=Q(enabled=True), name=f"{prefix}_due")]


def _schedule_checks(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(catch_up__in=CatchUp.values), name=f"{prefix}_catch_up_valid"
        ),
        models.CheckConstraint(condition=Q(shift__in=Shift.values), name=f"{prefix}_shift_valid"),
    ]


class RecurringRule(Schedule):
    """A chore: one task per occurrence, with these defaults."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="recurring_rules"
    )
    instruction_doc = models.CharField(max_length=200, blank=True)
    instruction_step = models.CharField(max_length=20, blank=True)
    systems = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    proof_kind = models.CharField(max_length=20, choices=ProofKind.choices, default=ProofKind.NONE)
    proof_label = models.CharField(max_length=200, blank=True)
    # Rules loaded from the seed file carry its key, so loading twice creates nothing twice.
    seed_key = models.SlugField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        indexes = _schedule_indexes("rule")
        constraints = [
            models.UniqueConstraint(
                fields=["seed_key"], condition=~Q(seed_key=""), name="rule_seed_key_unique"
            ),
            *_schedule_checks("rule"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasks:recurring-detail", args=[self.pk])


class TemplateSchedule(Schedule):
    """The schedule of an automatic template: one workflow per occurrence, anchored
    `lead_days` after it. Derived from the template's `schedule` when templates load."""

    template = models.OneToOneField(
        WorkflowTemplate, on_delete=models.CASCADE, related_name="auto_schedule"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template__name"]
        indexes = _schedule_indexes("template_schedule")
        constraints = _schedule_checks("template_schedule")

    def __str__(self) -> str:
        return f"{self.template.name} (automatic)"

    def get_absolute_url(self) -> str:
        return self.template.get_absolute_url()


class ClosureDay(models.Model):
    """A day the organisation does not work (besides weekends and public holidays)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}" + (f" ({self.reason})" if self.reason else "")
