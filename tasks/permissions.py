"""Who may do what in the work engine: the Roles table of the README.

Operators run the day: every task action, starting workflows, creating recurring chores,
and editing, pausing, resuming and generating the chores they own (they created it or it is
assigned to them); they archive the workflows they started. Admins may do all of that for
everyone, and what sets the system up: deleting chores, the schedules of automatic
templates, archiving anyone's workflow (and, in Setup, templates, closure days and users).

`can_*` answer templates (a control the viewer cannot use is not shown); `check_*` are the
guards the services call before changing anything. They raise PermissionDenied, which the
views turn into the 403 page with the message. `by=None` is the system itself (the
generator, management commands) and is always allowed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from dataops.models import User
from tasks.models import RecurringRule, Schedule, TemplateSchedule, Workflow

RULE_NOT_YOURS = (
    "“{title}” belongs to someone else: only admins and the person who created "
    "it or is assigned to it may change it."
)
RULE_DELETE_FOR_ADMINS = "Deleting a recurring chore is for admins; you can pause it instead."
AUTOMATIC_FOR_ADMINS = "The schedules of automatic templates are managed by admins."
ARCHIVE_NOT_YOURS = (
    "“{title}” was not started by you: only admins and the person who started it may archive it."
)


def can_manage_rule(user: User, rule: RecurringRule) -> bool:
    """Edit, pause, resume, generate now."""
    return user.is_admin or user.pk in (rule.created_by_id, rule.assignee_id)


def can_delete_rule(user: User) -> bool:
    return user.is_admin


def can_control_schedule(user: User, schedule: Schedule) -> bool:
    """Pause, resume, generate now: a chore's owner, or an admin; automatic ones: admins."""
    if isinstance(schedule, TemplateSchedule):
        return user.is_admin
    return can_manage_rule(user, schedule)


def can_archive_workflow(user: User, workflow: Workflow) -> bool:
    return user.is_admin or (
        workflow.created_by_id is not None and workflow.created_by_id == user.pk
    )


def check_manage_rule(by: User | None, rule: RecurringRule) -> None:
    if by is not None and not can_manage_rule(by, rule):
        raise PermissionDenied(RULE_NOT_YOURS.format(title=rule.title))


def check_delete_rule(by: User | None) -> None:
    if by is not None and not can_delete_rule(by):
        raise PermissionDenied(RULE_DELETE_FOR_ADMINS)


def check_control_schedule(by: User | None, schedule: Schedule) -> None:
    if by is None or can_control_schedule(by, schedule):
        return
    if isinstance(schedule, TemplateSchedule):
        raise PermissionDenied(AUTOMATIC_FOR_ADMINS)
    raise PermissionDenied(RULE_NOT_YOURS.format(title=schedule.title))


def check_archive_workflow(by: User | None, workflow: Workflow) -> None:
    if by is not None and not can_archive_workflow(by, workflow):
        raise PermissionDenied(ARCHIVE_NOT_YOURS.format(title=workflow.title))
