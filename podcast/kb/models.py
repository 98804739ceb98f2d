"""The knowledge base of past episodes: what `podcast_kb_import` read from the Markdown files.

Every row here is derived: the files (in the docs repository or a folder) are the source of
truth, and a re-import brings the rows back in line with them — a file's `content_hash`
says whether it changed since it was last read. Guests are not derived: people profiles
create and update `podcast.Guest` rows through the podcast's own service, and an episode
links to them by the profile id.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse


class QuestionCategory(models.TextChoices):
    BACKGROUND = "background", "Background"
    CURRENT_FOCUS = "current_focus", "Current focus"
    CAREER = "career", "Career"
    PRACTICAL_ADVICE = "practical_advice", "Practical advice"
    TECHNICAL = "technical", "Technical deep dive"
    BUSINESS_IMPACT = "business_impact", "Business impact"
    RESOURCES = "resources", "Resources"
    REFLECTION = "reflection", "Reflection"
    FUTURE = "future", "Future outlook"
    GENERAL = "general", "General"


class KbEpisode(models.Model):
    # Relative to the episodes folder, so the docs mirror and a checkout of the same files
    # are one knowledge base.
    path = models.CharField(max_length=500, unique=True)
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    short = models.CharField(max_length=200, blank=True)
    season = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    intro = models.TextField(blank=True)
    topics = models.JSONField(default=list, blank=True)
    links = models.JSONField(default=dict, blank=True)
    # The profile ids the file names, kept so a profile imported later still links.
    guest_ids = models.JSONField(default=list, blank=True)
    guests = models.ManyToManyField(
        "podcast.Guest", through="KbAppearance", related_name="kb_episodes", blank=True
    )
    # [{"header", "anchor"} | {"line", "who", "time", "sec"}], in file order.
    transcript = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-season", "-number", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "number"],
                condition=Q(season__isnull=False, number__isnull=False),
                name="kb_episode_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("podcast:podcast_kb:episode", args=[self.pk])

    @property
    def code(self) -> str:
        """`S7E9`, or "" for an episode without numbers."""
        if self.season is None or self.number is None:
            return ""
        return f"S{self.season}E{self.number}"

    def sections(self) -> list[dict]:
        return [item for item in self.transcript if "header" in item]


class KbAppearance(models.Model):
    episode = models.ForeignKey(KbEpisode, on_delete=models.CASCADE, related_name="appearances")
    guest = models.ForeignKey(
        "podcast.Guest", on_delete=models.CASCADE, related_name="kb_appearances"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["episode", "position"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "guest"], name="kb_appearance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guest_id} in {self.episode_id}"


class KbQuestion(models.Model):
    """A question the host asked in an episode, where it was asked and what kind it is."""

    episode = models.ForeignKey(KbEpisode, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    text = models.TextField()
    category = models.CharField(max_length=24, choices=QuestionCategory.choices)
    section = models.CharField(max_length=300, blank=True)
    anchor = models.CharField(max_length=200, blank=True)
    time = models.CharField(max_length=12, blank=True)
    sec = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "position"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "position"], name="kb_question_position")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def url(self) -> str:
        """The episode page at the moment the question was asked (or its section)."""
        target = f"t-{self.sec}" if self.sec is not None else self.anchor
        return self.episode.get_absolute_url() + (f"#{target}" if target else "")


class KbProfile(models.Model):
    """A people-profile file last imported: its hash, so an unchanged profile leaves the
    guest (which people may have edited since) alone."""

    path = models.CharField(max_length=500, unique=True)
    content_hash = models.CharField(max_length=64)
    kb_id = models.CharField(max_length=100)
    guest = models.ForeignKey(
        "podcast.Guest", null=True, on_delete=models.SET_NULL, related_name="kb_profiles"
    )
    imported_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.path
