"""Rolling an import back: its rows go, unless somebody changed them since.

"Changed" means a history event written after the import's last one: every change to a task
or workflow goes through a service that writes one, so nothing else needs comparing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import Notification, User
from dataops.services import audit_record
from tasks.models import (
    HistoryEvent,
    ImportBatch,
    Task,
    Workflow,
    WorkflowReference,
    WorkflowTemplate,
)
from tasks.services.imports import item_model

Action = HistoryEvent.Action


ALREADY_ROLLED_BACK = "Import #{batch} was rolled back already, on {when}."


@dataclass
class RollbackReport:
    batch: int
    removed: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _ids(batch: ImportBatch, model: type[models.Model]) -> set[int]:
    return set(batch.items.filter(model=item_model(model)).values_list("object_id", flat=True))


def _changed_since(batch: ImportBatch, subject: str, ids: set[int]) -> set[int]:
    """Rows among `ids` with a history event written after the import (by anyone)."""
    later = HistoryEvent.objects.filter(pk__gt=batch.history_mark, **{f"{subject}__in": ids})
    return set(later.values_list(subject, flat=True))


def _delete_history(**subject: set[int]) -> None:
    # History is append-only for people and services; undoing an import is the one
    # exception, and only for events on rows nobody touched after the import.
    events = HistoryEvent.objects.filter(**{f"{key}__in": ids for key, ids in subject.items()})
    models.QuerySet.delete(events)


def _delete_notifications(task_ids: set[int]) -> None:
    """Due and overdue reminders about removed tasks would link to nothing."""
    links = [reverse("tasks:task-detail", args=[pk]) for pk in task_ids]
    Notification.objects.filter(link__in=links).delete()


def _kept_lines(tasks: set[int], workflows: set[int]) -> list[str]:
    lines = [f"workflow #{w.pk} “{w.title}”" for w in Workflow.objects.filter(pk__in=workflows)]
    lines += [f"task #{t.pk} “{t.title}”" for t in Task.objects.filter(pk__in=tasks)]
    return lines


@dataclass(frozen=True)
class _Doomed:
    tasks: set[int]
    workflows: set[int]
    kept: list[str]
    changed_tasks: set[int] = field(default_factory=set)
    kept_workflows: set[int] = field(default_factory=set)


def _rollback_plan(batch: ImportBatch) -> _Doomed:
    """Which of the batch's rows go: a changed task keeps its whole workflow."""
    workflows, tasks = _ids(batch, Workflow), _ids(batch, Task)
    changed_tasks = _changed_since(batch, "task", tasks)
    parents = Task.objects.filter(pk__in=changed_tasks).values_list("workflow", flat=True)
    kept_workflows = _changed_since(batch, "workflow", workflows) | (set(parents) & workflows)
    in_kept = set(Task.objects.filter(workflow__in=kept_workflows).values_list("pk", flat=True))
    return _Doomed(
        tasks=tasks - changed_tasks - in_kept,
        workflows=workflows - kept_workflows,
        kept=_kept_lines(changed_tasks, kept_workflows),
        changed_tasks=changed_tasks,
        kept_workflows=kept_workflows,
    )


def _removed_counts(batch: ImportBatch, doomed: _Doomed) -> dict[str, int]:
    subject = models.Q(task__in=doomed.tasks) | models.Q(workflow__in=doomed.workflows)
    comments = HistoryEvent.objects.filter(
        subject, pk__in=_ids(batch, HistoryEvent), action=Action.COMMENTED
    )
    references = WorkflowReference.objects.filter(
        pk__in=_ids(batch, WorkflowReference), workflow__in=doomed.workflows
    )
    return {
        "workflows": len(doomed.workflows),
        "tasks": len(doomed.tasks),
        "comments": comments.count(),
        "references": references.count(),
    }


def _check_not_rolled_back(batch: ImportBatch) -> None:
    if batch.rolled_back_at:
        when = f"{timezone.localtime(batch.rolled_back_at):%Y-%m-%d %H:%M}"
        raise ServiceError(ALREADY_ROLLED_BACK.format(batch=batch.pk, when=when))


