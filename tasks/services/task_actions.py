"""Every change to a task: one function per action, one transaction, one history event.

Each takes the task as the caller saw it plus (optionally) the `version` it saw; the row is
re-read under a lock and a different version is refused with `messages.STALE`, so two
people acting on the same task never overwrite each other silently. Closing a task (done,
not applicable) also marks its unread due and overdue notifications read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.models import HistoryEvent, ProofFile, ProofKind, Stage, Task, WorkflowLinkSlot
from tasks.services.common import (
    check_date,
    clean_url,
    describe_missing,
    local_today,
    lock_task,
    lock_workflow,
    record,
    save_task,
    snapshot,
)
from tasks.services.notifications import resolve_due_notifications
from tasks.services.proof import check_upload, store_proof_file

Action = HistoryEvent.Action
S = Task.Status


@dataclass(frozen=True)
class ProofInput:
    """Proof handed in with a completion: any of a link, note, status, file, slot links."""

    url: str = ""
    note: str = ""
    status: str = ""
    file: UploadedFile | None = None
    slots: dict[str, str] = field(default_factory=dict)


# --- status guards ------------------------------------------------------------------------


def _closed_message(task: Task) -> str:
    return {
        S.DONE: messages.ALREADY_DONE,
        S.SKIPPED: messages.CLOSED_NOT_APPLICABLE,
        S.ARCHIVED: messages.TASK_ARCHIVED,
    }[task.status]


def _require_todo(task: Task, *, waiting_message: str) -> None:
    if task.status == S.WAITING:
        raise ServiceError(waiting_message.format(who=task.waiting_for))
    if task.status != S.TODO:
        raise ServiceError(_closed_message(task))


def _require_waiting(task: Task) -> None:
    if task.status != S.WAITING:
        raise ServiceError(messages.NOT_WAITING)


def _require_open(task: Task, verb: str) -> None:
    if task.status not in Task.OPEN:
        raise ServiceError(messages.ONLY_OPEN.format(verb=verb))


def _require_not_archived(task: Task) -> None:
    if task.status == S.ARCHIVED:
        raise ServiceError(messages.TASK_ARCHIVED)


# --- proof ---------------------------------------------------------------------------------


def _slot_values(task: Task) -> dict[str, str]:
    if not task.workflow_id:
        return {}
    return dict(
        WorkflowLinkSlot.objects.filter(workflow_id=task.workflow_id).values_list("name", "url")
    )


def _fill_slot(task: Task, name: str, url: str, by: User | None) -> None:
    """Put a pasted link into the workflow's slot of that name (if it has one)."""
    slot = (
        WorkflowLinkSlot.objects.select_for_update()
        .filter(workflow_id=task.workflow_id, name=name)
        .first()
    )
    if slot is None or slot.url == url:
        return
    before = slot.url
    slot.url, slot.updated_by, slot.updated_at = url, by, timezone.now()
    slot.save(update_fields=["url", "updated_by", "updated_at"])
    record(
        action=Action.SLOT_SET,
        by=by,
        workflow=task.workflow,
        note=name,
        before={name: before},
        after={name: url},
    )


def _apply_proof(task: Task, proof: ProofInput, by: User | None) -> list[str]:
    """Copy the given proof onto the task and its workflow; return the fields changed."""
    changed = []
    url = clean_url(proof.url)
    if url:
        task.proof_url = url
        changed.append("proof_url")
        if task.proof_slot_name and task.workflow_id:
            _fill_slot(task, task.proof_slot_name, url, by)
    for attr, value in (("proof_note", proof.note), ("proof_status", proof.status)):
        if value.strip():
            setattr(task, attr, value.strip())
            changed.append(attr)
    for name, value in proof.slots.items():
        slot_url = clean_url(value, field=f"slot:{name}")
        if slot_url and task.workflow_id:
            _fill_slot(task, name, slot_url, by)
    return changed


def missing_for_completion(task: Task, *, extra_file: bool = False) -> list[str]:
    has_file = extra_file or ProofFile.objects.filter(task=task).exists()
    return task.missing_proof(_slot_values(task), has_file)


def _refuse_if_missing(task: Task, checked_file) -> None:
    missing = missing_for_completion(task, extra_file=checked_file is not None)
    if missing:
        raise ServiceError(
            messages.COMPLETE_MISSING.format(things=describe_missing(missing)), code="missing_proof"
        )


