"""Starting, editing and archiving workflows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.models import (
    HistoryEvent,
    Stage,
    Task,
    TaskDefinition,
    Workflow,
    WorkflowLinkSlot,
    WorkflowReference,
    WorkflowTemplate,
)
from tasks.permissions import check_archive_workflow
from tasks.services.common import (
    ANCHOR_RANGE_YEARS,
    check_date,
    clean_url,
    lock_workflow,
    record,
    save_task,
)
from tasks.services.notifications import resolve_due_notifications
from tasks.template_spec import render_title

Action = HistoryEvent.Action


def users_by_username(usernames: set[str]) -> dict[str, User]:
    """Active users among `usernames`, in one query; unknown names are simply absent."""
    names = {name for name in usernames if name}
    if not names:
        return {}
    return {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}


def suggested_title(
    template: WorkflowTemplate, anchor_date: date, values: dict | None = None
) -> str:
    return render_title(
        template.title_pattern, anchor=anchor_date, name=template.name, values=values
    )


def task_from_definition(
    definition: TaskDefinition,
    workflow: Workflow,
    people: dict[str, User],
    default: User | None,
    by,
) -> Task:
    return Task(
        title=definition.title,
        description=definition.description,
        due_date=workflow.anchor_date + timedelta(days=definition.offset_days),
        assignee=people.get(definition.assignee) if definition.assignee else default,
        source=Task.Source.TEMPLATE,
        workflow=workflow,
        template_ref=definition.ref,
        phase=definition.phase.slug,
        position=definition.position,
        milestone=definition.milestone,
        stage_on_complete=definition.stage_on_complete,
        instruction_doc=definition.instruction_doc,
        instruction_step=definition.instruction_step,
        systems=definition.systems,
        proof_kind=definition.proof_kind,
        proof_label=definition.proof_label,
        required_slots=definition.required_slots,
        na_reasons=definition.na_reasons,
        waiting_hint=definition.waiting_hint,
        created_by=by,
    )


def _create_slots(workflow: Workflow, template: WorkflowTemplate, urls: dict[str, str]) -> None:
    cleaned = {name: clean_url(url, field=f"slot:{name}") for name, url in urls.items()}
    WorkflowLinkSlot.objects.bulk_create(
        [
            WorkflowLinkSlot(
                workflow=workflow,
                name=slot.name,
                position=slot.position,
                url=cleaned.get(slot.name, ""),
            )
            for slot in template.link_slots.all()
        ]
    )


@transaction.atomic
def workflow_start(
    *,
    template: WorkflowTemplate,
    anchor_date: date,
    by: User | None,
    title: str = "",
    title_values: dict[str, str] | None = None,
    slot_urls: dict[str, str] | None = None,
    notes: str = "",
    auto_started: bool = False,
    start_key: UUID | None = None,
) -> Workflow:
    """Start a run of `template`: every task created in this one transaction, due on
    anchor + offset, assigned by username (override, else the template default; unknown
    people leave it unassigned), link slots created (pre-filled from `slot_urls`).

    `auto_started` marks a start by the template's own schedule: the database then allows
    one per template and anchor date (IntegrityError otherwise; the generator counts it).
    `start_key` is unique too: see `workflow_start_once`."""
    check_date(
        anchor_date,
        field="anchor_date",
        years=ANCHOR_RANGE_YEARS,
        message=messages.ANCHOR_OUT_OF_RANGE,
    )
    definitions = list(template.task_definitions.select_related("phase"))
    if not definitions:
        raise ServiceError(messages.TEMPLATE_EMPTY.format(name=template.name))
    people = users_by_username({template.default_assignee, *(d.assignee for d in definitions)})
    workflow = Workflow.objects.create(
        template=template,
        template_version=template.version,
        anchor_date=anchor_date,
        title=(title.strip() or suggested_title(template, anchor_date, title_values))[:300],
        phases=[
            {"slug": p.slug, "title": p.title, "stage": p.stage} for p in template.phases.all()
        ],
        notes=notes.strip(),
        created_by=by,
        auto_started=auto_started,
        start_key=start_key,
    )
    _create_slots(workflow, template, slot_urls or {})
    WorkflowReference.objects.bulk_create(
        [
            WorkflowReference(workflow=workflow, title=r.title, url=r.url, position=r.position)
            for r in template.references.all()
        ]
    )
    default = people.get(template.default_assignee)
    tasks = Task.objects.bulk_create(
        [task_from_definition(d, workflow, people, default, by) for d in definitions]
    )
    HistoryEvent.objects.bulk_create(
        [
            HistoryEvent(
                task=task,
                workflow=workflow,
                actor=by,
                action=Action.CREATED,
                note=f"From the “{template.name}” template.",
                after={"due_date": task.due_date.isoformat()},
            )
            for task in tasks
        ]
    )
    note = "Started by the template's own schedule." if auto_started else ""
    record(
        action=Action.STARTED,
        by=by,
        workflow=workflow,
        note=note,
        after={
            "template": template.slug,
            "version": template.version,
            "anchor_date": anchor_date.isoformat(),
            "tasks": len(tasks),
        },
    )
    return workflow


@dataclass(frozen=True)
class Started:
    workflow: Workflow
    created: bool  # False: the form's key had started it already (a resubmit)


def same_anchor_workflows(template: WorkflowTemplate, anchor_date: date) -> list[Workflow]:
    """Active workflows of `template` on `anchor_date`: starting another one is usually a
    mistake, so people are asked first."""
    return list(
        Workflow.objects.filter(
            template=template, anchor_date=anchor_date, status=Workflow.Status.ACTIVE
        ).order_by("pk")
    )


def _started_with(start_key: UUID) -> Workflow | None:
    return Workflow.objects.filter(start_key=start_key).first()


def workflow_start_once(
    *,
    start_key: UUID,
    template: WorkflowTemplate,
    anchor_date: date,
    allow_same_anchor: bool = False,
    **start: Any,
) -> Started:
    """`workflow_start` for a start form: each form carries a key, unique in the database,
    so however often the same form is posted (a double click, a retry, ten posts at once)
    one workflow is started and every post gets that one back.

    Without `allow_same_anchor`, a template that already has an active workflow on that
    anchor date is refused (code "same_anchor"): the person confirms before a second one.
    The start runs in its own transaction; a post that loses the race to the same key waits
    on the unique index until the winner commits, then returns the winner's workflow."""
    earlier = _started_with(start_key)
    if earlier is not None:
        return Started(earlier, created=False)
    same = [] if allow_same_anchor else same_anchor_workflows(template, anchor_date)
    # The same post may have committed since the key was looked up: that one is no rival.
    mine = next((workflow for workflow in same if workflow.start_key == start_key), None)
    if mine is not None:
        return Started(mine, created=False)
    if same:
        raise ServiceError(
            messages.SAME_ANCHOR_EXISTS.format(
                name=template.name, anchor=f"{anchor_date:%a %-d %b %Y}"
            ),
            code="same_anchor",
        )
    try:
        workflow = workflow_start(
            template=template, anchor_date=anchor_date, start_key=start_key, **start
        )
    except IntegrityError:
        earlier = _started_with(start_key)
        if earlier is None:
            raise
        return Started(earlier, created=False)
    return Started(workflow, created=True)


