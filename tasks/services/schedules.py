"""Writes to schedules: recurring rules (create, edit, pause, resume, delete, generate now),
automatic templates' schedules, and closure days. Every change is audited.

A schedule is validated as a whole before anything is saved (`schedule_check`): the RRULE
against its start date, time and zone, that it still has a future occurrence, and that its
first generator step would not exceed RECURRING_MAX_PER_RUN. Refusals are `ServiceError`s
naming the form field they concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.jobs import enqueue
from dataops.models import JobRun, User
from dataops.services import audit_record
from tasks import messages
from tasks.models import (
    CatchUp,
    ClosureDay,
    ProofKind,
    RecurringRule,
    Schedule,
    Shift,
    TemplateSchedule,
    WorkflowTemplate,
)
from tasks.models.recurring import DEFAULT_TIME
from tasks.permissions import check_control_schedule, check_delete_rule, check_manage_rule
from tasks.schedules import (
    MAX_SHIFT_DAYS,
    ParsedRule,
    ScheduleError,
    ShiftMode,
    Window,
    due_window,
    parse_rrule,
)
from tasks.schedules.validate import check_start, check_time, check_tz
from tasks.services.recurring import working_calendar
from tasks.template_spec import schedule_rule


@dataclass(frozen=True)
class RuleInput:
    """Everything a person sets on a recurring rule (the form, the command, the seed file)."""

    title: str
    rrule: str
    start_date: date
    time_of_day: time = DEFAULT_TIME
    timezone: str = ""  # empty: the organisation's zone
    catch_up: str = CatchUp.LATEST
    shift: str = Shift.NONE
    description: str = ""
    assignee: User | None = None
    instruction_doc: str = ""
    instruction_step: str = ""
    systems: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    proof_kind: str = ProofKind.NONE
    proof_label: str = ""


MAX_INTERVAL = 1000  # "every 1,000 weeks" is already twenty years
MAX_YEARS_AHEAD = 100  # the latest end date a rule may have, from today
# A run queued or running longer than this is taken for dead (a worker killed mid-run): it no
# longer stands in the way of a new "generate now".
PENDING_RUN_MAX_AGE = timedelta(hours=1)
SCHEDULE_FIELDS = ("rrule", "start_date", "time_of_day", "timezone", "catch_up", "shift")
DEFAULT_FIELDS = (
    "title",
    "description",
    "assignee",
    "instruction_doc",
    "instruction_step",
    "systems",
    "tags",
    "proof_kind",
    "proof_label",
)


def zone_today(tz: str) -> date:
    return timezone.now().astimezone(ZoneInfo(tz)).date()


# --- validation ---------------------------------------------------------------------------------


def schedule_check(
    *,
    rrule: str,
    start_date: date | str,
    time_of_day: time | str,
    tz: str,
    catch_up: str,
    shift: str,
    generated_through: date | None = None,
) -> tuple[ParsedRule, Window]:
    """Validate a schedule as it would be saved; return the rule and its first step.

    Raises ServiceError with `field` set to the input to fix: timezone, start_date,
    time_of_day, rrule, catch_up or shift (a step over the per-run limit names start_date,
    the usual fix, and its message names the others).
    """
    tz = _checked(check_tz, tz, "timezone")
    start = _checked(check_start, start_date, "start_date")
    at = _checked(check_time, time_of_day, "time_of_day")
    _choice(catch_up, CatchUp, "catch_up")
    _choice(shift, Shift, "shift")
    today = zone_today(tz)
    try:
        rule = parse_rrule(rrule, start=start, time=at, tz=tz, today=today)
    except ScheduleError as exc:
        raise ServiceError(str(exc), field="rrule") from exc
    _check_bounds(rule, today)
    # Shifts only ever drop occurrences, so the count without the calendar is an upper bound.
    window = due_window(
        rule,
        generated_through=generated_through,
        today=today,
        policy=catch_up,
        max_per_run=settings.RECURRING_MAX_PER_RUN,
    )
    if window.is_refused:
        raise ServiceError(window.message, field="start_date")
    return rule, window


def _check_bounds(rule: ParsedRule, today: date) -> None:
    """Values the RRULE syntax allows but no chore needs are typos (INTERVAL=5000, an end
    in the year 9999): refuse them, naming the limit."""
    if rule.parts.interval > MAX_INTERVAL:
        raise ServiceError(messages.RULE_INTERVAL_TOO_BIG, field="rrule")
    limit = today + relativedelta(years=MAX_YEARS_AHEAD)
    until = rule.until_local
    if until is not None and until.date() > limit:
        raise ServiceError(
            messages.RULE_UNTIL_TOO_FAR.format(
                until=until.date().isoformat(), limit=limit.isoformat()
            ),
            field="rrule",
        )


def _checked(check, value, field_name: str):
    try:
        return check(value)
    except ScheduleError as exc:
        raise ServiceError(str(exc), field=field_name) from exc


def _choice(value: str, choices, field_name: str) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ServiceError(f"“{value}” is not one of {allowed}.", field=field_name)


def _clean_defaults(data: RuleInput) -> dict:
    title = data.title.strip()
    if not title:
        raise ServiceError(messages.RULE_TITLE_REQUIRED, field="title")
    _choice(data.proof_kind, ProofKind, "proof_kind")
    if data.proof_kind == ProofKind.URL and not data.proof_label.strip():
        raise ServiceError(messages.PROOF_LABEL_NEEDS_URL, field="proof_label")
    if data.assignee is not None and not data.assignee.is_active:
        who = data.assignee.display_name
        raise ServiceError(messages.INACTIVE_ASSIGNEE.format(who=who), field="assignee")
    return {
        "title": title[:300],
        "description": data.description.strip(),
        "assignee": data.assignee,
        "instruction_doc": data.instruction_doc.strip(),
        "instruction_step": data.instruction_step.strip(),
        "systems": _words(data.systems),
        "tags": _words(data.tags),
        "proof_kind": data.proof_kind,
        "proof_label": data.proof_label.strip(),
    }


def _words(values) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _schedule_values(data: RuleInput, generated_through: date | None) -> dict:
    tz = data.timezone or settings.TIME_ZONE
    rule, _ = schedule_check(
        rrule=data.rrule,
        start_date=data.start_date,
        time_of_day=data.time_of_day,
        tz=tz,
        catch_up=data.catch_up,
        shift=data.shift,
        generated_through=generated_through,
    )
    return {
        "rrule": rule.rrule,
        "start_date": rule.start,
        "time_of_day": rule.time,
        "timezone": tz,
        "catch_up": data.catch_up,
        "shift": data.shift,
    }


def first_run_on(schedule: Schedule) -> date | None:
    """The first day the generator has work for the schedule after its checkpoint: its next
    occurrence, or that occurrence's earlier due date under a `previous` shift."""
    after = schedule.generated_through or schedule.start_date - timedelta(days=1)
    upcoming = schedule.next_dates(after, 1)
    if not upcoming:
        return None
    if schedule.shift != Shift.PREVIOUS:
        return upcoming[0]
    try:
        return working_calendar().shift(upcoming[0], ShiftMode.PREVIOUS)
    except ScheduleError:
        return upcoming[0] - timedelta(days=MAX_SHIFT_DAYS)  # the generator will say why


