"""Imports from other tools: one batch per run, one item per row the run created.

The items make a re-import idempotent (a Trello id is imported once: unique per model) and
let a rollback find exactly the rows of its batch.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# The JobRun statuses of a run that has yet to succeed or fail.
UNSETTLED_RUNS = ("queued", "running", "retrying")


class ImportBatch(models.Model):
    """One approved import run (running the command is the approval)."""

    source = models.SlugField(max_length=20, help_text="trello")
    external_id = models.CharField(max_length=64, help_text="The board's id in the source.")
    name = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    report = models.JSONField(default=dict, blank=True)
    # The last history event the import wrote: a later event on one of its rows means
    # somebody changed that row since, so a rollback keeps it.
    history_mark = models.BigIntegerField(default=0)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rollback_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} import #{self.pk}: {self.name}"


class ImportBatchItem(models.Model):
    """A row created by an import, with the id it had in the source."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    model = models.CharField(max_length=60, help_text="app_label.model of the created row")
    object_id = models.PositiveBigIntegerField()
    external_id = models.CharField(max_length=120)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "external_id"], name="import_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} ← {self.external_id}"


class ImportUpload(models.Model):
    """A board file uploaded on the import page, held between the mapping, the dry run and
    the approval so that only its id travels in the page's URLs.

    The dry run and the import run in the background (`tasks.tasks`); the report of the
    dry run is kept here, the import's too once it is approved.

    The raw file is unredacted, so it is kept only until the import is approved (then it is
    emptied) or for TRELLO_UPLOAD_KEEP_HOURS (then the row is deleted)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    raw = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    board_name = models.CharField(max_length=300)
    # What the admin chose on the mapping page, and the dry run's report for it.
    mapping = models.JSONField(null=True, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    # The background runs of its dry run and of its import (the latest of each): the pages
    # show them while they run, and their errors once they failed.
    preview_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_run = models.ForeignKey(
        "dataops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"upload #{self.pk}: {self.board_name}"

    @staticmethod
    def is_unsettled(run) -> bool:
        """Whether the run (of its dry run or its import) has yet to succeed or fail."""
        return run is not None and run.status in UNSETTLED_RUNS

    @property
    def stage(self) -> str:
        """Where an upload waiting for approval stands, in the lists of waiting uploads."""
        if self.is_unsettled(self.import_run):
            return "importing"
        if self.is_unsettled(self.preview_run):
            return "dry run running"
        if self.preview:
            return "dry run ready"
        if self.preview_run is not None and self.preview_run.status == "failed":
            return "dry run failed"
        return "not mapped yet"
