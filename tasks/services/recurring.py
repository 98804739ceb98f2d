"""The recurring generator: turn due occurrences into tasks (rules) and workflows (automatic
templates), idempotently, whatever crashes or runs at the same time.

Three layers keep every occurrence created exactly once:

1. **One tick at a time.** `recurring_generate` runs under a PostgreSQL session advisory lock
   (`pg_try_advisory_lock`); a run that finds it taken reports "skipped: already running" and
   leaves. The lock dies with its connection, so a crashed worker never blocks the next tick.
   SQLite (the embedded mode) has no advisory locks: there the database's single writer does
   the same job, because every rule's transaction starts `IMMEDIATE` (see settings) and
   re-reads the rule's checkpoint once it holds the write lock.
2. **One writer per schedule.** Each schedule is settled in its own transaction that starts
   by locking its row (`SELECT … FOR UPDATE`) and re-reading `generated_through`; the work it
   creates and the new checkpoint commit together. "Generate now" takes only this lock, so it
   may run beside the tick without either creating anything twice.
3. **The database has the last word.** Unique (rule, occurrence date) on tasks and (template,
   anchor date) on automatically started workflows. A conflict is counted as skipped inside a
   savepoint and never aborts the run.

A failing schedule (an exception, or a step refused for exceeding RECURRING_MAX_PER_RUN) is
recorded on its row and in the counts, the admins are told, and the run goes on.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Count, F, Model, OuterRef, Q, Subquery
from django.utils import timezone

from dataops.jobs import progress
from dataops.locks import try_advisory_lock
from dataops.redact import redact
from dataops.roles import admins
from dataops.services import notify, notify_admins
from tasks import messages
from tasks.models import (
    ClosureDay,
    HistoryEvent,
    RecurringRule,
    Schedule,
    Shift,
    Task,
    TaskDefinition,
    TemplateSchedule,
    Workflow,
)
from tasks.schedules import Planned, ScheduleError, Window, WorkingCalendar
from tasks.services.common import lock_workflow
from tasks.services.workflows import task_from_definition, users_by_username, workflow_start

log = logging.getLogger(__name__)
Action = HistoryEvent.Action

LOCK_KEY = 0x72_65_63_75  # "recu": the generator's advisory lock
BATCH_SIZE = 200  # schedules per batch; progress is stored on the job run after each
UTC_MAX_OFFSET = timedelta(hours=14)  # the earliest "today" of any zone is at most this ahead
# Losing the database is not one schedule's problem: the whole run fails and is retried.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


@dataclass
class GenerationReport:
    """What one run did. `counts()` is what the job-run row records."""

    ran: bool = True
    tasks: int = 0  # tasks created by recurring rules
    workflows: int = 0  # workflows started by automatic templates
    skipped: int = 0  # occurrences not created: catch-up policy, shift collision, existing
    recovered: int = 0  # template tasks added to automatically started workflows
    failed: int = 0  # schedules that raised an error
    refused: int = 0  # schedules refused for exceeding RECURRING_MAX_PER_RUN
    schedules: int = 0  # schedules looked at
    problems: list[tuple[Schedule, str]] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.tasks + self.workflows

    @property
    def note(self) -> str:
        if not self.ran:
            return messages.GENERATOR_SKIPPED
        return "; ".join(f"{schedule}: {text}" for schedule, text in self.problems)[:500]

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "skipped": self.skipped,
            "recovered": self.recovered,
            "failed": self.failed,
            "refused": self.refused,
            "tasks": self.tasks,
            "workflows": self.workflows,
            "schedules": self.schedules,
        }


@dataclass
class _Run:
    """What every schedule of one run shares: the moment, limits and the working calendar."""

    now: datetime
    through: date | None
    max_per_run: int
    report: GenerationReport
    _calendar: WorkingCalendar | None = None

    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = working_calendar()
        return self._calendar


def working_calendar(closures: Iterable[date] | None = None) -> WorkingCalendar:
    """Weekends, the public holidays of HOLIDAYS_COUNTRY and the admins' closure days (read
    from the database unless the caller has them already)."""
    if closures is None:
        closures = ClosureDay.objects.values_list("date", flat=True)
    return WorkingCalendar(country=settings.HOLIDAYS_COUNTRY or None, closures=closures)


# --- entry points ---------------------------------------------------------------------------


def recurring_generate(
    *, through: date | None = None, max_per_run: int | None = None, with_recovery: bool = True
) -> GenerationReport:
    """The tick: settle every enabled schedule whose next run day has come, then recover
    automatically started workflows that miss template tasks.

    Holds the advisory lock for the whole run; a second concurrent run returns at once with
    `ran=False`. `through` generates ahead up to that local date. Each schedule commits in
    its own transaction, so a crash keeps everything settled before it.
    """
    with generator_lock() as acquired:
        if not acquired:
            return GenerationReport(ran=False)
        run = _new_run(through, max_per_run)
        for model in (RecurringRule, TemplateSchedule):
            for batch in _batches(_due_ids(model, run.now, through)):
                for pk in batch:
                    _settle(model, pk, run, only_when_due=through is None)
                progress(**run.report.counts())
        if with_recovery:
            recover_workflows(report=run.report)
    _notify_problems(run.report)
    return run.report


def recurring_generate_one(
    *, schedule: Schedule, through: date | None = None, max_per_run: int | None = None
) -> GenerationReport:
    """ "Generate now" for one rule or automatic template, due or not.

    Takes only the schedule's row lock (not the run lock), so it never waits for a tick and
    never duplicates one: whoever locks second sees the other's checkpoint.
    """
    run = _new_run(through, max_per_run)
    model = type(schedule)
    _settle(model, schedule.pk, run, only_when_due=False)
    if model is TemplateSchedule:
        recover_workflows(report=run.report, template_id=schedule.template_id)
    _notify_problems(run.report)
    return run.report


@contextmanager
def generator_lock() -> Iterator[bool]:
    """The run-level lock: True when this run may go on. Session-level, so it spans the
    per-schedule transactions; released in `finally` or when the connection closes."""
    with try_advisory_lock(LOCK_KEY) as held:
        # SQLite (None): one writer at a time already (see the module docstring).
        yield True if held is None else held


def _new_run(through: date | None, max_per_run: int | None) -> _Run:
    limit = settings.RECURRING_MAX_PER_RUN if max_per_run is None else max_per_run
    return _Run(now=timezone.now(), through=through, max_per_run=limit, report=GenerationReport())


def _due_ids(model: type[Schedule], now: datetime, through: date | None) -> list[int]:
    """The schedules to settle, oldest first: due today in their own zone (`is_due`), or up
    to `through` when generating ahead. Exact per zone, so a tick in the evening (UTC) does
    not open every schedule whose "tomorrow" has already begun somewhere east."""
    schedules = model.objects.filter(enabled=True)
    if model is TemplateSchedule:
        schedules = schedules.filter(template__automatic=True)
    zones = list(schedules.order_by().values_list("timezone", flat=True).distinct())
    if not zones:
        return []
    due = Q()
    for zone in zones:
        try:
            today = now.astimezone(ZoneInfo(zone)).date()
        except (ZoneInfoNotFoundError, ValueError):  # refused on save; settle() records it
            today = (now + UTC_MAX_OFFSET).date()
        due |= Q(timezone=zone, next_run_on__lte=max(today, through or date.min))
    return list(schedules.filter(due).order_by("next_run_on", "pk").values_list("pk", flat=True))


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


# --- one schedule ------------------------------------------------------------------------------


def _settle(model: type[Schedule], pk: int, run: _Run, *, only_when_due: bool) -> None:
    """Settle one schedule in one transaction; record a failure on its row and go on."""
    try:
        with transaction.atomic():
            _relax_commit()
            schedule = _locked(model, pk)
            if schedule is None:
                return
            today = schedule.local_today(run.now)
            if only_when_due and not schedule.is_due(today):
                return  # settled by someone else since the ids were read
            run.report.schedules += 1
            window = schedule.window(
                today=today,
                max_per_run=run.max_per_run,
                through=run.through,
                calendar=run.calendar() if schedule.shift != Shift.NONE else None,
            )
            if window.is_refused:
                _record_problem(schedule, window.message, run, refused=True)
                return
            _apply(schedule, window, run)
    except CONNECTION_ERRORS:
        raise
    except Exception as exc:
        log.exception("recurring %s #%s failed", model.__name__, pk)
        _record_failure(model, pk, exc, run)


def _relax_commit() -> None:
    """Don't wait for this transaction's WAL flush (PostgreSQL). A crash may then lose the
    last commits, but each loses its tasks and its checkpoint together, so the next tick
    simply settles those occurrences again: no gap, no duplicate. A year of catch-up is a
    thousand commits, each of which would otherwise wait for the disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _locked(model: type[Schedule], pk: int) -> Schedule | None:
    rows = model.objects.select_for_update(of=("self",)).filter(pk=pk, enabled=True)
    if model is TemplateSchedule:
        return rows.select_related("template").filter(template__automatic=True).first()
    return rows.select_related("assignee").first()


