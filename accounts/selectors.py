"""Reads for the accounts pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Invite
from dataops.models import User
from dataops.roles import ROLE_GROUPS

RECENT_INVITES_SHOWN = 10


def has_role(user: User) -> bool:
    return user.is_superuser or user.groups.filter(name__in=ROLE_GROUPS).exists()


def open_invites() -> QuerySet[Invite]:
    """Neither accepted nor revoked (expired ones included: the page marks them)."""
    return Invite.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "invited_by"
    )


def recent_accepted_invites() -> list[Invite]:
    return list(
        Invite.objects.filter(accepted_at__isnull=False)
        .select_related("invited_by", "accepted_user")
        .order_by("-accepted_at")[:RECENT_INVITES_SHOWN]
    )


def provider_names() -> dict[str, str]:
    """Display name of each configured single sign-on provider, by provider id."""
    from allauth.socialaccount.adapter import get_adapter

    return {app.provider_id or app.provider: app.name for app in get_adapter().list_apps(None)}


def sign_in_methods(user: User, names: dict[str, str]) -> list[str]:
    """Provider names of the user's single sign-on accounts (prefetched ones when present)."""
    return [
        names.get(account.provider, account.provider) for account in user.socialaccount_set.all()
    ]


def users_waiting() -> list[User]:
    """Active people with no role (new single sign-on users), newest first, each with
    `sso_providers` set."""
    people = list(
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(groups__name__in=ROLE_GROUPS)
        .prefetch_related("socialaccount_set")
        .order_by("-date_joined")
    )
    names = provider_names()
    for person in people:
        person.sso_providers = sign_in_methods(person, names)
    return people


def users_with_email(email: str) -> QuerySet[User]:
    return User.objects.filter(email__iexact=email.strip())


def invites_page() -> dict:
    now = timezone.now()
    invites = list(open_invites())
    return {
        "pending": [i for i in invites if i.is_open(now)],
        "expired": [i for i in invites if not i.is_open(now)],
        "accepted": recent_accepted_invites(),
    }


def password_users_for_reset(email: str) -> list[User]:
    """Who a reset request for `email` reaches: active accounts that have a password."""
    return [
        user
        for user in User.objects.filter(Q(email__iexact=email.strip()), is_active=True)
        if user.has_usable_password()
    ]