def _audit_values(rule: RecurringRule, names) -> dict:
    values = {}
    for name in names:
        value = getattr(rule, name)
        if isinstance(value, date | time):
            value = value.isoformat()
        elif isinstance(value, User):
            value = value.username
        values[name] = value
    return values


# --- rules ----------------------------------------------------------------------------------------


@transaction.atomic
def recurring_rule_create(
    *, data: RuleInput, by: User | None, enabled: bool = True, seed_key: str = ""
) -> RecurringRule:
    """Validate and save a new rule; audited. Nothing is generated here: the next tick (or
    "generate now") does that."""
    rule = RecurringRule(
        **_clean_defaults(data),
        **_schedule_values(data, None),
        enabled=enabled,
        seed_key=seed_key,
        created_by=by,
        updated_by=by,
    )
    rule.next_run_on = first_run_on(rule)
    rule.save()
    audit_record(
        actor=by,
        action="recurring.created",
        target=rule,
        changes=_audit_values(rule, SCHEDULE_FIELDS + DEFAULT_FIELDS),
    )
    return rule


@transaction.atomic
def recurring_rule_edit(*, rule: RecurringRule, data: RuleInput, by: User | None) -> RecurringRule:
    """Change a rule. The checkpoint stays: occurrences already settled are never generated
    again, whatever the new schedule says; it applies from the day after. Its owner's or an
    admin's (PermissionDenied otherwise)."""
    rule = _lock(rule)
    check_manage_rule(by, rule)
    values = {**_clean_defaults(data), **_schedule_values(data, rule.generated_through)}
    before = _audit_values(rule, values)
    for name, value in values.items():
        setattr(rule, name, value)
    after = _audit_values(rule, values)
    changed = {name: [before[name], after[name]] for name in values if before[name] != after[name]}
    if not changed:
        return rule
    if set(changed) & set(SCHEDULE_FIELDS):
        rule.next_run_on = first_run_on(rule)
    rule.updated_by, rule.updated_at = by, timezone.now()
    rule.save()
    audit_record(actor=by, action="recurring.edited", target=rule, changes=changed)
    return rule


