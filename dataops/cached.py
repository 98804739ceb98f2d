"""Slow-changing lists that most pages read, kept in the cache until they change.

Who holds which role, the people an assignee picker offers and the workflow templates Home
offers to start change a few times a month but were read from the database on nearly every
request. Each is one cache key here. The signal handlers at the bottom forget a key whenever
a row it is built from is saved or deleted — from a service, the Django admin or a shell —
both at once and again after the transaction commits, so a request running alongside cannot
put the old rows back for long. `TIMEOUT` bounds what a change made behind the ORM's back
(raw SQL, `QuerySet.update`, `bulk_create`) could leave stale; the template loader
replaces task definitions in bulk but always saves their template in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from dataops import generation

T = TypeVar("T")
TIMEOUT = 10 * 60
ROLES_KEY = "cached:roles:v1"
PEOPLE_KEY = "cached:people:v1"
START_TEMPLATES_KEY = "cached:start-templates:v1"
# A generation (dataops/generation.py) for answers built from the workflow templates and
# their task definitions elsewhere (the doc page lists the template tasks linking to it).
TEMPLATES_GENERATION = "cached:templates-generation:v1"
USER_KEYS = (ROLES_KEY, PEOPLE_KEY)
CACHED_KEYS = (*USER_KEYS, START_TEMPLATES_KEY, TEMPLATES_GENERATION)


@dataclass(frozen=True)
class Roles:
    """Ids of the users with the admin role and of all members (operator or admin);
    superusers are both."""

    admins: frozenset[int]
    members: frozenset[int]


def remembered(key: str, build: Callable[[], T]) -> T:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


def forget(*keys: str) -> None:
    """Drop `keys` now and once more after the current transaction commits."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _build_roles() -> Roles:
    from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User

    rows = User.objects.filter(
        Q(is_superuser=True) | Q(groups__name__in=[ADMIN_GROUP, OPERATOR_GROUP])
    ).values_list("id", "is_superuser", "groups__name")
    admins = {pk for pk, superuser, group in rows if superuser or group == ADMIN_GROUP}
    return Roles(admins=frozenset(admins), members=frozenset(pk for pk, _, _ in rows))


def roles() -> Roles:
    return remembered(ROLES_KEY, _build_roles)


def _build_people() -> list:
    from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User

    with_role = Q(groups__name__in=[OPERATOR_GROUP, ADMIN_GROUP]) | Q(is_superuser=True)
    return list(
        User.objects.filter(with_role, is_active=True).distinct().order_by("first_name", "username")
    )


def people() -> list:
    """Active people with a role, by first name: what assignee pickers offer."""
    return remembered(PEOPLE_KEY, _build_people)


def _build_start_templates() -> list:
    from tasks.models import WorkflowTemplate

    return list(
        WorkflowTemplate.objects.annotate(task_count=Count("task_definitions"))
        .filter(task_count__gt=0)
        .order_by("name")
    )


def start_templates() -> list:
    """Workflow templates with at least one task, by name, each with `task_count`."""
    return remembered(START_TEMPLATES_KEY, _build_start_templates)


# --- invalidation ---------------------------------------------------------------------------


def _login_only(update_fields) -> bool:
    # Every login saves `last_login`; nothing cached here shows it.
    return update_fields is not None and set(update_fields) <= {"last_login"}


@receiver(post_save, sender="dataops.User", dispatch_uid="cached.user_saved")
def _user_saved(sender, update_fields=None, **kwargs) -> None:
    if not _login_only(update_fields):
        forget(*USER_KEYS)


@receiver(post_delete, sender="dataops.User", dispatch_uid="cached.user_deleted")
@receiver(post_save, sender="auth.Group", dispatch_uid="cached.group_saved")
@receiver(post_delete, sender="auth.Group", dispatch_uid="cached.group_deleted")
def _people_changed(sender, **kwargs) -> None:
    forget(*USER_KEYS)


def _groups_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        forget(*USER_KEYS)


@receiver(post_save, sender="tasks.WorkflowTemplate", dispatch_uid="cached.template_saved")
@receiver(post_delete, sender="tasks.WorkflowTemplate", dispatch_uid="cached.template_deleted")
@receiver(post_save, sender="tasks.TaskDefinition", dispatch_uid="cached.definition_saved")
def _templates_changed(sender, **kwargs) -> None:
    forget(START_TEMPLATES_KEY)
    generation.bump(TEMPLATES_GENERATION)


def connect_group_membership() -> None:
    """`m2m_changed` needs the through model itself, which exists once apps are ready."""
    from dataops.models import User

    m2m_changed.connect(
        _groups_changed, sender=User.groups.through, dispatch_uid="cached.groups_changed"
    )
