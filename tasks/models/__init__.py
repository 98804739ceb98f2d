"""The work engine's records. `work` holds templates, workflows, tasks, proof and history;
`recurring` holds the schedules that create work by themselves and the closure days;
`choices` the choices they share."""

from tasks.models.choices import CatchUp, ProofKind, Shift, Stage
from tasks.models.imports import ImportBatch, ImportBatchItem, ImportUpload
from tasks.models.recurring import ClosureDay, RecurringRule, Schedule, TemplateSchedule
from tasks.models.work import (
    USER,
    HistoryEvent,
    HistoryQuerySet,
    ProofFile,
    Task,
    TaskDefinition,
    TemplateLinkSlot,
    TemplatePhase,
    TemplateReference,
    Workflow,
    WorkflowLinkSlot,
    WorkflowReference,
    WorkflowTemplate,
)

__all__ = [
    "USER",
    "CatchUp",
    "ClosureDay",
    "HistoryEvent",
    "HistoryQuerySet",
    "ImportBatch",
    "ImportBatchItem",
    "ImportUpload",
    "ProofFile",
    "ProofKind",
    "RecurringRule",
    "Schedule",
    "Shift",
    "Stage",
    "Task",
    "TaskDefinition",
    "TemplateLinkSlot",
    "TemplatePhase",
    "TemplateReference",
    "TemplateSchedule",
    "Workflow",
    "WorkflowLinkSlot",
    "WorkflowReference",
    "WorkflowTemplate",
]