def _close_done(
    task: Task, by: User | None, proof: ProofInput, action: str, extra_fields: tuple[str, ...] = ()
) -> Task:
    """The shared end of completing and resolving: proof checked, status done, stage moved.

    `extra_fields` were already changed in memory by the caller and are saved with the rest.
    """
    checked = check_upload(proof.file) if proof.file else None
    before = snapshot(task, ["status", "proof_url", "proof_note", "proof_status"])
    changed = [*extra_fields, *_apply_proof(task, proof, by)]
    _refuse_if_missing(task, checked)
    if checked:
        stored = store_proof_file(task=task, checked=checked, by=by)
        changed.append("proof_file")
    task.status, task.completed_by, task.completed_at = S.DONE, by, timezone.now()
    save_task(
        task, [f for f in changed if f != "proof_file"] + ["status", "completed_by", "completed_at"]
    )
    after = snapshot(task, list(before))
    if checked:
        after["proof_file"] = stored.original_name
    record(action=action, by=by, task=task, note=proof.note.strip(), before=before, after=after)
    resolve_due_notifications([task.pk])
    if task.stage_on_complete and task.workflow_id:
        _advance_stage(task, by)
    return task


def _advance_stage(task: Task, by: User | None) -> None:
    """Completing a stage-changing task moves its workflow forward, never back."""
    workflow = lock_workflow(task.workflow_id)
    if Stage.rank(task.stage_on_complete) <= Stage.rank(workflow.stage):
        return
    before = workflow.stage
    workflow.stage = task.stage_on_complete
    workflow.save(update_fields=["stage"])
    record(
        action=Action.STAGE_CHANGED,
        by=by,
        workflow=workflow,
        note=f"Moved on by completing “{task.title}”.",
        before={"stage": before},
        after={"stage": workflow.stage},
    )


# --- actions -------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    title: str,
    due_date: date,
    by: User | None,
    assignee: User | None = None,
    description: str = "",
    workflow=None,
    source: str = Task.Source.MANUAL,
    instruction_doc: str = "",
    instruction_step: str = "",
    proof_kind: str = ProofKind.NONE,
    proof_label: str = "",
    tags: list[str] | None = None,
    phase: str = "",
    position: int = 0,
) -> Task:
    """Create a standalone task (or a manual extra task inside a workflow)."""
    title = title.strip()
    if not title:
        raise ServiceError(messages.TITLE_REQUIRED, field="title")
    check_date(due_date)
    if workflow is not None and workflow.is_archived:
        raise ServiceError(messages.WORKFLOW_ARCHIVED)
    task = Task.objects.create(
        title=title,
        due_date=due_date,
        assignee=assignee,
        description=description.strip(),
        workflow=workflow,
        source=source,
        instruction_doc=instruction_doc.strip(),
        instruction_step=instruction_step.strip(),
        proof_kind=proof_kind,
        proof_label=proof_label.strip(),
        tags=tags or [],
        phase=phase,
        position=position,
        created_by=by,
    )
    record(
        action=Action.CREATED,
        by=by,
        task=task,
        after=snapshot(task, ["title", "due_date", "assignee"]),
    )
    return task


@transaction.atomic
def task_edit(
    *,
    task: Task,
    by: User | None,
    version: int | None = None,
    title: str | None = None,
    description: str | None = None,
    due_date: date | None = None,
    instruction_doc: str | None = None,
    instruction_step: str | None = None,
    tags: list[str] | None = None,
) -> Task:
    """Change the given fields; nothing changed → no event and no new version."""
    task = lock_task(task, version)
    _require_not_archived(task)
    if title is not None and not title.strip():
        raise ServiceError(messages.TITLE_REQUIRED, field="title")
    if due_date is not None:
        check_date(due_date)
    wanted = {
        "title": title and title.strip(),
        "description": description,
        "due_date": due_date,
        "instruction_doc": instruction_doc,
        "instruction_step": instruction_step,
        "tags": tags,
    }
    changed = [
        name for name, value in wanted.items() if value is not None and getattr(task, name) != value
    ]
    if not changed:
        return task
    before = snapshot(task, changed)
    for name in changed:
        setattr(task, name, wanted[name])
    save_task(task, changed)
    record(action=Action.EDITED, by=by, task=task, before=before, after=snapshot(task, changed))
    return task


@transaction.atomic
def task_complete(
    *, task: Task, by: User | None, version: int | None = None, proof: ProofInput | None = None
) -> Task:
    """Mark a to-do task done. Refused, naming each missing thing, until its proof and
    required link slots are there; links given in `proof` are saved to the workflow's
    slots in the same transaction. A stage-changing task moves the workflow forward."""
    task = lock_task(task, version)
    _require_todo(task, waiting_message=messages.COMPLETE_WAITING)
    return _close_done(task, by, proof or ProofInput(), Action.COMPLETED)


