"""What the viewer may do, for templates that hide the controls they cannot use."""

from django import template

from tasks import permissions

register = template.Library()


@register.filter
def can_control(schedule, user) -> bool:
    """`{% if rule|can_control:request.user %}`: pause, resume, generate now (and edit)."""
    return permissions.can_control_schedule(user, schedule)


@register.filter
def can_delete_rule(user) -> bool:
    return permissions.can_delete_rule(user)


@register.filter
def can_archive(workflow, user) -> bool:
    return permissions.can_archive_workflow(user, workflow)