def _apply(schedule: Schedule, window: Window, run: _Run) -> None:
    """Create the window's work and move the checkpoint, inside the caller's transaction."""
    if isinstance(schedule, RecurringRule):
        created, existing = _create_tasks(schedule, window.create)
        run.report.tasks += created
    else:
        created, existing = _start_workflows(schedule, window.create)
        run.report.workflows += created
    run.report.skipped += window.skipped + window.dropped + existing
    schedule.generated_through = window.checkpoint
    schedule.next_run_on = window.next_run_on
    fields = ["generated_through", "next_run_on", "last_error", "last_error_at"]
    if created:
        schedule.last_generated_at = run.now
        fields.append("last_generated_at")
    schedule.last_error, schedule.last_error_at = "", None
    schedule.save(update_fields=fields)


def _record_problem(schedule: Schedule, text: str, run: _Run, *, refused: bool) -> None:
    """A refused step keeps its checkpoint; the message stays on the rule until it is fixed."""
    schedule.last_error, schedule.last_error_at = text, run.now
    schedule.save(update_fields=["last_error", "last_error_at"])
    if refused:
        run.report.refused += 1
    run.report.problems.append((schedule, text))


def _record_failure(model: type[Schedule], pk: int, exc: BaseException, run: _Run) -> None:
    text = redact(
        f"{type(exc).__name__}: {exc}" if not isinstance(exc, ScheduleError) else str(exc)
    )[:2000]
    run.report.failed += 1
    model.objects.filter(pk=pk).update(last_error=text, last_error_at=run.now)
    schedule = model.objects.filter(pk=pk).first()
    if schedule is not None:
        run.report.problems.append((schedule, text.splitlines()[0] if text else ""))