@transaction.atomic
def recurring_rule_delete(*, rule: RecurringRule, by: User | None) -> None:
    """Delete a rule that never generated anything; one with tasks is refused (pause it).
    Admins only (PermissionDenied otherwise)."""
    check_delete_rule(by)
    rule = _lock(rule)
    count = rule.tasks.count()
    if count:
        raise ServiceError(
            messages.RULE_DELETE_REFUSED.format(count=count, s="" if count == 1 else "s")
        )
    audit_record(
        actor=by,
        action="recurring.deleted",
        target=rule,
        changes=_audit_values(rule, SCHEDULE_FIELDS + ("title",)),
    )
    rule.delete()


# --- any schedule: pause, resume, generate now --------------------------------------------------


def _lock(schedule: Schedule) -> Schedule:
    rows = type(schedule).objects.select_for_update(of=("self",))
    if isinstance(schedule, TemplateSchedule):
        rows = rows.select_related("template")
    return rows.get(pk=schedule.pk)


def schedule_title(schedule: Schedule) -> str:
    return schedule.title if isinstance(schedule, RecurringRule) else schedule.template.name


@transaction.atomic
def schedule_pause(*, schedule: Schedule, by: User | None) -> Schedule:
    """Stop generating; the checkpoint stays where it is."""
    schedule = _lock(schedule)
    check_control_schedule(by, schedule)
    if not schedule.enabled:
        raise ServiceError(messages.ALREADY_PAUSED.format(title=schedule_title(schedule)))
    schedule.enabled = False
    schedule.save(update_fields=["enabled"])
    audit_record(actor=by, action="recurring.paused", target=schedule)
    return schedule


@dataclass(frozen=True)
class Resumed:
    schedule: Schedule
    missed: int  # occurrences whose day passed while paused
    created: int  # how many of them the catch-up policy creates

    @property
    def message(self) -> str:
        title = schedule_title(self.schedule)
        if not self.missed:
            return messages.RESUMED.format(title=title)
        return messages.RESUMED_AFTER_GAP.format(
            title=title,
            missed=self.missed,
            s="" if self.missed == 1 else "s",
            policy=self.schedule.catch_up,
            created=self.created,
        )


@transaction.atomic
def schedule_resume(*, schedule: Schedule, by: User | None) -> Resumed:
    """Generate again. Occurrences that passed during the pause are missed occurrences, so
    the schedule's catch-up policy decides how many are created: `latest` one, `none` none,
    `all` every one (the message says how many before the next run makes them)."""
    schedule = _lock(schedule)
    check_control_schedule(by, schedule)
    if schedule.enabled:
        raise ServiceError(messages.NOT_PAUSED.format(title=schedule_title(schedule)))
    schedule.enabled = True
    schedule.next_run_on = first_run_on(schedule)
    schedule.save(update_fields=["enabled", "next_run_on"])
    missed, created = _missed(schedule)
    audit_record(
        actor=by,
        action="recurring.resumed",
        target=schedule,
        changes={"missed": missed, "created_of_missed": created},
    )
    return Resumed(schedule, missed, created)


def _missed(schedule: Schedule) -> tuple[int, int]:
    today = schedule.local_today()
    try:
        window = schedule.window(
            today=today, max_per_run=settings.RECURRING_MAX_PER_RUN, calendar=None
        )
    except ScheduleError:
        return 0, 0
    if window.is_refused:
        return window.refused, 0
    created = sum(1 for p in window.create if p.occurrence_date < today)
    return created + window.skipped, created


