"""The bot's records: updates received (the dedup table), allowlisted group chats, one-time
link tokens and the bot's own state (webhook registered, polling offset).

A user's linked private chat is `User.telegram_chat_id` (unique when set), so it travels
with the user in exports.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TelegramUpdate(models.Model):
    """One update from the Bot API, stored once: the unique `update_id` is the dedup guard."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate"
        REFUSED = "refused", "Refused"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    class Via(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        POLLING = "polling", "Polling"

    update_id = models.BigIntegerField(unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.WEBHOOK)
    kind = models.CharField(max_length=32, blank=True)
    chat_id = models.CharField(max_length=64, blank=True)
    chat_type = models.CharField(max_length=16, blank=True)
    sender = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.CharField(max_length=300, blank=True)
    redeliveries = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    job_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"update {self.update_id} ({self.kind or 'unknown'}: {self.outcome})"


class TelegramChat(models.Model):
    """A group chat admins allowed to talk to the bot, and what it may do there."""

    chat_id = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100)
    allow_intake = models.BooleanField(default=True, help_text="Messages become intake items.")
    allow_status = models.BooleanField(default=False, help_text="/status and /today answer here.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["label", "chat_id"]
        verbose_name = "allowlisted Telegram chat"

    def __str__(self) -> str:
        return f"{self.label} ({self.chat_id})"


class TelegramLinkToken(models.Model):
    """A one-time deep-link token: `/start <token>` in a private chat links it to `user`.

    Only the token's SHA-256 is stored; it is claimed with a conditional update (unused,
    unexpired), so one token links at most one chat, once.
    """

    user = models.ForeignKey("dataops.User", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by_chat = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link token of {self.user_id} ({'used' if self.used_at else 'open'})"


class TelegramBotState(models.Model):
    """The bot's state on this installation (one row): the webhook it registered last and
    the long-polling offset."""

    webhook_url = models.CharField(max_length=500, blank=True)
    webhook_set_at = models.DateTimeField(null=True, blank=True)
    poll_offset = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return "Telegram bot state"

    @classmethod
    def load(cls) -> TelegramBotState:
        state, _ = cls.objects.get_or_create(pk=1)
        return state
