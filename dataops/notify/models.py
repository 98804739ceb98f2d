"""The outbox of outbound notifications, each person's preferences, the channel breaker."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    EMAIL = "email", "Email"


class OutboxMessage(models.Model):
    """One message for one person on one channel. The unique key makes an event go out once
    per (rule, subject, recipient, channel), however often it is queued."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    rule = models.CharField(max_length=48)
    subject_key = models.CharField(max_length=200)
    cooldown_key = models.CharField(max_length=200, blank=True)
    recipient = models.ForeignKey(
        "dataops.User", on_delete=models.CASCADE, related_name="outbox_messages"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    title = models.CharField(max_length=200)
    text = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    digest = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key", "recipient", "channel"],
                name="outbox_once_per_subject_recipient_channel",
            )
        ]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["rule", "cooldown_key", "recipient", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.recipient_id} ({self.channel}, {self.status})"


class NotifyPreference(models.Model):
    """How one person wants to hear: channels per rule, the digest hour, quiet hours."""

    user = models.OneToOneField(
        "dataops.User", on_delete=models.CASCADE, related_name="notify_preference"
    )
    # "rule:channel" pairs switched off; everything else is on.
    disabled = models.JSONField(default=list, blank=True)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class ChannelBreaker(models.Model):
    """Consecutive failures of a channel; open (paused) from `opened_at` for the pause."""

    channel = models.CharField(max_length=16, choices=Channel.choices, unique=True)
    failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    probe_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.channel} breaker ({self.failures} failures)"