@transaction.atomic
def import_rollback(*, batch: ImportBatch, by: User | None) -> RollbackReport:
    """Remove the rows `batch` created that nobody changed since, in one transaction.

    A task with a later history event is kept, and so is its whole workflow (with every
    task in it); kept rows are listed in the report and stay in the batch, so importing the
    board again still skips them. Refused when the batch was rolled back already."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _check_not_rolled_back(batch)
    doomed = _rollback_plan(batch)
    report = RollbackReport(batch=batch.pk, kept=doomed.kept)
    report.removed = _removed_counts(batch, doomed)
    _delete_history(task=doomed.tasks)
    _delete_history(workflow=doomed.workflows)
    _delete_notifications(doomed.tasks)
    Task.objects.filter(pk__in=doomed.tasks).delete()
    Workflow.objects.filter(pk__in=doomed.workflows).delete()
    report.removed["templates"] = _delete_unused_templates(batch)
    _forget_removed(batch)
    batch.rolled_back_at = timezone.now()
    batch.rollback_report = report.as_dict() | {"by": by.username if by else ""}
    batch.save(update_fields=["rolled_back_at", "rollback_report"])
    audit_record(
        actor=by,
        action="import.rollback",
        target=batch,
        changes={"removed": report.removed, "kept": len(report.kept)},
    )
    return report


def _delete_unused_templates(batch: ImportBatch) -> int:
    ids = _ids(batch, WorkflowTemplate)
    unused = WorkflowTemplate.objects.filter(pk__in=ids, workflows__isnull=True)
    return unused.delete()[1].get(WorkflowTemplate._meta.label, 0)


def _forget_removed(batch: ImportBatch) -> None:
    """Drop the items of rows that are gone, so a later import may create them again."""
    for label in set(batch.items.values_list("model", flat=True)):
        items = batch.items.filter(model=label)
        existing = apps.get_model(label)._default_manager.filter(pk__in=items.values("object_id"))
        items.exclude(object_id__in=existing.values("pk")).delete()


# --- the preview the batch page shows before a rollback ---------------------------------------


@dataclass(frozen=True)
class KeptRow:
    row: Task | Workflow
    why: str


@dataclass
class RollbackPreview:
    removed: dict[str, int]
    workflows: list[Workflow]  # removed, with every task in them
    tasks: list[Task]  # removed standalone tasks
    kept: list[KeptRow]


def _change_note(event: HistoryEvent) -> str:
    who = event.actor.get_full_name() or event.actor.username if event.actor else "the system"
    when = f"{timezone.localtime(event.at):%Y-%m-%d %H:%M}"
    return f"{event.get_action_display()} by {who} on {when}"


def _last_changes(batch: ImportBatch, subject: str, ids: set[int]) -> dict[int, str]:
    later = HistoryEvent.objects.filter(pk__gt=batch.history_mark, **{f"{subject}__in": ids})
    if subject == "workflow":
        later = later.filter(task=None)  # the workflow's own events; its tasks speak apart
    events = later.select_related("actor").order_by("pk")
    return {getattr(event, f"{subject}_id"): _change_note(event) for event in events}


def _kept_rows(batch: ImportBatch, doomed: _Doomed) -> list[KeptRow]:
    tasks = Task.objects.filter(pk__in=doomed.changed_tasks).order_by("pk")
    task_notes = _last_changes(batch, "task", doomed.changed_tasks)
    workflow_notes = _last_changes(batch, "workflow", doomed.kept_workflows)
    changed_in = {task.workflow_id: task for task in tasks if task.workflow_id}
    rows = []
    for workflow in Workflow.objects.filter(pk__in=doomed.kept_workflows).order_by("pk"):
        inner = changed_in.get(workflow.pk)
        note = workflow_notes.get(workflow.pk)
        if note or inner is None:
            why = f"changed since the import: {note}"
        else:
            why = f"its task “{inner.title}” changed since the import"
        rows.append(KeptRow(workflow, why))
    rows += [KeptRow(task, f"changed since the import: {task_notes[task.pk]}") for task in tasks]
    return rows


def import_rollback_preview(*, batch: ImportBatch) -> RollbackPreview:
    """What `import_rollback` would do now, without doing it: the rows it would remove and
    the ones it would keep, each with the change that keeps it."""
    doomed = _rollback_plan(batch)
    return RollbackPreview(
        removed=_removed_counts(batch, doomed),
        workflows=list(Workflow.objects.filter(pk__in=doomed.workflows).order_by("pk")),
        tasks=list(Task.objects.filter(pk__in=doomed.tasks, workflow__isnull=True).order_by("pk")),
        kept=_kept_rows(batch, doomed),
    )