# --- what a schedule creates ------------------------------------------------------------------


def _tasks_for(rule: RecurringRule, planned: list[Planned]) -> list[Task]:
    """One task per planned occurrence, with the rule's defaults. Copies of one prototype:
    building a 50-field model per row dominated a year of catch-up."""
    assignee = rule.assignee if rule.assignee_id and rule.assignee.is_active else None
    prototype = Task(
        title=rule.title,
        description=rule.description,
        due_date=None,
        assignee=assignee,
        source=Task.Source.RECURRING,
        recurring_rule=rule,
        instruction_doc=rule.instruction_doc,
        instruction_step=rule.instruction_step,
        systems=rule.systems,
        tags=rule.tags,
        proof_kind=rule.proof_kind,
        proof_label=rule.proof_label,
    )
    tasks = []
    for occurrence in planned:
        task = copy.copy(prototype)
        task.due_date, task.occurrence_date = occurrence.due_date, occurrence.occurrence_date
        tasks.append(task)
    return tasks


def _create_tasks(rule: RecurringRule, planned: tuple[Planned, ...]) -> tuple[int, int]:
    """(created, already there). Occurrences that exist are left alone."""
    if not planned:
        return 0, 0
    existing = existing_occurrences(rule, [p.occurrence_date for p in planned])
    made, duplicates = insert_once(
        _tasks_for(rule, [p for p in planned if p.occurrence_date not in existing])
    )
    record_created(made, note=f"From the recurring rule “{rule.title}”.")
    return len(made), len(existing) + duplicates


