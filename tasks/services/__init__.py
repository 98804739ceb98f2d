"""Write services of the work engine: every change to templates, workflows and tasks.

Each public function is keyword-only, runs in one transaction, writes a history event (or
an audit event for templates) and raises `dataops.errors.ServiceError` with a sentence from
`tasks.messages` when it refuses.
"""

from tasks.services.notifications import notify_due_tasks
from tasks.services.recurring import (
    GenerationReport,
    recurring_generate,
    recurring_generate_one,
)
from tasks.services.recurring_seed import recurring_seed_load
from tasks.services.schedules import (
    Resumed,
    RuleInput,
    closure_day_delete,
    closure_day_save,
    recurring_rule_create,
    recurring_rule_delete,
    recurring_rule_edit,
    schedule_check,
    schedule_generate_now,
    schedule_pause,
    schedule_resume,
    template_schedule_sync,
)
from tasks.services.task_actions import (
    ProofInput,
    missing_for_completion,
    task_add_comment,
    task_add_proof,
    task_attach_proof_file,
    task_close_not_applicable,
    task_complete,
    task_create,
    task_edit,
    task_follow_up_sent,
    task_mark_waiting,
    task_reassign,
    task_reopen,
    task_resolve_waiting,
    task_response_received,
    task_snooze,
)
from tasks.services.templates import (
    template_record_admin_change,
    template_save_spec,
    template_spec,
    templates_load,
)
from tasks.services.workflows import (
    suggested_title,
    workflow_archive,
    workflow_change_stage,
    workflow_set_link_slot,
    workflow_start,
)

__all__ = [
    "GenerationReport",
    "ProofInput",
    "Resumed",
    "RuleInput",
    "closure_day_delete",
    "closure_day_save",
    "recurring_generate",
    "recurring_generate_one",
    "recurring_rule_create",
    "recurring_rule_delete",
    "recurring_rule_edit",
    "recurring_seed_load",
    "schedule_check",
    "schedule_generate_now",
    "schedule_pause",
    "schedule_resume",
    "template_schedule_sync",
    "missing_for_completion",
    "notify_due_tasks",
    "suggested_title",
    "task_add_comment",
    "task_add_proof",
    "task_attach_proof_file",
    "task_close_not_applicable",
    "task_complete",
    "task_create",
    "task_edit",
    "task_follow_up_sent",
    "task_mark_waiting",
    "task_reassign",
    "task_reopen",
    "task_resolve_waiting",
    "task_response_received",
    "task_snooze",
    "template_record_admin_change",
    "template_save_spec",
    "template_spec",
    "templates_load",
    "workflow_archive",
    "workflow_change_stage",
    "workflow_set_link_slot",
    "workflow_start",
]
