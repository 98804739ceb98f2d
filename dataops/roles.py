"""Roles: `operator` does the work; `admin` also sets things up and sees health and audit."""

from functools import wraps

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User

ROLE_GROUPS = (OPERATOR_GROUP, ADMIN_GROUP)

ADMIN_SITE_REFUSED = "Setup (the Django admin) is for admins."


def admin_required(view):
    """Refuse (403) a logged-in user who is not an admin; anonymous users never get here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_admin:
            raise PermissionDenied("This page is for admins.")
        return view(request, *args, **kwargs)

    return wrapper


def admins():
    """Active users with the admin role (superusers included)."""
    from django.db.models import Q

    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ADMIN_GROUP))
        .distinct()
    )


def grant_role(user: User, role: str) -> None:
    """Put `user` in the group of `role`; admins also get Django admin access."""
    if role not in ROLE_GROUPS:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLE_GROUPS}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if role == ADMIN_GROUP and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
