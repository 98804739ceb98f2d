"""Assistant jobs: a request to draft a document (the podcast prep document for now), its
append-only event log and the drafted artifact with its revisions.

Lineage is an attempt log on the one job: every run of the drafter is a `started` event
carrying the attempt number and the job-run ledger id; a retry re-queues the same job (with
the reviewer's reason as guidance) rather than creating a new one.

Only `podcast.assistant.services` changes these rows; `states.check_move` owns the moves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now

from podcast.assistant.states import JobStatus

USER = settings.AUTH_USER_MODEL

SUMMARY_MAX_CHARS = 1000
METADATA_MAX_BYTES = 4096


class AppendOnly(Exception):
    """Raised on an attempt to change or delete a stored event."""


class AssistantJob(models.Model):
    Status = JobStatus

    class Kind(models.TextChoices):
        PREP_DOCUMENT = "prep_document", "Prep document"

    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.PREP_DOCUMENT)
    episode = models.ForeignKey(
        "podcast.Episode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant_jobs",
    )
    task = models.ForeignKey(
        "tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # References only (ids of guests, intake items, KB episodes and questions), never copies.
    inputs = models.JSONField(default=dict, blank=True)
    guidance = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.DRAFT)
    approval_required = models.BooleanField(default=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    error_code = models.CharField(max_length=40, blank=True)
    error_summary = models.CharField(max_length=1000, blank=True)
    run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_sha = models.CharField(max_length=64, blank=True)
    published_path = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="assistant_job_status"),
            models.Index(fields=["episode", "-created_at"], name="assistant_job_episode"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="assistant_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["prep_document"]), name="assistant_job_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1), name="assistant_job_max_attempts_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("podcast:assistant-job", args=[self.pk])

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_attempts - self.attempts)


class AssistantEvent(models.Model):
    """One line of a job's timeline. Stored once, never changed."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        QUEUED = "queued", "Queued"
        STARTED = "started", "Started"
        PROGRESS = "progress", "Progress"
        ARTIFACT = "artifact", "Artifact attached"
        EDITED = "edited", "Document edited"
        APPROVAL_REQUESTED = "approval_requested", "Approval requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RETRY = "retry", "Retry requested"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        SUCCEEDED = "succeeded", "Succeeded"
        PUBLISHED = "published", "Published"

    job = models.ForeignKey(AssistantJob, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=SUMMARY_MAX_CHARS, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["job", "id"], name="assistant_event_job")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.job_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("Assistant events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Assistant events are never deleted.")


class AssistantArtifact(models.Model):
    """One revision of a job's output: the drafter's text is revision 1, each edit adds one."""

    job = models.ForeignKey(AssistantJob, on_delete=models.CASCADE, related_name="artifacts")
    revision = models.PositiveIntegerField()
    markdown = models.TextField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    drafter = models.CharField(max_length=40)
    drafter_version = models.CharField(max_length=40, blank=True)
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["job", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["job", "revision"], name="assistant_artifact_revision")
        ]

    def __str__(self) -> str:
        return f"Job #{self.job_id} revision {self.revision}"