@transaction.atomic
def task_reopen(*, task: Task, by: User | None, version: int | None = None, note: str = "") -> Task:
    """Back to do: a done or not-applicable task. Proof stays; the workflow stage stays."""
    task = lock_task(task, version)
    if task.status not in (S.DONE, S.SKIPPED):
        raise ServiceError(
            messages.TASK_ARCHIVED if task.status == S.ARCHIVED else messages.REOPEN_NOT_CLOSED
        )
    before = snapshot(task, ["status", "closed_reason"])
    task.status, task.completed_by, task.completed_at, task.closed_reason = S.TODO, None, None, ""
    save_task(task, ["status", "completed_by", "completed_at", "closed_reason"])
    record(
        action=Action.REOPENED,
        by=by,
        task=task,
        note=note.strip(),
        before=before,
        after=snapshot(task, list(before)),
    )
    return task


def _check_follow_up(follow_up_date: date | None) -> date:
    if follow_up_date is None:
        raise ServiceError(messages.FOLLOW_UP_REQUIRED, field="follow_up_date")
    if follow_up_date < local_today():
        raise ServiceError(messages.FOLLOW_UP_IN_PAST, field="follow_up_date")
    return check_date(follow_up_date, field="follow_up_date")


@transaction.atomic
def task_mark_waiting(
    *,
    task: Task,
    by: User | None,
    waiting_for: str,
    follow_up_date: date | None,
    channel: str = "",
    note: str = "",
    version: int | None = None,
) -> Task:
    """Park a to-do task on someone: who/what, when to follow up, through which channel."""
    task = lock_task(task, version)
    _require_todo(task, waiting_message=messages.ALREADY_WAITING)
    if not waiting_for.strip():
        raise ServiceError(messages.WAIT_NEEDS_WHO, field="waiting_for")
    _check_follow_up(follow_up_date)
    fields = ["status", "waiting_for", "follow_up_date", "waiting_channel", "waiting_since"]
    before = snapshot(task, fields)
    task.status, task.waiting_for = S.WAITING, waiting_for.strip()
    task.follow_up_date, task.waiting_channel = follow_up_date, channel
    task.waiting_since = local_today()
    save_task(task, fields)
    record(
        action=Action.WAITING,
        by=by,
        task=task,
        note=note.strip(),
        before=before,
        after=snapshot(task, fields),
    )
    return task


@transaction.atomic
def task_follow_up_sent(
    *,
    task: Task,
    by: User | None,
    next_follow_up: date | None,
    note: str = "",
    version: int | None = None,
) -> Task:
    """Record a nudge sent to whoever we wait on, and when to nudge next."""
    task = lock_task(task, version)
    _require_waiting(task)
    _check_follow_up(next_follow_up)
    before = snapshot(task, ["follow_up_date"])
    task.follow_up_date = next_follow_up
    save_task(task, ["follow_up_date"])
    record(
        action=Action.FOLLOW_UP_SENT,
        by=by,
        task=task,
        note=note.strip(),
        before=before,
        after=snapshot(task, ["follow_up_date"]),
    )
    return task


def _end_waiting(task: Task) -> None:
    task.waiting_for, task.follow_up_date, task.waiting_channel = "", None, ""
    task.waiting_since = None


@transaction.atomic
def task_response_received(
    *, task: Task, by: User | None, note: str = "", version: int | None = None
) -> Task:
    """The wait is over: back to do. A due date already past becomes today, so the task
    lands in Today rather than Overdue (the delay was the other side's)."""
    task = lock_task(task, version)
    _require_waiting(task)
    fields = [
        "status",
        "waiting_for",
        "follow_up_date",
        "waiting_channel",
        "waiting_since",
        "due_date",
    ]
    before = snapshot(task, fields)
    _end_waiting(task)
    task.status, task.due_date = S.TODO, max(task.due_date, local_today())
    save_task(task, fields)
    record(
        action=Action.RESPONSE_RECEIVED,
        by=by,
        task=task,
        note=note.strip(),
        before=before,
        after=snapshot(task, fields),
    )
    return task


@transaction.atomic
def task_resolve_waiting(
    *, task: Task, by: User | None, version: int | None = None, proof: ProofInput | None = None
) -> Task:
    """The wait ended with the work done: close it (proof rules apply as for completing)."""
    task = lock_task(task, version)
    _require_waiting(task)
    _end_waiting(task)
    return _close_done(
        task,
        by,
        proof or ProofInput(),
        Action.RESOLVED,
        extra_fields=("waiting_for", "follow_up_date", "waiting_channel", "waiting_since"),
    )