def record_created(tasks: list[Task], *, note: str) -> None:
    """A "created" history event per task, written by the database in one INSERT … SELECT.

    Building one model per event was a quarter of a year's catch-up; the events are the same
    as the services write (no actor: the system made them; the task row holds its dates)."""
    if not tasks:
        return
    meta, quote = HistoryEvent._meta, connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("task", "action", "note", "before", "after", "at")
    )
    values = [
        meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in (
            ("action", Action.CREATED),
            ("note", note),
            ("before", {}),
            ("after", {}),
            ("at", timezone.now()),
        )
    ]
    ids = [task.pk for task in tasks]
    placeholders = ", ".join(["%s"] * len(ids))
    # Names come from the models' meta and every value is a bound parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # nosec B608
        f"SELECT {quote(Task._meta.pk.column)}, %s, %s, %s, %s, %s "
        f"FROM {quote(Task._meta.db_table)} "
        f"WHERE {quote(Task._meta.pk.column)} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *ids])


def existing_occurrences(rule: RecurringRule, dates: list[date]) -> set[date]:
    """Occurrences that already have a task. Under the rule's row lock this is exact; the
    unique constraint still guards any writer that skipped the lock."""
    wanted = set(dates)
    found = Task.objects.filter(
        recurring_rule=rule, occurrence_date__range=(min(dates), max(dates))
    )
    return wanted & set(found.values_list("occurrence_date", flat=True))


def insert_once(tasks: list[Task]) -> tuple[list[Task], int]:
    """Insert tasks; those a unique constraint refuses are counted, not raised.

    One savepoint for the whole batch; only when it conflicts (someone raced us) are the
    rows tried one by one, each in its own savepoint.
    """
    if not tasks:
        return [], 0
    try:
        with transaction.atomic():
            return Task.objects.bulk_create(tasks), 0
    except IntegrityError as exc:
        if not is_duplicate(exc):
            raise
    made, duplicates = [], 0
    for task in tasks:
        task.pk = None
        try:
            with transaction.atomic():
                task.save(force_insert=True)
        except IntegrityError as exc:
            if not is_duplicate(exc):
                raise
            duplicates += 1
        else:
            made.append(task)
    return made, duplicates