@dataclass(frozen=True)
class GenerateNow:
    run: JobRun
    joined: bool  # a run for the schedule was pending already: the click joined it


def schedule_generate_now(*, schedule: Schedule, by: User | None) -> GenerateNow:
    """Queue "generate now" for one schedule (a job-run row shows it); audited.

    One pending run per schedule: while one is queued or running, another click joins it
    instead of queueing a second. Clicks take turns on the schedule's row lock, so fifty at
    once still find the one run the first of them queued."""
    from tasks.tasks import generate_recurring  # the job module imports the services

    check_control_schedule(by, schedule)
    key = "rule" if isinstance(schedule, RecurringRule) else "template_schedule"
    with transaction.atomic():
        schedule = _lock(schedule)
        pending = _pending_run(schedule, kind=generate_recurring.kind)
        if pending is not None:
            return GenerateNow(pending, joined=True)
        audit_record(actor=by, action="recurring.generate_now", target=schedule)
        run = enqueue(generate_recurring, kwargs={key: schedule.pk}, by=by, target=schedule)
        return GenerateNow(run, joined=False)


def _pending_run(schedule: Schedule, *, kind: str) -> JobRun | None:
    pending = (JobRun.Status.QUEUED, JobRun.Status.RUNNING, JobRun.Status.RETRYING)
    return (
        JobRun.objects.filter(
            kind=kind,
            target_type=ContentType.objects.get_for_model(schedule),
            target_id=str(schedule.pk),
            status__in=pending,
            created_at__gte=timezone.now() - PENDING_RUN_MAX_AGE,
        )
        .order_by("created_at")
        .first()
    )


# --- automatic templates ------------------------------------------------------------------------


def template_schedule_sync(*, template: WorkflowTemplate) -> TemplateSchedule | None:
    """Install or update the schedule row of an automatic template (idempotent).

    A new row starts today in its zone, so loading templates on a fresh install starts no
    backlog of past workflows. A changed schedule keeps the checkpoint (nothing settled is
    started again) and the pause switch; a template that is no longer automatic keeps its
    row, which the generator then ignores.
    """
    existing = TemplateSchedule.objects.filter(template=template).first()
    if not (template.automatic and template.schedule):
        return existing
    rrule, at = schedule_rule(template.schedule, template.schedule_time)
    tz = template.schedule_timezone or settings.TIME_ZONE
    wanted = {
        "rrule": rrule,
        "time_of_day": at,
        "timezone": tz,
        "catch_up": template.catch_up,
        "shift": template.shift,
    }
    if existing is not None and all(getattr(existing, k) == v for k, v in wanted.items()):
        return existing
    row = existing or TemplateSchedule(template=template, start_date=zone_today(tz))
    for name, value in wanted.items():
        setattr(row, name, value)
    row.next_run_on = first_run_on(row)
    row.updated_at = timezone.now()
    row.save()
    return row


# --- closure days -------------------------------------------------------------------------------


@transaction.atomic
def closure_day_save(*, closure: ClosureDay, by: User | None) -> ClosureDay:
    """Add or change a closure day. Rules shifting to the *previous* working day may now be
    due earlier than their stored next run, so those are looked at again on the next tick."""
    created = closure.pk is None
    if created:
        closure.created_by = by
    closure.save()
    recheck_from = closure.date - timedelta(days=MAX_SHIFT_DAYS)
    for model in (RecurringRule, TemplateSchedule):
        model.objects.filter(shift=Shift.PREVIOUS, next_run_on__isnull=False).update(
            next_run_on=Least(F("next_run_on"), Value(recheck_from))
        )
    audit_record(
        actor=by,
        action="closure.added" if created else "closure.changed",
        target=closure,
        changes={"date": closure.date.isoformat(), "reason": closure.reason},
    )
    return closure


@transaction.atomic
def closure_day_delete(*, closure: ClosureDay, by: User | None) -> None:
    audit_record(
        actor=by,
        action="closure.removed",
        target=closure,
        changes={"date": closure.date.isoformat()},
    )
    closure.delete()
