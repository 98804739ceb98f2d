"""Reads for the recurring pages: the list (rules and automatic templates) and a rule's page.

Next dates and sentences are computed in Python from each row (the schedule core caches
parsed rules), so a page costs a fixed number of queries however many rules it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from dataops.models import AuditEvent, JobRun
from dataops.selectors import paginate
from tasks.models import ClosureDay, RecurringRule, Schedule, Task, TemplateSchedule
from tasks.schedules import WorkingCalendar
from tasks.services.recurring import working_calendar

NEXT_ON_LIST = 3
NEXT_ON_PAGE = 6
RUNS_SHOWN = 5
AUDIT_SHOWN = 20
KIND = "recurring.generate"


def decorate(schedule: Schedule, n: int, calendar: WorkingCalendar | None = None) -> Schedule:
    """`today` (in the schedule's zone) and `next_tasks`: the next `n` tasks still to
    generate (tasks.schedules.Planned: occurrence and due date after the non-working-day
    shift)."""
    schedule.today = schedule.local_today()
    schedule.next_tasks = (
        schedule.upcoming_due(schedule.today, n, calendar or working_calendar())
        if schedule.enabled
        else []
    )
    return schedule


@dataclass
class RecurringList:
    page: Page
    automatic: list[TemplateSchedule]
    closures: list[ClosureDay]
    last_run: JobRun | None


def recurring_list(*, today: date, page_number: str | None) -> RecurringList:
    rules = RecurringRule.objects.select_related("assignee").order_by("-enabled", "title", "id")
    page = paginate(rules, page_number)
    # One read of the closure days serves both the working calendar and the closures card.
    closures = list(ClosureDay.objects.only("date", "reason"))
    calendar = working_calendar(closures=[c.date for c in closures])
    for rule in page:
        decorate(rule, NEXT_ON_LIST, calendar)
    automatic = [
        decorate(s, NEXT_ON_LIST, calendar)
        for s in TemplateSchedule.objects.select_related("template")
        .filter(template__automatic=True)
        .order_by("template__name")
    ]
    return RecurringList(
        page=page,
        automatic=automatic,
        closures=[c for c in closures if c.date >= today][:8],
        last_run=JobRun.objects.filter(kind=KIND).exclude(status=JobRun.Status.QUEUED).first(),
    )


def rule_row(*, rule_id: int) -> RecurringRule:
    return decorate(
        get_object_or_404(RecurringRule.objects.select_related("assignee"), pk=rule_id),
        NEXT_ON_LIST,
    )


def template_schedule_row(*, schedule_id: int) -> TemplateSchedule:
    return decorate(
        get_object_or_404(TemplateSchedule.objects.select_related("template"), pk=schedule_id),
        NEXT_ON_LIST,
    )


@dataclass
class RulePage:
    rule: RecurringRule
    tasks: Page
    task_count: int
    open_count: int
    runs: list[JobRun]
    audit: list[AuditEvent]


def audit_lines(event: AuditEvent) -> list[tuple[str, str]]:
    """(field, "before → after") for an edit, (field, value) for what a creation set."""
    lines = []
    for name, value in event.changes.items():
        if isinstance(value, list) and len(value) == 2:
            text = f"{_plain(value[0])} → {_plain(value[1])}"
        elif value in ("", [], None):
            continue
        else:
            text = _plain(value)
        lines.append((name, text))
    return lines


def _plain(value) -> str:
    if value in ("", [], None):
        return "—"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def rule_page(*, rule_id: int, page_number: str | None) -> RulePage:
    rule = decorate(
        get_object_or_404(
            RecurringRule.objects.select_related("assignee", "created_by", "updated_by"), pk=rule_id
        ),
        NEXT_ON_PAGE,
    )
    counts = rule.tasks.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=Task.OPEN))
    )
    tasks = rule.tasks.select_related("assignee").order_by("-occurrence_date", "-id")
    target = {
        "target_type": ContentType.objects.get_for_model(RecurringRule),
        "target_id": str(rule.pk),
    }
    audit = list(AuditEvent.objects.filter(**target).select_related("actor")[:AUDIT_SHOWN])
    for event in audit:
        event.lines = audit_lines(event)
        event.verb = event.action.removeprefix("recurring.").replace("_", " ")
    return RulePage(
        rule=rule,
        tasks=paginate(tasks, page_number),
        task_count=counts["total"],
        open_count=counts["open"],
        runs=list(
            JobRun.objects.filter(kind=KIND)
            .filter(Q(**target) | Q(trigger__in=[JobRun.Trigger.SCHEDULE, JobRun.Trigger.COMMAND]))
            .select_related("triggered_by")[:RUNS_SHOWN]
        ),
        audit=audit,
    )
