"""The plain-language recurring editor: schedule kinds → an RRULE, plus the task defaults.

The form only parses and translates (a `ScheduleSpec` from the kind's fields, or the raw
RRULE of the advanced kind); `services.schedule_check` decides whether the schedule is
acceptable, and the same check runs again in the service that saves. The live preview reads
`form.preview()`, which needs only the schedule fields to be valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.forms import DATE_ERRORS, DATE_WIDGET, _people_choices, _person
from tasks.models import CatchUp, ProofKind, RecurringRule, Shift
from tasks.models.recurring import DEFAULT_TIME
from tasks.schedules import (
    Kind,
    ParsedRule,
    Planned,
    ScheduleError,
    ScheduleSpec,
    Window,
    errors,
    next_dates,
    plan,
    spec_from_rrule,
    to_rrule,
)
from tasks.schedules.describe import WEEKDAY_NAMES, describe
from tasks.services import RuleInput, schedule_check
from tasks.services.recurring import working_calendar
from tasks.services.schedules import zone_today

ADVANCED = "advanced"
KIND_CHOICES = [
    (Kind.DAILY.value, "Every day"),
    (Kind.EVERY_N_DAYS.value, "Every N days"),
    (Kind.WEEKLY.value, "Weekly, on chosen days"),
    (Kind.EVERY_N_WEEKS.value, "Every N weeks, on chosen days"),
    (Kind.MONTHLY_ON_DAY.value, "Monthly, on day N"),
    (Kind.MONTHLY_LAST_DAY.value, "Monthly, on the last day"),
    (Kind.MONTHLY_NTH_WEEKDAY.value, "Monthly, on the Nth (or last) weekday"),
    (Kind.YEARLY.value, "Yearly, on a date"),
    (ADVANCED, "Advanced: write an RRULE"),
]
WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
NTH_CHOICES = [("1", "1st"), ("2", "2nd"), ("3", "3rd"), ("4", "4th"), ("5", "5th"), ("-1", "last")]
MONTH_CHOICES = [(str(i), date(2000, i, 1).strftime("%B")) for i in range(1, 13)]
SHORT_MONTH_CHOICES = [
    ("last_day", "Use the month's last day instead (30 April, 28 February…)"),
    ("skip", "Skip months (or years) that do not have that day"),
]
PREVIEW_COUNT = 6
SCHEDULE_FIELDS = (
    "kind",
    "interval",
    "weekdays",
    "day",
    "short_month",
    "nth",
    "weekday",
    "month",
    "until",
    "count",
    "rrule",
    "start_date",
    "time_of_day",
    "timezone",
    "catch_up",
    "shift",
)
INTERVAL_ERROR = "Repeat every: use a whole number of at least 1."


@cache
def timezone_names() -> list[str]:
    return sorted(available_timezones())


def _field_pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".*".join(re.escape(p) for p in parts) + "$", re.S)


# Which form field a refusal of the schedule core is about (the rest go on top of the form).
_ERROR_FIELDS = [
    (_field_pattern(text), name)
    for text, name in [
        (errors.NEED_WEEKDAYS, "weekdays"),
        (errors.BAD_WEEKDAY_INDEX, "weekdays"),
        (errors.BAD_INTERVAL, "interval"),
        (errors.BAD_DAY_OF_MONTH, "day"),
        (errors.BAD_YEARLY_DATE, "day"),
        (errors.NEED_SHORT_MONTH_POLICY, "short_month"),
        (errors.NEED_LEAP_DAY_POLICY, "short_month"),
        (errors.BAD_NTH, "nth"),
        (errors.BAD_MONTH, "month"),
        (errors.FIELD_REQUIRED, "day"),
        (errors.UNTIL_DATE_BEFORE_START, "until"),
        (errors.BAD_COUNT, "count"),
        (errors.COUNT_AND_UNTIL, "until"),
        (errors.UNTIL_PAST, "until"),
        (errors.UNTIL_BEFORE_START, "until"),
        (messages.RULE_INTERVAL_TOO_BIG, "interval"),
        (messages.RULE_UNTIL_TOO_FAR, "until"),
    ]
]


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", text or "") if part.strip()]


@dataclass
class Preview:
    """What the live preview shows: the sentence and the next dates, with their due dates."""

    sentence: str
    rrule: str
    rows: list[Planned]
    dropped: list[date]
    catch_up_count: int
    checkpoint: date | None


class RecurringRuleForm(forms.Form):
    title = forms.CharField(
        label="Chore",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "What needs doing?"}),
    )
    kind = forms.ChoiceField(label="Repeats", choices=KIND_CHOICES, initial=Kind.WEEKLY.value)
    interval = forms.IntegerField(
        label="Every",
        min_value=1,
        max_value=1000,
        required=False,
        initial=1,
        error_messages={
            "min_value": INTERVAL_ERROR,
            "invalid": INTERVAL_ERROR,
            "max_value": messages.RULE_INTERVAL_TOO_BIG,
        },
        help_text="Days, weeks, months or years, as “Repeats” says.",
    )
    weekdays = forms.MultipleChoiceField(
        label="On", choices=WEEKDAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    day = forms.IntegerField(label="Day of the month", min_value=1, max_value=31, required=False)
    short_month = forms.ChoiceField(
        label="When a month is too short",
        required=False,
        choices=SHORT_MONTH_CHOICES,
        widget=forms.RadioSelect,
    )
    nth = forms.ChoiceField(label="Which", choices=NTH_CHOICES, required=False, initial="1")
    weekday = forms.ChoiceField(label="Weekday", choices=WEEKDAY_CHOICES, required=False)
    month = forms.ChoiceField(label="Month", choices=MONTH_CHOICES, required=False)
    until = forms.DateField(
        label="Ends on",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="Optional: the last day.",
    )
    count = forms.IntegerField(
        label="Ends after",
        required=False,
        min_value=1,
        help_text="Optional: how many times in all.",
    )
    rrule = forms.CharField(
        label="RRULE",
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "FREQ=MONTHLY;BYDAY=-1FR", "spellcheck": "false", "class": "mono"}
        ),
        help_text="RFC 5545, without DTSTART: the start date and time are their own fields.",
    )
    start_date = forms.DateField(label="Starts on", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    time_of_day = forms.TimeField(
        label="At",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=DEFAULT_TIME,
        error_messages={"invalid": "Enter a time of day (HH:MM)."},
    )
    timezone = forms.CharField(
        label="Time zone", max_length=64, widget=forms.TextInput(attrs={"list": "timezone-names"})
    )
    catch_up = forms.ChoiceField(
        label="Occurrences missed while nothing ran",
        choices=CatchUp.choices,
        initial=CatchUp.LATEST,
        widget=forms.RadioSelect,
        help_text="Also applies to the days a paused rule skipped.",
    )
    shift = forms.ChoiceField(
        label="On weekends, holidays and closure days",
        choices=Shift.choices,
        initial=Shift.NONE,
        widget=forms.RadioSelect,
        help_text="When two occurrences would become due on the same day, one task is made.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assignee = forms.ChoiceField(label="Assignee", required=False)
    instruction_doc = forms.CharField(label="Instruction doc id", required=False, max_length=200)
    instruction_step = forms.CharField(label="Step", required=False, max_length=20)
    systems = forms.CharField(
        label="Systems",
        required=False,
        max_length=500,
        help_text="Comma-separated, e.g. slack, airtable.",
    )
    tags = forms.CharField(
        label="Tags", required=False, max_length=500, help_text="Comma-separated."
    )
    proof_kind = forms.ChoiceField(
        label="Proof needed to close", choices=ProofKind.choices, initial=ProofKind.NONE
    )
    proof_label = forms.CharField(
        label="Proof label",
        required=False,
        max_length=200,
        help_text="The link's name, e.g. “Backup folder”.",
    )

    def __init__(self, *args, users: list[User], rule: RecurringRule | None = None, **kwargs):
        self.rule = rule
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {**self._initial(rule), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.users = users
        self.fields["assignee"].choices = _people_choices(users, blank="Nobody (anyone)")
        self.parsed: ParsedRule | None = None
        self.window: Window | None = None

    @staticmethod
    def _initial(rule: RecurringRule | None) -> dict:
        today = zone_today(settings.TIME_ZONE)
        if rule is None:
            return {
                "start_date": today,
                "timezone": settings.TIME_ZONE,
                "weekdays": [str(today.weekday())],
                "day": today.day,
                "weekday": str(today.weekday()),
                "month": str(today.month),
            }
        values = {
            "title": rule.title,
            "start_date": rule.start_date,
            "time_of_day": rule.time_of_day,
            "timezone": rule.timezone,
            "catch_up": rule.catch_up,
            "shift": rule.shift,
            "description": rule.description,
            "assignee": str(rule.assignee_id) if rule.assignee_id else "",
            "instruction_doc": rule.instruction_doc,
            "instruction_step": rule.instruction_step,
            "systems": ", ".join(rule.systems),
            "tags": ", ".join(rule.tags),
            "proof_kind": rule.proof_kind,
            "proof_label": rule.proof_label,
            "rrule": rule.rrule,
        }
        return values | _spec_initial(rule)

    # --- cleaning --------------------------------------------------------------------------

    def clean_timezone(self) -> str:
        return self.cleaned_data["timezone"].strip()

    def clean(self):
        data = super().clean()
        every_n = data.get("kind") in (Kind.EVERY_N_DAYS, Kind.EVERY_N_WEEKS)
        if every_n and data.get("interval") is None and "interval" not in self.errors:
            self.add_error("interval", INTERVAL_ERROR)
        if any(name in self.errors for name in SCHEDULE_FIELDS):
            return data
        try:
            rrule = self._rrule(data)
        except ScheduleError as exc:
            self.add_error(self._field_of(str(exc)), str(exc))
            return data
        data["rrule"] = rrule
        try:
            self.parsed, self.window = schedule_check(
                rrule=rrule,
                start_date=data["start_date"],
                time_of_day=data["time_of_day"],
                tz=data["timezone"],
                catch_up=data["catch_up"],
                shift=data["shift"],
                generated_through=self.rule.generated_through if self.rule else None,
            )
        except ServiceError as exc:
            field = self._field_of(str(exc)) if exc.field == "rrule" else exc.field
            self.add_error(field, str(exc))
        return data

    def _rrule(self, data: dict) -> str:
        kind = data["kind"]
        if kind == ADVANCED:
            if not data.get("rrule", "").strip():
                raise ScheduleError(errors.EMPTY_RULE)
            return data["rrule"].strip()
        interval = 1 if kind in (Kind.DAILY, Kind.WEEKLY) else (data.get("interval") or 1)
        spec = ScheduleSpec(
            kind=Kind(kind),
            start=data["start_date"],
            time=data["time_of_day"],
            interval=interval,
            weekdays=tuple(int(w) for w in data.get("weekdays") or ()),
            day=data.get("day"),
            month=_int(data.get("month")),
            nth=_int(data.get("nth")),
            weekday=_int(data.get("weekday")),
            short_month=data.get("short_month") or None,
            count=data.get("count"),
            until=data.get("until"),
        )
        return to_rrule(spec)

    def _field_of(self, message: str) -> str | None:
        """The field a refusal of the schedule core is about: the RRULE in the advanced
        kind, else the plain field that made that part of the rule (or the form's top)."""
        if self.data.get("kind") == ADVANCED:
            return "rrule"
        for pattern, name in _ERROR_FIELDS:
            if pattern.match(message):
                return name
        return None

    def field_for_error(self, name: str | None) -> str | None:
        """Where a service refusal shows: the RRULE field only in the advanced kind."""
        if name == "rrule" and self.data.get("kind") != ADVANCED:
            return None
        return name

    def rule_input(self) -> RuleInput:
        data = self.cleaned_data
        return RuleInput(
            title=data["title"],
            rrule=data["rrule"],
            start_date=data["start_date"],
            time_of_day=data["time_of_day"],
            timezone=data["timezone"],
            catch_up=data["catch_up"],
            shift=data["shift"],
            description=data["description"],
            assignee=_person(data["assignee"], self.users),
            instruction_doc=data["instruction_doc"],
            instruction_step=data["instruction_step"],
            systems=_split(data["systems"]),
            tags=_split(data["tags"]),
            proof_kind=data["proof_kind"],
            proof_label=data["proof_label"],
        )

    # --- preview ------------------------------------------------------------------------------

    @property
    def schedule_errors(self) -> list[str]:
        return [
            str(e)
            for name in (None, *SCHEDULE_FIELDS)
            for e in self.errors.get(name or "__all__", [])
        ]

    def preview(self) -> Preview | None:
        """The next dates the saved rule would generate, or None while the schedule is invalid
        (only the schedule fields count: a missing title does not hide the preview)."""
        if self.errors.get("__all__") or self.parsed is None:
            return None
        return schedule_preview(
            self.parsed,
            shift=self.cleaned_data["shift"],
            checkpoint=self.rule.generated_through if self.rule else None,
            window=self.window,
        )


def schedule_preview(
    rule: ParsedRule, *, shift: str, checkpoint: date | None, window: Window | None
) -> Preview:
    """The sentence and the next six occurrences from today (or the start, or after the
    checkpoint of a rule being edited), each with its due date after the shift."""
    today = zone_today(rule.tz)
    after = max(today, rule.start) - timedelta(days=1)
    if checkpoint is not None:
        after = max(after, checkpoint)
    dates = next_dates(rule, after=after, n=PREVIEW_COUNT)
    try:
        calendar = working_calendar() if shift != Shift.NONE else None
        rows = plan(dates, rule=rule, shift_mode=shift, calendar=calendar)
    except ScheduleError:
        rows = plan(dates, rule=rule, shift_mode=Shift.NONE, calendar=None)
    kept = {row.occurrence_date for row in rows}
    return Preview(
        sentence=describe(rule.rrule, time=rule.time, tz=rule.tz, start=rule.start),
        rrule=rule.rrule,
        rows=rows,
        dropped=[d for d in dates if d not in kept],
        catch_up_count=sum(1 for p in window.create if p.occurrence_date < today) if window else 0,
        checkpoint=checkpoint,
    )


def _spec_initial(rule: RecurringRule) -> dict:
    """The kind fields of a stored rule, or the advanced kind when the form cannot say it."""
    try:
        spec = spec_from_rrule(rule.rrule, rule.start_date, rule.time_of_day)
    except ScheduleError:
        spec = None
    if spec is None:
        return {"kind": ADVANCED}
    values = {
        "kind": spec.kind.value,
        "interval": spec.interval,
        "weekdays": [str(w) for w in spec.weekdays],
        "until": spec.until,
        "count": spec.count,
    }
    for name in ("day", "nth", "weekday", "month"):
        value = getattr(spec, name)
        if value is not None:
            values[name] = value if name == "day" else str(value)
    if spec.short_month is not None:
        values["short_month"] = spec.short_month.value
    return values