@transaction.atomic
def workflow_set_link_slot(
    *, workflow: Workflow, name: str, url: str, by: User | None
) -> WorkflowLinkSlot:
    """Fill, change or clear (empty `url`) one shared proof link of a workflow."""
    workflow = lock_workflow(workflow)
    if workflow.is_archived:
        raise ServiceError(messages.WORKFLOW_ARCHIVED)
    slot = workflow.link_slots.select_for_update().filter(name=name).first()
    if slot is None:
        raise ServiceError(messages.UNKNOWN_SLOT.format(name=name), field="url")
    url = clean_url(url)
    if url == slot.url:
        return slot
    before = slot.url
    slot.url, slot.updated_by, slot.updated_at = url, by, timezone.now()
    slot.save(update_fields=["url", "updated_by", "updated_at"])
    record(
        action=Action.SLOT_SET,
        by=by,
        workflow=workflow,
        note=name,
        before={name: before},
        after={name: url},
    )
    return slot


@transaction.atomic
def workflow_change_stage(
    *, workflow: Workflow, stage: str, comment: str, by: User | None
) -> Workflow:
    """Set the stage by hand (either direction: a correction), always with a comment."""
    workflow = lock_workflow(workflow)
    if workflow.is_archived:
        raise ServiceError(messages.WORKFLOW_ARCHIVED)
    if stage not in Stage.values:
        raise ServiceError(messages.STAGE_UNKNOWN.format(stage=stage), field="stage")
    if stage == workflow.stage:
        raise ServiceError(messages.STAGE_SAME.format(stage=Stage(stage).label), field="stage")
    if not comment.strip():
        raise ServiceError(messages.STAGE_NEEDS_COMMENT, field="comment")
    before = workflow.stage
    workflow.stage = stage
    workflow.save(update_fields=["stage"])
    record(
        action=Action.STAGE_CHANGED,
        by=by,
        workflow=workflow,
        note=comment.strip(),
        before={"stage": before},
        after={"stage": stage},
    )
    return workflow


