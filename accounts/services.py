"""Writes of accounts: invites, password-reset mail, and roles for people waiting.

Each service runs in one transaction and writes its audit event there. Email leaves through
a background job enqueued on commit; the job builds the link itself, so no usable token is
ever stored in the job-run ledger.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import messages
from accounts.models import Invite
from accounts.selectors import has_role, password_users_for_reset, users_with_email
from dataops.errors import ServiceError
from dataops.jobs import enqueue
from dataops.models import JobRun, User
from dataops.roles import ROLE_GROUPS, grant_role
from dataops.services import audit_record, notify, notify_admins


def _role_name(role: str) -> str:
    return {"operator": "an operator", "admin": "an admin"}.get(role, role)


@transaction.atomic
def invite_create(*, email: str, role: str, by: User, base_url: str) -> Invite:
    """Invite `email` to `role` for INVITE_DAYS and email the link (job on commit).

    Refused when an account already uses the address or an invite to it is still pending;
    a pending invite that has expired is closed (revoked) to make room for the new one.
    """
    from accounts.tasks import send_invite_email

    email = email.strip()
    if role not in ROLE_GROUPS:
        raise ServiceError(f"Unknown role {role!r}.", field="role")
    if users_with_email(email).exists():
        raise ServiceError(messages.INVITE_USER_EXISTS.format(email=email), field="email")
    now = timezone.now()
    stale = Invite.objects.select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if any(invite.is_open(now) for invite in stale):
        raise ServiceError(messages.INVITE_PENDING.format(email=email), field="email")
    stale.update(revoked_at=now)
    invite = Invite(
        email=email,
        role=role,
        invited_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITE_DAYS),
    )
    try:
        with transaction.atomic():
            invite.save()
    except IntegrityError:  # a concurrent invite to the same address won
        raise ServiceError(messages.INVITE_PENDING.format(email=email), field="email") from None
    audit_record(
        actor=by,
        action="invite.created",
        target=invite,
        target_label=email,
        changes={"role": role, "expires_at": invite.expires_at.isoformat()},
    )
    enqueue(
        send_invite_email,
        kwargs={"invite_id": invite.pk, "base_url": base_url},
        by=by,
        target=invite,
    )
    return invite


@transaction.atomic
def invite_revoke(*, invite: Invite, by: User) -> Invite:
    """Withdraw a pending (or expired) invite; its link stops working."""
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if invite.accepted_at or invite.revoked_at:
        raise ServiceError(messages.INVITE_NOT_OPEN)
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
    audit_record(actor=by, action="invite.revoked", target=invite, target_label=invite.email)
    return invite


def invite_refusal(invite: Invite | None, token: str) -> str | None:
    """Why this invite link cannot be used now, or None when it can."""
    if invite is None or not invite.token_matches(token):
        return messages.INVITE_LINK_INVALID
    state = invite.state()
    if state == Invite.State.ACCEPTED:
        return messages.INVITE_LINK_USED
    if state == Invite.State.REVOKED:
        return messages.INVITE_LINK_REVOKED
    if state == Invite.State.EXPIRED:
        local = timezone.localtime(invite.expires_at)
        return messages.INVITE_LINK_EXPIRED.format(date=f"{local:%d %B %Y}")
    return None


def invite_accept(
    *, invite: Invite, token: str, username: str, first_name: str, last_name: str, password: str
) -> User:
    """Claim the invite and create its account with the invited role, in one transaction.

    The claim is a conditional UPDATE (still open, not expired): of two people racing with
    the same link exactly one wins; the other gets the "already used" refusal.
    """
    invite.refresh_from_db()
    refusal = invite_refusal(invite, token)
    if refusal:
        raise ServiceError(refusal)
    try:
        with transaction.atomic():
            return _claim_and_create(invite, username, first_name, last_name, password)
    except IntegrityError:  # the username was taken between the form check and the insert
        raise ServiceError(messages.INVITE_USERNAME_TAKEN, field="username") from None


def _claim_and_create(invite, username, first_name, last_name, password) -> User:
    now = timezone.now()
    claimed = Invite.objects.filter(
        pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if claimed != 1:
        raise ServiceError(
            invite_refusal(Invite.objects.get(pk=invite.pk), invite.token())
            or messages.INVITE_LINK_USED
        )
    # Checked after the claim, so the loser of a race hears "used", not "address taken";
    # raising here rolls the claim back.
    if users_with_email(invite.email).exists():  # e.g. they signed in with SSO meanwhile
        raise ServiceError(messages.INVITE_ADDRESS_TAKEN.format(email=invite.email))
    user = User.objects.create_user(
        username=username,
        email=invite.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    grant_role(user, invite.role)
    Invite.objects.filter(pk=invite.pk).update(accepted_user=user)
    if invite.invited_by_id:
        notify(
            recipients=[invite.invited_by],
            kind="invite_accepted",
            text=messages.INVITE_ACCEPTED_NOTE.format(
                name=user.display_name, role=_role_name(invite.role)
            ),
            link=reverse("accounts:invites"),
            dedup_key=f"invite-accepted:{invite.pk}",
        )
    audit_record(
        actor=user,
        action="invite.accepted",
        target=invite,
        target_label=invite.email,
        changes={"user": username, "role": invite.role},
    )
    return user


RESET_EMAILS_PER_HOUR = 3


def _reset_emails_last_hour(user: User) -> int:
    """Reset emails queued for `user` in the last hour, counted in the job-run ledger (shared
    by every process)."""
    from accounts.tasks import send_password_reset_email

    return JobRun.objects.filter(
        kind=send_password_reset_email.kind,
        target_type=ContentType.objects.get_for_model(User),
        target_id=str(user.pk),
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()


def password_reset_request(*, email: str, base_url: str) -> int:
    """Email a reset link to each active account with a password using `email`, at most
    RESET_EMAILS_PER_HOUR times an hour per account (nobody can flood a mailbox).

    Returns how many were queued; callers must not show it (nothing to enumerate).
    """
    from accounts.tasks import send_password_reset_email

    users = [
        user
        for user in password_users_for_reset(email)
        if _reset_emails_last_hour(user) < RESET_EMAILS_PER_HOUR
    ]
    with transaction.atomic():
        for user in users:
            enqueue(
                send_password_reset_email,
                kwargs={"user_id": user.pk, "base_url": base_url},
                target=user,
            )
    return len(users)


def password_reset_completed(*, user: User) -> int:
    """A new password set through an emailed link proves the owner: the failed logins of that
    username are forgotten, so its lockout ends (returns how many attempt rows went)."""
    from axes.utils import reset

    return reset(username=user.get_username())


@transaction.atomic
def role_grant(*, user: User, role: str, by: User) -> User:
    """Give a person waiting for access their first role."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if has_role(user):
        raise ServiceError(messages.ROLE_ALREADY.format(name=user.display_name))
    if role not in ROLE_GROUPS:
        raise ServiceError(f"Unknown role {role!r}.", field="role")
    grant_role(user, role)
    audit_record(actor=by, action="user.role_granted", target=user, changes={"role": role})
    return user


def role_granted_message(user: User, role: str) -> str:
    return messages.ROLE_GRANTED.format(name=user.display_name, role=_role_name(role))


@transaction.atomic
def sso_user_joined(*, user: User, provider_name: str) -> None:
    """Record a new single sign-on account and tell the admins it waits for a role."""
    audit_record(
        actor=user,
        action="user.sso_joined",
        target=user,
        changes={"email": user.email, "provider": provider_name},
    )
    notify_admins(
        kind="account_waiting",
        text=f"{user.display_name} ({user.email}) signed in with {provider_name} "
        "and is waiting for a role.",
        link=reverse("accounts:people-waiting"),
        dedup_key=f"account-waiting:{user.pk}",
    )