def is_duplicate(exc: IntegrityError) -> bool:
    """Whether a unique constraint refused the row (not a check or a foreign key)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(exc)


def _start_workflows(schedule: TemplateSchedule, planned: tuple[Planned, ...]) -> tuple[int, int]:
    """One workflow per occurrence, anchored `lead_days` after the occurrence date (its
    identity: a later change of closure days moves no anchor, so nothing starts twice);
    none when a workflow of the template already has that anchor."""
    template = schedule.template
    started, existing = 0, 0
    for occurrence in planned:
        anchor = occurrence.occurrence_date + timedelta(days=template.lead_days)
        if already_started(template.pk, anchor):
            existing += 1
            continue
        try:
            workflow = workflow_start(
                template=template, anchor_date=anchor, by=None, auto_started=True
            )
        except IntegrityError as exc:  # workflow_start rolled back to its own savepoint
            if not is_duplicate(exc):
                raise
            existing += 1
            continue
        started += 1
        _announce_start(workflow, template.default_assignee)
    return started, existing


def already_started(template_id: int, anchor: date) -> bool:
    """A workflow of the template for that anchor exists. One started by hand counts too:
    the schedule then refrains from adding its own (only its own are unique in the DB)."""
    return Workflow.objects.filter(template_id=template_id, anchor_date=anchor).exists()


def _announce_start(workflow: Workflow, username: str) -> None:
    def send() -> None:
        people = list(users_by_username({username}).values()) or list(admins())
        notify(
            recipients=people,
            kind="workflow_auto_started",
            text=f"“{workflow.title}” started itself: {workflow.tasks.count()} tasks.",
            link=workflow.get_absolute_url(),
            dedup_key=f"workflow-auto-started:{workflow.pk}",
        )

    transaction.on_commit(send)


# --- recovering workflows -----------------------------------------------------------------------


def recover_workflows(*, report: GenerationReport, template_id: int | None = None) -> None:
    """Give automatically started workflows the template tasks they miss (an import that
    stopped half-way, rows removed by hand). Only workflows still on their template's
    current version: a newer version's extra tasks were never theirs."""
    for workflow_id in _incomplete_workflow_ids(template_id):
        try:
            with transaction.atomic():
                report.recovered += _recover(workflow_id)
        except CONNECTION_ERRORS:
            raise
        except Exception:
            log.exception("recovering workflow #%s failed", workflow_id)
            report.failed += 1


def _incomplete_workflow_ids(template_id: int | None) -> list[int]:
    expected = (
        TaskDefinition.objects.filter(template=OuterRef("template"))
        .values("template")
        .annotate(n=Count("pk"))
        .values("n")
    )
    workflows = Workflow.objects.filter(
        auto_started=True, status=Workflow.Status.ACTIVE, template_version=F("template__version")
    )
    if template_id is not None:
        workflows = workflows.filter(template_id=template_id)
    return list(
        workflows.annotate(
            have=Count("tasks", filter=~Q(tasks__template_ref="")),
            want=Subquery(expected),
        )
        .filter(have__lt=F("want"))
        .values_list("pk", flat=True)
    )


def _recover(workflow_id: int) -> int:
    workflow = lock_workflow(workflow_id)
    template = workflow.template
    present = set(workflow.tasks.values_list("template_ref", flat=True))
    missing = [d for d in template.task_definitions.select_related("phase") if d.ref not in present]
    people = users_by_username({template.default_assignee, *(d.assignee for d in missing)})
    default = people.get(template.default_assignee)
    made, _ = insert_once(
        [task_from_definition(d, workflow, people, default, None) for d in missing]
    )
    HistoryEvent.objects.bulk_create(
        [
            HistoryEvent(
                task=task,
                workflow=workflow,
                action=Action.CREATED,
                note="Recovered: the workflow was missing this template task.",
                after={"due_date": task.due_date.isoformat()},
            )
            for task in made
        ]
    )
    return len(made)


# --- telling people ---------------------------------------------------------------------------


def _notify_problems(report: GenerationReport) -> None:
    """One notification per schedule, error and day: a rule refused on every tick does not
    flood the bell."""
    day = timezone.localdate().isoformat()
    for schedule, text in report.problems:
        first_line = (text.splitlines() or [""])[0]
        notify_admins(
            kind="recurring_failed",
            text=messages.GENERATION_FAILED.format(title=_title(schedule), error=first_line),
            link=schedule.get_absolute_url(),
            dedup_key=f"recurring:{_key(schedule)}:{hash_text(first_line)}:{day}",
        )


def _title(schedule: Schedule) -> str:
    return schedule.title if isinstance(schedule, RecurringRule) else schedule.template.name


def _key(schedule: Model) -> str:
    return f"{type(schedule).__name__.lower()}-{schedule.pk}"


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


__all__ = [
    "GenerationReport",
    "generator_lock",
    "insert_once",
    "is_duplicate",
    "recover_workflows",
    "recurring_generate",
    "recurring_generate_one",
    "working_calendar",
]