@transaction.atomic
def workflow_archive(*, workflow: Workflow, by: User | None, note: str = "") -> Workflow:
    """Archive the workflow and its open tasks (they leave Home); done work stays as is.
    Only an admin or the person who started it may (PermissionDenied otherwise)."""
    workflow = lock_workflow(workflow)
    check_archive_workflow(by, workflow)
    if workflow.is_archived:
        raise ServiceError(messages.WORKFLOW_ALREADY_ARCHIVED)
    open_tasks = list(workflow.tasks.select_for_update().filter(status__in=Task.OPEN))
    now = timezone.now()
    for task in open_tasks:
        task.status, task.version, task.updated_at = Task.Status.ARCHIVED, task.version + 1, now
    Task.objects.bulk_update(open_tasks, ["status", "version", "updated_at"])
    HistoryEvent.objects.bulk_create(
        [
            HistoryEvent(
                task=task,
                workflow=workflow,
                actor=by,
                action=Action.ARCHIVED,
                note="Archived with its workflow.",
                after={"status": "archived"},
            )
            for task in open_tasks
        ]
    )
    workflow.status, workflow.archived_at = Workflow.Status.ARCHIVED, now
    workflow.save(update_fields=["status", "archived_at"])
    record(
        action=Action.ARCHIVED,
        by=by,
        workflow=workflow,
        note=note.strip(),
        after={"open_tasks_archived": len(open_tasks)},
    )
    resolve_due_notifications(task.pk for task in open_tasks)
    return workflow


# --- moving the anchor date -----------------------------------------------------------------


@dataclass(frozen=True)
class TaskShift:
    """One open task's due date before and after the workflow's anchor moves."""

    task: Task
    old_due: date
    new_due: date


def workflow_shift_preview(*, workflow: Workflow, new_anchor: date) -> list[TaskShift]:
    """What `workflow_shift_open_tasks` would do: every open task (to do or waiting) with
    its due date moved by the anchor's change. Done, skipped and archived tasks keep theirs."""
    return _shifts(workflow.tasks.all(), new_anchor - workflow.anchor_date)


def _shifts(tasks, delta: timedelta) -> list[TaskShift]:
    open_tasks = tasks.filter(status__in=Task.OPEN).order_by("due_date", "position", "id")
    return [TaskShift(task, task.due_date, task.due_date + delta) for task in open_tasks]


@transaction.atomic
def workflow_shift_open_tasks(
    *, workflow: Workflow, new_anchor: date, by: User | None
) -> list[TaskShift]:
    """Move the workflow's anchor date to `new_anchor` and each open task's due date by the
    same number of days, under the workflow's row lock. Closed tasks never move. One history
    event per moved task (its due date before/after) and one for the workflow."""
    workflow = lock_workflow(workflow)
    if workflow.is_archived:
        raise ServiceError(messages.WORKFLOW_ARCHIVED)
    check_date(
        new_anchor,
        field="anchor_date",
        years=ANCHOR_RANGE_YEARS,
        message=messages.ANCHOR_OUT_OF_RANGE,
    )
    old_anchor = workflow.anchor_date
    if new_anchor == old_anchor:
        return []
    shifts = _shifts(workflow.tasks.select_for_update(), new_anchor - old_anchor)
    note = f"Re-dated with the workflow: anchor {old_anchor:%-d %b %Y} → {new_anchor:%-d %b %Y}."
    for shift in shifts:
        shift.task.due_date = shift.new_due
        save_task(shift.task, ["due_date"])
    HistoryEvent.objects.bulk_create(
        [
            HistoryEvent(
                task=shift.task,
                workflow=workflow,
                actor=by,
                action=Action.EDITED,
                note=note,
                before={"due_date": shift.old_due.isoformat()},
                after={"due_date": shift.new_due.isoformat()},
            )
            for shift in shifts
        ]
    )
    workflow.anchor_date = new_anchor
    workflow.save(update_fields=["anchor_date"])
    record(
        action=Action.EDITED,
        by=by,
        workflow=workflow,
        note=f"{note} {len(shifts)} open tasks moved; closed tasks kept their dates.",
        before={"anchor_date": old_anchor.isoformat()},
        after={"anchor_date": new_anchor.isoformat(), "tasks_moved": len(shifts)},
    )
    resolve_due_notifications(shift.task.pk for shift in shifts if shift.new_due > shift.old_due)
    return shifts
