"""Background jobs of accounts: the emails. Each loads its row by id and builds the link."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invite
from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, TransientJobError
from dataops.models import User


def send_templated_email(*, to: str, template: str, context: dict) -> None:
    """Render accounts/email/<template>_subject.txt and _body.txt and send them.

    A mail server that is down or drops the line is a transient error (the job retries);
    a refused recipient is permanent.
    """
    context = {**context, "org_name": settings.ORG_NAME}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    try:
        EmailMessage(subject=subject, body=body, to=[to]).send()
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise TransientJobError(f"mail server: {exc}") from exc


@app.task(base=LedgerTask, kind="accounts.invite-email")
def send_invite_email(invite_id: int, base_url: str) -> JobOutcome:
    invite = Invite.objects.filter(pk=invite_id).select_related("invited_by").first()
    if invite is None or not invite.is_open():
        return JobOutcome(note="The invite is no longer pending; nothing sent.")
    send_templated_email(
        to=invite.email,
        template="invite",
        context={
            "invite": invite,
            "link": base_url.rstrip("/") + invite.accept_path(),
            "days": settings.INVITE_DAYS,
        },
    )
    return JobOutcome(counts={"sent": 1}, target=invite)


@app.task(base=LedgerTask, kind="accounts.password-reset-email")
def send_password_reset_email(user_id: int, base_url: str) -> JobOutcome:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return JobOutcome(note="The account cannot reset a password; nothing sent.")
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    send_templated_email(
        to=user.email,
        template="password_reset",
        context={
            "user": user,
            "link": base_url.rstrip("/") + path,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    return JobOutcome(counts={"sent": 1})
