"""The podcast's records: guests and their history, episodes (each may run one Podcast
workflow), intake items (raw material about a guest or episode) with attachments and an
undoable history, and the public guest-form links.

The services in `podcast.services` are the only code that changes these rows; each change
appends a `GuestEvent` or an `IntakeEvent`. An episode does not copy its workflow's links or
dates: it points at the workflow and the pages read them from there.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now

from podcast.keys import linkedin_key, name_key

USER = settings.AUTH_USER_MODEL


def validate_timezone(value: str) -> None:
    """An IANA zone name such as `Europe/Berlin` (empty is allowed by the field)."""
    if not value:
        return
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            "“%(value)s” is not a time zone name like Europe/Berlin.", params={"value": value}
        ) from exc


# --- guests ------------------------------------------------------------------------------


class GuestStatus(models.TextChoices):
    IDEA = "idea", "Idea"
    CONTACTED = "contacted", "Contacted"
    CONFIRMED = "confirmed", "Confirmed"
    RECORDED = "recorded", "Recorded"
    PUBLISHED = "published", "Published"
    DECLINED = "declined", "Declined"
    ON_HOLD = "on_hold", "On hold"


class Guest(models.Model):
    Status = GuestStatus

    # A move into these states needs a reason (kept in `status_reason`).
    STATUSES_WITH_REASON = (Status.DECLINED, Status.ON_HOLD)

    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    role = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone], help_text="e.g. Europe/Berlin"
    )
    email = models.EmailField(blank=True, db_index=True)
    linkedin_url = models.URLField(blank=True)
    x_url = models.URLField(blank=True)
    github_url = models.URLField(blank=True)
    website_url = models.URLField(blank=True)
    linkedin_key = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    other_links = models.JSONField(default=list, blank=True, help_text="[{label, url}]")
    picture_url = models.CharField(max_length=500, blank=True)
    bio = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    first_contact_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IDEA)
    status_reason = models.CharField(max_length=300, blank=True)
    kb_id = models.CharField(max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_guests"
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kb_id"], condition=~Q(kb_id=""), name="guest_kb_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GuestStatus.values), name="guest_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The keys are the duplicate guard's index, so they follow the fields on every save,
        # whichever code saved the row.
        self.name_key = name_key(self.name)
        self.linkedin_key = linkedin_key(self.linkedin_url)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key", "linkedin_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("podcast:guest-detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def zone(self) -> ZoneInfo | None:
        try:
            return ZoneInfo(self.timezone) if self.timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def links(self) -> list[tuple[str, str]]:
        """(label, url) of every link the guest has, the named ones first."""
        named = [
            ("LinkedIn", self.linkedin_url),
            ("X", self.x_url),
            ("GitHub", self.github_url),
            ("Website", self.website_url),
        ]
        others = [
            (str(link.get("label") or link.get("url")), str(link.get("url")))
            for link in self.other_links or []
            if isinstance(link, dict) and link.get("url")
        ]
        return [(label, url) for label, url in named if url] + others


GUEST_EVENT_LABELS = {
    "created": "added the guest",
    "edited": "edited",
    "status_changed": "changed the status",
    "merged": "merged a duplicate into this guest",
    "kb_created": "added the guest from the knowledge base",
    "kb_updated": "updated the guest from the knowledge base",
}


class GuestEvent(models.Model):
    """One change to a guest: created, edited, status changed, merged, …"""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=48)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.guest_id}"

    @property
    def label(self) -> str:
        """What happened, as the history shows it after the actor's name."""
        return GUEST_EVENT_LABELS.get(self.action, self.action.replace("_", " "))


# --- episodes ----------------------------------------------------------------------------


class EpisodeStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    SCHEDULED = "scheduled", "Scheduled"
    RECORDED = "recorded", "Recorded"
    PUBLISHED = "published", "Published"
    CANCELED = "canceled", "Canceled"


class Episode(models.Model):
    Status = EpisodeStatus

    working_title = models.CharField(max_length=300)
    topic = models.CharField(max_length=300, blank=True)
    guests = models.ManyToManyField(Guest, related_name="episodes", blank=True)
    stream_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNING)
    season = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="podcast_episodes"
    )
    workflow = models.OneToOneField(
        "tasks.Workflow",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="podcast_episode",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stream_at", "id"]
        indexes = [models.Index(fields=["status", "stream_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EpisodeStatus.values),
                name="episode_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.working_title

    def get_absolute_url(self) -> str:
        return reverse("podcast:episode-detail", args=[self.pk])

    @property
    def code(self) -> str:
        """`S7E9` once it has numbers, else empty."""
        if self.season is None or self.number is None:
            return ""
        return f"S{self.season}E{self.number}"


# --- intake ------------------------------------------------------------------------------


class IntakeStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ATTACHED = "attached", "Attached"
    CONVERTED = "converted", "Converted"
    IGNORED = "ignored", "Ignored"
    DUPLICATE = "duplicate", "Duplicate"


class IntakeItem(models.Model):
    """Raw material about a (future) guest or episode, waiting to be triaged."""

    class Source(models.TextChoices):
        FORM = "form", "Guest form"
        TELEGRAM = "telegram", "Telegram"
        MANUAL = "manual", "Manual"
        EMAIL = "email", "Email"
        IMPORT = "import", "Import"

    Status = IntakeStatus

    class Priority(models.IntegerChoices):
        LOW = 0, "Low"
        NORMAL = 1, "Normal"
        HIGH = 2, "High"

    source = models.CharField(max_length=12, choices=Source.choices)
    text = models.TextField(blank=True)
    links = models.JSONField(default=list, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    guest = models.ForeignKey(
        Guest, null=True, blank=True, on_delete=models.SET_NULL, related_name="intake_items"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="intake_items"
    )
    received_at = models.DateTimeField(default=now, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_contact = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    tags = models.JSONField(default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    status_reason = models.CharField(max_length=300, blank=True)
    converted_task = models.ForeignKey(
        "tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="intake_status_received")]
        constraints = [
            # A Telegram message or a guest-form link submits into one item.
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="intake_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=IntakeStatus.values),
                name="intake_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=[0, 1, 2]), name="intake_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        first_line = (self.text or "").strip().splitlines()[:1]
        return (first_line[0][:80] if first_line else "") or f"Intake #{self.pk}"


class IntakeAttachment(models.Model):
    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="intake/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class IntakeEvent(models.Model):
    """One triage action on an item, with the before/after needed to undo it."""

    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=48)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.item_id}"


# --- the public guest form ---------------------------------------------------------------


class GuestFormLink(models.Model):
    """A no-login link a guest fills; the URL token signs (id, nonce), so rotating the nonce
    invalidates every link sent before."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="form_links")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="form_links"
    )
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    draft = models.JSONField(default=dict, blank=True)
    item = models.OneToOneField(
        IntakeItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="form_link"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Form link #{self.pk} for {self.guest_id}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def is_expired(self, at=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (at or now())


# The assistant's models live in their package and use this app's migrations.
from podcast.assistant.models import (  # noqa: E402, F401
    AssistantArtifact,
    AssistantEvent,
    AssistantJob,
)
