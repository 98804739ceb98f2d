"""Cross-cutting records: users, the job-run ledger, notifications, audit events, heartbeats."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

ADMIN_GROUP = "admin"
OPERATOR_GROUP = "operator"


class User(AbstractUser):
    """A person who logs in. Roles are the `operator` and `admin` groups."""

    telegram_chat_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["username"]
        constraints = [
            # One person per linked Telegram chat: a linked chat cannot be taken over.
            models.UniqueConstraint(
                fields=["telegram_chat_id"],
                condition=~models.Q(telegram_chat_id=""),
                name="user_telegram_chat_once",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        """Superusers and members of the `admin` group (from the cached role lists)."""
        from dataops.cached import roles

        cached = getattr(self, "_is_admin_cache", None)
        if cached is None:
            cached = self.is_superuser or self.pk in roles().admins
            self._is_admin_cache = cached
        return cached


class JobRunQuerySet(models.QuerySet):
    def failed_open(self) -> JobRunQuerySet:
        """Failed runs nobody has retried or dismissed yet: the Failed jobs list."""
        return self.filter(status=JobRun.Status.FAILED, dismissed_at__isnull=True, retried_as=None)


class JobRun(models.Model):
    """One background run: what ran, when, how it ended and what it counted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        WEBHOOK = "webhook", "Webhook"
        COMMAND = "command", "Command"
        RETRY = "retry", "Retry"
        SYSTEM = "system", "System"

    class ErrorCode(models.TextChoices):
        """Why a run is where it is, when the status alone does not say it."""

        NONE = "", "—"
        QUEUE_UNAVAILABLE = "queue_unavailable", "Waiting for the queue"
        LOST = "lost", "Lost"

    kind = models.CharField(max_length=64, db_index=True)
    task_name = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    triggered_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(
        max_length=32, choices=ErrorCode.choices, blank=True, default=ErrorCode.NONE
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(max_length=300, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retried_as = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retry_of"
    )

    objects = JobRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("job-detail", args=[self.pk])

    @property
    def duration_seconds(self) -> float | None:
        if not (self.started_at and self.finished_at):
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_open_failure(self) -> bool:
        return (
            self.status == self.Status.FAILED
            and self.dismissed_at is None
            and self.retried_as_id is None
        )

    @property
    def awaits_queue(self) -> bool:
        """Recorded while the broker was unreachable: sent as soon as the queue is back."""
        return (
            self.status == self.Status.QUEUED
            and self.error_code == self.ErrorCode.QUEUE_UNAVAILABLE
        )

    @property
    def is_lost(self) -> bool:
        return self.status == self.Status.FAILED and self.error_code == self.ErrorCode.LOST

    def age(self, now: datetime | None = None) -> float:
        return ((now or timezone.now()) - self.created_at).total_seconds()

    def target_url(self) -> str:
        target = self.target if self.target_type_id else None
        if target is not None and hasattr(target, "get_absolute_url"):
            return target.get_absolute_url()
        return ""


class Notification(models.Model):
    """An in-app message for one person. The dedup key makes each event notify once."""

    recipient = models.ForeignKey(
        "dataops.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=48)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    dedup_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.text[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class AuditEvent(models.Model):
    """Who changed what and when, for admin-level changes."""

    actor = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"


class Heartbeat(models.Model):
    """Last sign of life of a long-running process (Celery beat)."""

    name = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


# The data-safety records live beside their package; importing them here registers them.
from dataops.notify.models import ChannelBreaker, NotifyPreference, OutboxMessage  # noqa: E402, F401
from dataops.portability.models import BackupRun, ExportArchive, RestoreDrill  # noqa: E402, F401
from dataops.telegram.models import (  # noqa: E402, F401
    TelegramBotState,
    TelegramChat,
    TelegramLinkToken,
    TelegramUpdate,
)
