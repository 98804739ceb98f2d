"""Demo podcast for `make run`: guests in different states, two episodes (one with its Podcast
workflow started, its first task due in two days) and intake waiting for triage. Idempotent
(guests by name, episodes by working title, intake by external id); demo-only, like all demo
data."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta

from dataops.demo import ensure_demo_mode
from dataops.errors import ServiceError
from dataops.models import User
from podcast.intake.services import intake_create
from podcast.keys import name_key
from podcast.models import Episode, Guest, IntakeItem
from podcast.selectors import org_zone
from podcast.services.episodes import episode_create, episode_start_workflow
from podcast.services.guests import guest_create, guest_set_status
from tasks.services.common import local_today

GUESTS = [
    # name, status, reason, fields
    (
        "Priya Raman",
        "confirmed",
        "",
        {
            "role": "Staff ML engineer",
            "company": "Fernwood Analytics",
            "location": "Bengaluru",
            "timezone": "Asia/Kolkata",
            "email": "priya@fernwood.example",
            "linkedin_url": "https://www.linkedin.com/in/priya-raman-demo",
            "bio": "Builds the feature platform behind Fernwood's fraud models.",
            "tags": ["mlops", "feature stores"],
        },
    ),
    (
        "Marco Bianchi",
        "contacted",
        "",
        {
            "role": "Analytics engineer",
            "company": "Tramonto",
            "location": "Milan",
            "timezone": "Europe/Rome",
            "email": "marco@tramonto.example",
            "tags": ["analytics", "career"],
        },
    ),
    (
        "Lena Fischer",
        "idea",
        "",
        {"role": "Data journalist", "company": "Nordlicht Zeitung", "tags": ["data viz"]},
    ),
    (
        "Tomás Herrera",
        "on_hold",
        "On parental leave until March; ask again then.",
        {"role": "Founder", "company": "Quipu Labs", "timezone": "America/Lima"},
    ),
    (
        "Aisha Bello",
        "declined",
        "Her company does not allow recorded talks this year.",
        {"role": "Head of data", "company": "Savanna Pay", "timezone": "Africa/Lagos"},
    ),
    (
        "Kenji Watanabe",
        "recorded",
        "",
        {"role": "Researcher", "company": "Kaizen AI", "timezone": "Asia/Tokyo", "tags": ["llm"]},
    ),
]
INTAKE = [
    # external id, source, from, text, priority
    (
        "demo-1",
        "email",
        "Marco Bianchi",
        "Happy to join! I could talk about moving from analyst to ML engineer, and the dbt "
        "project that got me there.",
        2,
    ),
    (
        "demo-2",
        "telegram",
        "Valeriia",
        "Listener asks for an episode on data contracts — maybe Lena knows someone?",
        1,
    ),
    (
        "demo-3",
        "manual",
        "Grace",
        "Priya's slides from PyData: https://example.org/priya-feature-stores.pdf",
        1,
    ),
    (
        "demo-4",
        "email",
        "Jonas Weber",
        "I'd like to be a guest: I run the data platform at a logistics start-up.",
        0,
    ),
    (
        "demo-5",
        "telegram",
        "Alexey",
        "Idea: a follow-up with Kenji once his paper is out.",
        1,
    ),
]


def load(**kwargs) -> dict[str, int]:
    """Create the demo guests, episodes and intake (once); returns what was created."""
    ensure_demo_mode()
    grace = User.objects.filter(username="grace").first()
    guests, created_guests = _guests(grace)
    return {
        "podcast guests created": created_guests,
        "podcast episodes created": _episodes(guests, grace),
        "intake items created": _intake(grace),
    }


def _guests(by: User | None) -> tuple[dict[str, Guest], int]:
    guests, created = {}, 0
    for name, status, reason, fields in GUESTS:
        guest = Guest.objects.filter(name_key=name_key(name), merged_into__isnull=True).first()
        if guest is None:
            guest = guest_create(data={"name": name, **fields}, by=by, confirmed=True)
            if status != guest.status:
                guest_set_status(guest=guest, status=status, reason=reason, by=by)
            created += 1
        guests[name] = guest
    return guests, created


def _stream(days: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=days), time(18, 0), tzinfo=org_zone())


def _episodes(guests: dict[str, Guest], owner: User | None) -> int:
    plans = [
        ("feature-stores", "Feature stores without the hype", "Feature stores", "Priya Raman", 30),
        ("analyst-to-ml", "From analyst to ML engineer", "Career change", "Marco Bianchi", 60),
    ]
    created = 0
    for key, title, topic, guest, days in plans:
        if Episode.objects.filter(working_title=title).exists():
            continue
        data = {
            "working_title": title,
            "topic": topic,
            "stream_at": _stream(days),
            "status": "scheduled" if key == "feature-stores" else "planning",
            "owner": owner,
        }
        episode = episode_create(data=data, guests=[guests[guest]], by=owner)
        if key == "feature-stores":
            # Without the Podcast template the episode shows its “Start” button instead.
            with suppress(ServiceError):
                episode_start_workflow(episode=episode, by=owner)
        created += 1
    return created


def _intake(by: User | None) -> int:
    created = 0
    for external_id, source, who, text, priority in INTAKE:
        if IntakeItem.objects.filter(source=source, external_id=external_id).exists():
            continue
        intake_create(
            source=source,
            text=text,
            by=by,
            external_id=external_id,
            from_name=who,
            priority=priority,
        )
        created += 1
    return created
