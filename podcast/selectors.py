"""Reads for the podcast pages: the guest list and page, the duplicate guard's matches, the
episode list and page (with its workflow read from the tasks app, never copied), and the
Operations Home counter of intake waiting for triage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from podcast.keys import linkedin_key, name_key
from podcast.models import Episode, Guest, GuestEvent, IntakeItem

HISTORY_LIMIT = 50
INTAKE_LIMIT = 50

# --- guests -------------------------------------------------------------------------------


def guest_duplicates(
    *, name: str, email: str = "", linkedin_url: str = "", exclude_pk: int | None = None
) -> list[Guest]:
    """Guests (not merged away) with the same normalised name, email or LinkedIn profile."""
    match = Q()
    if key := name_key(name):
        match |= Q(name_key=key)
    if email := (email or "").strip():
        match |= Q(email__iexact=email)
    if profile := linkedin_key(linkedin_url):
        match |= Q(linkedin_key=profile)
    if not match:
        return []
    found = Guest.objects.filter(match, merged_into__isnull=True)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return list(found.order_by("name", "pk")[:10])


def _with_tag(guests: QuerySet[Guest], tag: str) -> QuerySet[Guest]:
    """Guests whose tag list holds `tag` exactly. PostgreSQL answers JSON containment; SQLite
    has no `contains` on JSON, so the list is opened with json_each there."""
    if connection.vendor == "postgresql":
        return guests.filter(tags__contains=[tag])
    tagged = RawSQL(
        "SELECT g.id FROM podcast_guest g, json_each(g.tags) t WHERE t.value = %s", [tag]
    )
    return guests.filter(pk__in=tagged)


def _matching(guests: QuerySet[Guest], q: str) -> QuerySet[Guest]:
    on_topic = Episode.guests.through.objects.filter(episode__topic__icontains=q).values("guest_id")
    return guests.filter(
        Q(name__icontains=q)
        | Q(company__icontains=q)
        | Q(role__icontains=q)
        | Q(bio__icontains=q)
        | Q(tags__icontains=q)
        | Q(pk__in=on_topic)
    )


def guest_list(*, q: str = "", status: str = "", tag: str = "") -> QuerySet[Guest]:
    """Guests not merged away, by name; `q` searches name, company, role, bio, tags and the
    topics of their episodes."""
    guests = Guest.objects.filter(merged_into__isnull=True).order_by("name", "pk")
    if q:
        guests = _matching(guests, q)
    if status:
        guests = guests.filter(status=status)
    if tag:
        guests = _with_tag(guests, tag)
    return guests


def guest_tags() -> list[str]:
    """Every tag in use, for the filter (a guest list is hundreds of rows, not millions)."""
    tags: set[str] = set()
    for row in Guest.objects.filter(merged_into__isnull=True).values_list("tags", flat=True):
        tags.update(t for t in row or [] if isinstance(t, str))
    return sorted(tags)


@dataclass
class GuestPage:
    guest: Guest
    episodes: list[Episode]
    intake: list[IntakeItem]
    history: list[GuestEvent]
    duplicates: list[Guest]


def guest_page(*, guest_id: int) -> GuestPage:
    guest = get_object_or_404(
        Guest.objects.select_related("merged_into", "created_by"), pk=guest_id
    )
    return GuestPage(
        guest=guest,
        episodes=list(guest.episodes.select_related("workflow").order_by("-stream_at", "-pk")),
        intake=list(guest.intake_items.order_by("-received_at", "-pk")[:INTAKE_LIMIT]),
        history=list(guest.events.select_related("actor").order_by("-at", "-pk")[:HISTORY_LIMIT]),
        duplicates=[]
        if guest.is_merged
        else guest_duplicates(
            name=guest.name,
            email=guest.email,
            linkedin_url=guest.linkedin_url,
            exclude_pk=guest.pk,
        ),
    )


def merge_candidates(guest: Guest) -> QuerySet[Guest]:
    return Guest.objects.filter(merged_into__isnull=True).exclude(pk=guest.pk).order_by("name")


# --- episodes -----------------------------------------------------------------------------


def org_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def stream_date(episode: Episode) -> date | None:
    """The stream's day in the organisation's zone: the workflow's anchor date."""
    return timezone.localtime(episode.stream_at, org_zone()).date() if episode.stream_at else None


def episode_list(*, status: str = "", now: datetime | None = None) -> QuerySet[Episode]:
    """Upcoming episodes first (soonest first), then undated ones, then past ones (latest
    first), in one query; guests prefetched."""
    now = now or timezone.now()
    episodes = Episode.objects.select_related("workflow", "owner").prefetch_related("guests")
    if status:
        episodes = episodes.filter(status=status)
    return episodes.annotate(
        bucket=Case(
            When(stream_at__gte=now, then=Value(0)),
            When(stream_at__isnull=True, then=Value(1)),
            default=Value(2),
        ),
        upcoming_at=Case(When(stream_at__gte=now, then=F("stream_at"))),
        past_at=Case(When(stream_at__lt=now, then=F("stream_at"))),
    ).order_by(
        "bucket",
        F("upcoming_at").asc(nulls_last=True),
        F("past_at").desc(nulls_last=True),
        "-created_at",
        "-pk",
    )


@dataclass(frozen=True)
class LocalTime:
    label: str  # whose clock: "Organisation (Europe/Berlin)" or a guest's name and zone
    at: datetime
    zone: str


def stream_times(episode: Episode, guests: list[Guest]) -> list[LocalTime]:
    """The stream time on the organisation's clock, then on each guest's (those with a zone
    different from the organisation's)."""
    if episode.stream_at is None:
        return []
    org = org_zone()
    times = [LocalTime("Organisation", episode.stream_at.astimezone(org), str(org))]
    for guest in guests:
        zone = guest.zone
        if zone is not None and str(zone) != str(org):
            times.append(LocalTime(guest.name, episode.stream_at.astimezone(zone), str(zone)))
    return times


@dataclass
class EpisodePage:
    episode: Episode
    guests: list[Guest]
    times: list[LocalTime]
    workflow: object | None  # tasks.selectors.WorkflowPage
    intake: list[IntakeItem]


def episode_page(*, episode_id: int, today: date) -> EpisodePage:
    from tasks.selectors import workflow_page

    episode = get_object_or_404(
        Episode.objects.select_related("owner", "created_by", "workflow"), pk=episode_id
    )
    guests = list(episode.guests.order_by("name", "pk"))
    return EpisodePage(
        episode=episode,
        guests=guests,
        times=stream_times(episode, guests),
        workflow=workflow_page(workflow_id=episode.workflow_id, today=today)
        if episode.workflow_id
        else None,
        intake=list(episode.intake_items.order_by("-received_at", "-pk")[:INTAKE_LIMIT]),
    )


# --- Operations Home ----------------------------------------------------------------------


@dataclass(frozen=True)
class HomeCounter:
    label: str
    count: int
    url: str


def home_intake_counter(user) -> HomeCounter | None:
    """“Intake to triage”: new intake items, linking to the inbox; hidden (None) while the
    inbox page does not exist. One COUNT over the (status, received_at) index, made either
    way so Home's query count does not depend on which pages are installed."""
    count = IntakeItem.objects.filter(status=IntakeItem.Status.NEW).count()
    try:
        url = reverse("podcast:intake-inbox")
    except NoReverseMatch:
        return None
    return HomeCounter("Intake to triage", count, url)
