"""The two channels: Telegram (the bot's client) and email (Django's email backend).

Both raise `DeliveryError`, transient (worth another try) or not.
"""

from __future__ import annotations

import html
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from dataops.models import User
from dataops.redact import redact

TELEGRAM_LIMIT = 4096


class DeliveryError(Exception):
    def __init__(self, text: str, *, transient: bool, retry_after: float | None = None):
        super().__init__(redact(text)[:1000])
        self.transient = transient
        self.retry_after = retry_after


def telegram_chat_of(user: User) -> str | None:
    from dataops.telegram.linking import linked_chat_id

    return linked_chat_id(user) or None


def telegram_text(title: str, text: str, link: str) -> str:
    parts = [f"<b>{html.escape(title)}</b>", html.escape(text)]
    if link:
        parts.append(f'<a href="{html.escape(link, quote=True)}">Open in DataOps</a>')
    body = "\n".join(parts)
    return body if len(body) <= TELEGRAM_LIMIT else body[: TELEGRAM_LIMIT - 1] + "…"


def send_telegram(chat_id: str, title: str, text: str, link: str) -> str:
    from dataops.telegram.client import TelegramError, send_message

    try:
        return str(send_message(chat_id, telegram_text(title, text, link)))
    except TelegramError as exc:
        raise DeliveryError(
            f"Telegram: {exc}",
            transient=bool(getattr(exc, "transient", False)),
            retry_after=getattr(exc, "retry_after", None),
        ) from exc


def send_email(user: User, title: str, text: str, link: str) -> str:
    if not user.email:
        raise DeliveryError("The person has no email address.", transient=False)
    body = text + (f"\n\n{link}" if link else "") + "\n\n— DataOps"
    message = EmailMessage(
        subject=f"[DataOps] {title}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"Email refused: {exc}", transient=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"Email: {type(exc).__name__}: {exc}", transient=True) from exc
    return ""
