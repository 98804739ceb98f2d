"""People profiles → guests, through the podcast's own service (the only code that writes
guests), and the look-ups the importer needs."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from podcast.kb.models import KbProfile
from podcast.kb.parse import Profile
from podcast.models import Guest
from podcast.services.guests import guest_upsert_from_profile


def profile_save(*, path: str, digest: str, profile: Profile) -> bool:
    """Create or update the profile's guest and remember the file's hash, in one
    transaction; returns whether the guest was created."""
    with transaction.atomic():
        guest, created = guest_upsert_from_profile(
            profile.kb_id,
            name=profile.name,
            picture_url=profile.picture_url,
            x_url=profile.x_url,
            linkedin_url=profile.linkedin_url,
            github_url=profile.github_url,
            website_url=profile.website_url,
            bio=profile.bio,
        )
        KbProfile.objects.update_or_create(
            path=path, defaults={"content_hash": digest, "kb_id": profile.kb_id, "guest": guest}
        )
    return created


def guests_by_kb_id(kb_ids: Iterable[str]) -> dict[str, int]:
    """Profile id → guest id, for the ids that have a guest."""
    ids = [kb_id for kb_id in kb_ids if kb_id]
    return dict(Guest.objects.filter(kb_id__in=ids).values_list("kb_id", "pk"))
