"""The docs registry: one row per Markdown file of the mirrored repository.

The git mirror is the source of truth; these tables are derived from it on every sync so
that lists, filters, backlinks and the quality report are database queries. Per-user state
(pins, recently viewed) is keyed by the stable doc id, so it survives renames.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from docs_app.doc_urls import doc_path_url


class MirrorState(models.Model):
    """What the registry currently reflects: one row (pk=1) per configured repository."""

    remote_url = models.CharField(max_length=1000)
    branch = models.CharField(max_length=200)
    head_sha = models.CharField(max_length=40, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=16, blank=True)  # "ok" | "failed"
    last_error = models.TextField(blank=True)
    document_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.remote_url}@{self.branch} ({self.head_sha[:8] or 'empty'})"


class Document(models.Model):
    """A Markdown file of the mirror, with what its frontmatter and path say about it."""

    class Lint(models.TextChoices):
        CLEAN = "clean", "Clean"
        VIOLATIONS = "violations", "Lint violations"
        ERROR = "error", "Unreadable"
        NOT_APPLICABLE = "n/a", "Not linted"

    path = models.CharField(max_length=600, unique=True)  # repo-relative, POSIX separators
    folder = models.CharField(max_length=600, db_index=True, blank=True)  # "" = root
    doc_id = models.CharField(max_length=300, db_index=True)
    id_is_generated = models.BooleanField(default=False)
    aliases = models.JSONField(default=list, blank=True)
    title = models.CharField(max_length=500)
    doc_type = models.CharField(max_length=32, db_index=True)
    domain = models.CharField(max_length=120, db_index=True, blank=True)
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True)
    frontmatter = models.JSONField(default=dict, blank=True)  # parsed, for display
    related_docs = models.JSONField(default=list, blank=True)  # as written
    is_marked_sop = models.BooleanField(default=False)
    headings = models.JSONField(default=list, blank=True)  # [{level, text, anchor, line}]
    blob_sha = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    skipped_reason = models.CharField(max_length=200, blank=True)  # binary, too large, …
    lint_status = models.CharField(max_length=12, choices=Lint.choices, default=Lint.NOT_APPLICABLE)
    lint_messages = models.JSONField(default=list, blank=True)
    last_commit_sha = models.CharField(max_length=40, blank=True)
    last_commit_author = models.CharField(max_length=200, blank=True)
    last_commit_email = models.CharField(max_length=200, blank=True)
    last_commit_date = models.DateTimeField(null=True, blank=True)
    last_commit_message = models.CharField(max_length=500, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["domain", "doc_type"])]

    def __str__(self) -> str:
        return self.title or self.path

    def get_absolute_url(self) -> str:
        return doc_path_url(self.path)

    @property
    def tags(self) -> list[str]:
        return [label.value for label in self._labels(DocumentLabel.Kind.TAG)]

    @property
    def systems(self) -> list[str]:
        return [label.value for label in self._labels(DocumentLabel.Kind.SYSTEM)]

    def _labels(self, kind: str) -> list[DocumentLabel]:
        # Uses prefetched labels when a selector loaded them (no extra query per row).
        return [label for label in self.labels.all() if label.kind == kind]


class DocumentMove(models.Model):
    """A doc git reported as renamed or moved: its old path (and the id it had there) keeps
    resolving to where it lives now.

    Chains are kept short: when the doc moves again, rows pointing at its old place are
    pointed at the new one, so `old_path` always names the doc's current path. A row goes
    away when a real doc exists at its `old_path` again (the real doc wins).
    """

    old_path = models.CharField(max_length=600, unique=True)
    old_doc_id = models.CharField(max_length=300, db_index=True, blank=True)
    new_path = models.CharField(max_length=600, db_index=True)
    moved_at = models.DateTimeField(default=timezone.now)
    commit = models.CharField(max_length=40, blank=True)  # the head the sync saw it at

    class Meta:
        ordering = ["old_path"]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"


class DocumentLabel(models.Model):
    """Tags and systems as rows, so filters and counts are plain joins on every database."""

    class Kind(models.TextChoices):
        TAG = "tag", "Tag"
        SYSTEM = "system", "System"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="labels")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "kind", "value"], name="label_once_per_doc")
        ]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class DocumentLink(models.Model):
    """A reference from one doc to another doc or to an asset, resolved at registration."""

    class Kind(models.TextChoices):
        LINK = "link", "Markdown link"
        WIKI = "wiki", "Wiki reference"
        DOC = "doc", "doc: link"
        RELATED = "related", "related_docs"
        IMAGE = "image", "Image"

    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    target = models.CharField(max_length=1000)  # as written
    anchor = models.CharField(max_length=300, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    resolved_path = models.CharField(max_length=600, blank=True, db_index=True)  # "" = broken
    problem = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["source_id", "line", "id"]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target}"

    @property
    def is_broken(self) -> bool:
        return not self.resolved_path


class Finding(models.Model):
    """A problem of the corpus shown in the process-quality report, with what to do next."""

    class Severity(models.TextChoices):
        BLOCKING = "blocking", "Blocking"
        WARNING = "warning", "Warning"
        INFO = "info", "Info"

    class Category(models.TextChoices):
        BROKEN_DOC_REFERENCE = "broken-doc-reference", "Broken doc reference"
        BROKEN_ASSET_REFERENCE = "broken-asset-reference", "Broken asset reference"
        LINT = "lint", "Lint"
        MISSING_METADATA = "missing-metadata", "Missing metadata"
        TODO_OR_PLACEHOLDER = "todo-or-placeholder", "TODO or placeholder"
        MISSING_VALIDATION = "missing-validation", "Missing validation"
        REGISTRY = "registry", "Registry"

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    path = models.CharField(max_length=600, db_index=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    category = models.CharField(max_length=32, choices=Category.choices, db_index=True)
    # Which check produced it (`L07`, `duplicate-id`, `missing-image`, …): lets a sync replace
    # exactly the findings a change can affect, and tests name the problem they expect.
    code = models.CharField(max_length=40, blank=True, db_index=True)
    message = models.TextField()
    next_action = models.CharField(max_length=500)
    line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["path", "line", "id"]

    def __str__(self) -> str:
        return f"{self.severity} {self.category} {self.path}: {self.message[:60]}"


class PinnedDoc(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pinned_docs"
    )
    doc_id = models.CharField(max_length=300)
    pinned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned_at"]
        constraints = [models.UniqueConstraint(fields=["user", "doc_id"], name="pin_once")]

    def __str__(self) -> str:
        return f"{self.user_id} pinned {self.doc_id}"


class DocView(models.Model):
    """Most recent view of a doc by a user (one row per user and doc, time updated)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doc_views"
    )
    doc_id = models.CharField(max_length=300)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at"]
        constraints = [models.UniqueConstraint(fields=["user", "doc_id"], name="view_row_once")]
        indexes = [models.Index(fields=["user", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.doc_id}"


class DocDraft(models.Model):
    """Unpublished text of a doc being edited by one user, saved as they type: it survives a
    reload and is flagged as stale when the doc changed since the blob it started from."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doc_drafts"
    )
    path = models.CharField(max_length=600)
    base_blob = models.CharField(max_length=40)
    text = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["user", "path"], name="draft_once")]

    def __str__(self) -> str:
        return f"{self.user_id} drafting {self.path}"
