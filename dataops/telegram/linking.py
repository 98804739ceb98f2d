"""Linking a person's account to their private Telegram chat.

The profile shows a one-time deep link `https://t.me/<bot>?start=<token>`; `/start <token>`
in a private chat claims the token (unused and unexpired, in one conditional update) and
links that chat. A chat linked to someone else stays theirs (the unique constraint on
`User.telegram_chat_id` backs that). Linking and unlinking are audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dataops.models import User
from dataops.services import audit_record
from dataops.telegram.models import TelegramLinkToken

TOKEN_MINUTES = 10


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    message: str
    user: User | None = None


def linked_chat_id(user: User) -> str | None:
    """The user's linked private chat, or None."""
    return user.telegram_chat_id or None


def user_for_chat(chat_id: str) -> User | None:
    if not chat_id:
        return None
    return User.objects.filter(telegram_chat_id=chat_id, is_active=True).first()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link_token(user: User) -> str:
    """A new one-time token for `user`; their older open tokens stop working."""
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        # spent tokens of a day ago are of no use to anyone: the table stays small
        TelegramLinkToken.objects.filter(user=user, expires_at__lt=now - timedelta(days=1)).delete()
        TelegramLinkToken.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
        TelegramLinkToken.objects.create(
            user=user, token_hash=_hash(token), expires_at=now + timedelta(minutes=TOKEN_MINUTES)
        )
    return token


def deep_link(token: str) -> str:
    return f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={token}"


def claim_link(token: str, *, chat_id: str, chat_label: str = "") -> LinkResult:
    """Link `chat_id` to the token's user; refuses used, expired and unknown tokens, and a
    chat already linked to someone else."""
    if not token or len(token) > 100:
        return LinkResult(False, "This link is not valid. Open Link Telegram on your profile.")
    now = timezone.now()
    with transaction.atomic():
        row = (
            TelegramLinkToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
        )
        owner = user_for_chat(chat_id)
        if row is not None and owner is not None and owner.pk != row.user_id:
            return LinkResult(False, "This chat is already linked to another account.")
        claimed = TelegramLinkToken.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now, used_by_chat=chat_id)
        if not claimed:
            return LinkResult(
                False,
                "This link was already used or has expired. "
                "Open Link Telegram on your profile for a new one.",
            )
        user = row.user
        if not user.is_active:
            return LinkResult(False, "This account is not active.")
        before = user.telegram_chat_id
        user.telegram_chat_id = chat_id
        try:
            with transaction.atomic():
                user.save(update_fields=["telegram_chat_id"])
        except IntegrityError:
            return LinkResult(False, "This chat is already linked to another account.")
        audit_record(
            actor=user,
            action="telegram.linked",
            target=user,
            changes={"before": {"chat": before}, "after": {"chat": chat_id}},
            note=chat_label[:200],
        )
    return LinkResult(True, f"Linked to {user.display_name}.", user)


def unlink(user: User, *, by: User | None, via: str) -> bool:
    """Forget the user's linked chat; False when none was linked."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.telegram_chat_id:
            return False
        before = user.telegram_chat_id
        user.telegram_chat_id = ""
        user.save(update_fields=["telegram_chat_id"])
        audit_record(
            actor=by,
            action="telegram.unlinked",
            target=user,
            changes={"before": {"chat": before}, "after": {"chat": ""}},
            note=via,
        )
    return True
