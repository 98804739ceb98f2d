"""Records of the data-safety work: export archives, backup runs and restore drills.

They describe files on this installation's disk (and its offsite copy), so they are not
exported themselves (see dataops/exports.py); the ledger row of each run is.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Trigger(models.TextChoices):
    PAGE = "page", "Page"
    COMMAND = "command", "Command"
    SCHEDULE = "schedule", "Schedule"


class Outcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ExportArchive(models.Model):
    """One archive written by `export_data`, the Export page or a backup."""

    name = models.CharField(max_length=255)
    path = models.CharField(max_length=1000)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)  # of the .tar.gz itself
    total_sha256 = models.CharField(max_length=64, blank=True)  # the manifest's
    counts = models.JSONField(default=dict, blank=True)  # entity → rows
    include_files = models.BooleanField(default=False)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    created_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    job_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)  # removed by retention

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class BackupRun(models.Model):
    """One backup: a database dump plus an export archive, each with its checksum."""

    status = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    triggered_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    database_vendor = models.CharField(max_length=32, blank=True)
    dump_path = models.CharField(max_length=1000, blank=True)
    dump_size = models.BigIntegerField(default=0)
    dump_sha256 = models.CharField(max_length=64, blank=True)
    export = models.ForeignKey(
        ExportArchive, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offsite_url = models.CharField(max_length=1000, blank=True)
    offsite_verified_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)
    offsite_pruned_at = models.DateTimeField(null=True, blank=True)
    job_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"backup #{self.pk} ({self.status})"


class RestoreDrill(models.Model):
    """One restore drill: an archive restored into a scratch database and exported again."""

    status = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    triggered_by = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=1000, blank=True)  # a path, or the offsite URL
    archive_sha256 = models.CharField(max_length=64, blank=True)
    database_vendor = models.CharField(max_length=32, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # entity → rows restored
    mismatches = models.JSONField(default=list, blank=True)  # entities whose checksum differs
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    job_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"restore drill #{self.pk} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