@transaction.atomic
def task_snooze(
    *, task: Task, by: User | None, until: date | None, reason: str, version: int | None = None
) -> Task:
    """Move a to-do task's due date to a later day, saying why."""
    task = lock_task(task, version)
    _require_todo(task, waiting_message=messages.SNOOZE_ONLY_TODO)
    if until is None or until < local_today():
        raise ServiceError(messages.SNOOZE_IN_PAST, field="until")
    check_date(until, field="until")
    if until == task.due_date:
        raise ServiceError(messages.SNOOZE_SAME_DATE, field="until")
    if not reason.strip():
        raise ServiceError(messages.SNOOZE_NEEDS_REASON, field="reason")
    before = snapshot(task, ["due_date"])
    task.due_date = until
    save_task(task, ["due_date"])
    record(
        action=Action.SNOOZED,
        by=by,
        task=task,
        note=reason.strip(),
        before=before,
        after=snapshot(task, ["due_date"]),
    )
    return task


@transaction.atomic
def task_reassign(
    *, task: Task, by: User | None, assignee: User | None, version: int | None = None
) -> Task:
    """Give an open task to someone else (or to nobody: anyone may pick it up)."""
    task = lock_task(task, version)
    _require_open(task, "reassigned")
    if assignee is not None and not assignee.is_active:
        raise ServiceError(
            messages.INACTIVE_ASSIGNEE.format(who=assignee.display_name), field="assignee"
        )
    if task.assignee_id == (assignee.pk if assignee else None):
        who = assignee.display_name if assignee else "nobody"
        raise ServiceError(messages.REASSIGN_SAME.format(who=who), field="assignee")
    before = snapshot(task, ["assignee"])
    task.assignee = assignee
    save_task(task, ["assignee"])
    record(
        action=Action.REASSIGNED,
        by=by,
        task=task,
        before=before,
        after=snapshot(task, ["assignee"]),
    )
    return task


@transaction.atomic
def task_close_not_applicable(
    *, task: Task, by: User | None, reason: str, version: int | None = None
) -> Task:
    """An audited closure without proof, with one of the reasons the template allows."""
    task = lock_task(task, version)
    _require_open(task, "closed as not applicable")
    if not task.na_reasons:
        raise ServiceError(messages.NA_NOT_ALLOWED)
    if reason not in task.na_reasons:
        raise ServiceError(
            messages.NA_BAD_REASON.format(reasons=", ".join(f"“{r}”" for r in task.na_reasons)),
            field="reason",
        )
    fields = [
        "status",
        "closed_reason",
        "waiting_for",
        "follow_up_date",
        "waiting_channel",
        "waiting_since",
    ]
    before = snapshot(task, fields)
    _end_waiting(task)
    task.status, task.closed_reason = S.SKIPPED, reason
    task.completed_by, task.completed_at = by, timezone.now()
    save_task(task, [*fields, "completed_by", "completed_at"])
    record(
        action=Action.NOT_APPLICABLE,
        by=by,
        task=task,
        note=reason,
        before=before,
        after=snapshot(task, fields),
    )
    resolve_due_notifications([task.pk])
    return task


@transaction.atomic
def task_add_proof(
    *,
    task: Task,
    by: User | None,
    url: str = "",
    note: str = "",
    status: str = "",
    version: int | None = None,
) -> Task:
    """Save proof without closing the task (a link pasted early, a status to remember)."""
    task = lock_task(task, version)
    _require_not_archived(task)
    if not (url.strip() or note.strip() or status.strip()):
        raise ServiceError(messages.NOTHING_TO_SAVE, field="url")
    fields = ["proof_url", "proof_note", "proof_status"]
    before = snapshot(task, fields)
    changed = _apply_proof(task, ProofInput(url=url, note=note, status=status), by)
    save_task(task, changed)
    record(action=Action.PROOF_ADDED, by=by, task=task, before=before, after=snapshot(task, fields))
    return task


@transaction.atomic
def task_attach_proof_file(*, task: Task, by: User | None, upload: UploadedFile) -> ProofFile:
    """Store a proof file (size, type and content checked; sha256 kept)."""
    task = lock_task(task, None)
    _require_not_archived(task)
    checked = check_upload(upload)
    stored = store_proof_file(task=task, checked=checked, by=by)
    save_task(task, [])
    record(
        action=Action.PROOF_ADDED,
        by=by,
        task=task,
        after={"proof_file": stored.original_name, "sha256": stored.sha256},
    )
    return stored


@transaction.atomic
def task_add_comment(*, task: Task, by: User | None, text: str) -> HistoryEvent:
    """A comment is a history event; it does not change the task, so no version bump."""
    if not text.strip():
        raise ServiceError(messages.COMMENT_EMPTY, field="text")
    return record(action=Action.COMMENTED, by=by, task=task, note=text.strip()[:5000])
