"""Guests: create (behind the duplicate guard), edit, change status, merge, and the upsert the
knowledge-base import calls for each people profile.

Every function is keyword-only, runs in one transaction and appends one `GuestEvent` per
guest it changes; a merge is also written to the audit log. Refusals raise `ServiceError`
with a sentence from `podcast.messages`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record
from podcast import messages
from podcast.keys import name_key
from podcast.models import Guest, GuestEvent, GuestFormLink, IntakeItem
from podcast.selectors import guest_duplicates

# What a person edits on the guest form; status has its own service (it needs a reason).
EDITABLE_FIELDS = (
    "name",
    "role",
    "company",
    "location",
    "timezone",
    "email",
    "linkedin_url",
    "x_url",
    "github_url",
    "website_url",
    "other_links",
    "picture_url",
    "bio",
    "notes",
    "tags",
    "first_contact_on",
)
# What a knowledge-base people profile carries.
PROFILE_FIELDS = (
    "name",
    "picture_url",
    "x_url",
    "linkedin_url",
    "github_url",
    "website_url",
    "bio",
)
_http_url = URLValidator(schemes=["http", "https"])


class PossibleDuplicate(ServiceError):
    """A new guest matches existing ones (name, email or LinkedIn); `matches` lists them."""

    def __init__(self, matches: list[Guest]):
        super().__init__(messages.GUEST_POSSIBLE_DUPLICATE, code="duplicate")
        self.matches = matches


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def guest_record(
    guest: Guest, *, by: User | None, action: str, changes: dict | None = None, note: str = ""
) -> GuestEvent:
    """Append one history event; call it inside the transaction of the change."""
    return GuestEvent.objects.create(
        guest=guest, actor=by, action=action, changes=changes or {}, note=note
    )


def clean_tags(tags: list[str] | str) -> list[str]:
    """Lower-cased, stripped, unique, in the order given (a comma list or a list)."""
    items = tags.split(",") if isinstance(tags, str) else tags
    seen: dict[str, None] = {}
    for tag in items:
        cleaned = " ".join(str(tag).split()).casefold()[:40]
        if cleaned:
            seen.setdefault(cleaned)
    return list(seen)


def _lock(guest: Guest) -> Guest:
    return Guest.objects.select_for_update().get(pk=guest.pk)


def _check_not_merged(guest: Guest) -> None:
    if guest.is_merged:
        raise ServiceError(
            messages.GUEST_MERGED.format(name=guest.name, into=guest.merged_into.name)
        )


@transaction.atomic
def guest_create(*, data: dict[str, Any], by: User | None, confirmed: bool = False) -> Guest:
    """Create a guest from validated form data. Unless `confirmed`, a guest whose normalised
    name, email or LinkedIn profile matches an existing one is refused with
    `PossibleDuplicate` (its `matches` are shown so the person can open one instead)."""
    values = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    values["tags"] = clean_tags(values.get("tags") or [])
    matches = guest_duplicates(
        name=values.get("name", ""),
        email=values.get("email", ""),
        linkedin_url=values.get("linkedin_url", ""),
    )
    if matches and not confirmed:
        raise PossibleDuplicate(matches)
    guest = Guest.objects.create(created_by=by, **values)
    names = ", ".join(match.name for match in matches)
    guest_record(
        guest,
        by=by,
        action="created",
        changes={k: _plain(v) for k, v in values.items() if v not in ("", [], None)},
        note=f"Created although it looked like {names}." if matches else "",
    )
    return guest


def _changes(guest: Guest, values: dict[str, Any]) -> dict[str, list]:
    return {
        name: [_plain(getattr(guest, name)), _plain(value)]
        for name, value in values.items()
        if getattr(guest, name) != value
    }


@transaction.atomic
def guest_update(*, guest: Guest, data: dict[str, Any], by: User | None) -> Guest:
    """Save the edited fields; the history keeps each changed field's before and after."""
    guest = _lock(guest)
    _check_not_merged(guest)
    values = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    if "tags" in values:
        values["tags"] = clean_tags(values["tags"] or [])
    changes = _changes(guest, values)
    if not changes:
        return guest
    for name in changes:
        setattr(guest, name, values[name])
    guest.save()
    guest_record(guest, by=by, action="edited", changes=changes)
    return guest


@transaction.atomic
def guest_set_status(*, guest: Guest, status: str, reason: str = "", by: User | None) -> Guest:
    """Move the guest to `status`; declined and on hold need a reason (kept on the guest)."""
    guest = _lock(guest)
    _check_not_merged(guest)
    if status not in Guest.Status.values:
        raise ServiceError(f"Unknown status “{status}”.", field="status")
    label = Guest.Status(status).label.lower()
    reason = " ".join(reason.split())[:300]
    if status in Guest.STATUSES_WITH_REASON and not reason:
        raise ServiceError(messages.STATUS_NEEDS_REASON.format(status=label), field="reason")
    if status == guest.status and reason == guest.status_reason:
        raise ServiceError(messages.STATUS_SAME.format(status=label), field="status")
    before = {"status": guest.status, "status_reason": guest.status_reason}
    guest.status = status
    guest.status_reason = reason if status in Guest.STATUSES_WITH_REASON else ""
    guest.save(update_fields=["status", "status_reason", "updated_at"])
    after = {"status": guest.status, "status_reason": guest.status_reason}
    guest_record(
        guest,
        by=by,
        action="status_changed",
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        note=reason,
    )
    return guest


# --- merge --------------------------------------------------------------------------------


def _fill_gaps(keep: Guest, other: Guest) -> dict[str, list]:
    """Fields empty on `keep` take `other`'s value; tags are united."""
    filled: dict[str, list] = {}
    for name in EDITABLE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if name == "tags":
            united = clean_tags([*mine, *theirs])
            if united != mine:
                filled[name] = [mine, united]
                keep.tags = united
        elif mine in ("", [], None) and theirs not in ("", [], None):
            filled[name] = [_plain(mine), _plain(theirs)]
            setattr(keep, name, theirs)
    return filled


def _move_related(keep: Guest, other: Guest) -> dict[str, int]:
    episodes = list(other.episodes.all())
    for episode in episodes:
        episode.guests.remove(other)
        episode.guests.add(keep)
    return {
        "episodes": len(episodes),
        "intake_items": IntakeItem.objects.filter(guest=other).update(guest=keep),
        "form_links": GuestFormLink.objects.filter(guest=other).update(guest=keep),
        "events": GuestEvent.objects.filter(guest=other).update(guest=keep),
        "merged_guests": Guest.objects.filter(merged_into=other).update(merged_into=keep),
    }


@transaction.atomic
def guest_merge(*, keep: Guest, other: Guest, by: User) -> Guest:
    """Merge `other` into `keep` (admins only): episodes, intake items, form links and history
    move to `keep`, empty fields of `keep` are filled from `other` (its knowledge-base id
    too), and `other` stays as a pointer (`merged_into`). Both rows are locked in id order;
    one history event on `keep` and one audit event describe the merge."""
    if not by.is_admin:
        raise ServiceError(messages.MERGE_ADMIN_ONLY)
    if keep.pk == other.pk:
        raise ServiceError(messages.MERGE_SAME_GUEST, field="keep")
    locked = {g.pk: g for g in Guest.objects.select_for_update().filter(pk__in=[keep.pk, other.pk])}
    keep, other = locked[keep.pk], locked[other.pk]
    for guest in (keep, other):
        if guest.is_merged:
            raise ServiceError(messages.MERGE_ALREADY_MERGED.format(name=guest.name))
    moved = _move_related(keep, other)
    filled = _fill_gaps(keep, other)
    kb_id = other.kb_id if other.kb_id and not keep.kb_id else ""
    other.merged_into, other.kb_id = keep, ("" if kb_id else other.kb_id)
    other.save(update_fields=["merged_into", "kb_id", "updated_at"])
    if kb_id:
        keep.kb_id = kb_id
        filled["kb_id"] = ["", kb_id]
    keep.save()
    changes = {"merged": {"id": other.pk, "name": other.name}, "moved": moved, "filled": filled}
    guest_record(keep, by=by, action="merged", changes=changes, note=f"Merged “{other.name}”.")
    audit_record(actor=by, action="podcast.guest.merge", target=keep, changes=changes)
    return keep


# --- the knowledge base's people profiles ---------------------------------------------------


def _profile_values(values: dict[str, str]) -> dict[str, str]:
    """Stripped and cut to the field sizes; a link that is not http(s) is dropped."""
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        value = (value or "").strip()
        if name.endswith("_url") and value:
            try:
                _http_url(value)
            except ValidationError:
                value = ""
        cleaned[name] = value[: Guest._meta.get_field(name).max_length or None]
    return cleaned


def _profile_match(kb_id: str, name: str) -> Guest | None:
    found = Guest.objects.select_for_update().filter(kb_id=kb_id).first()
    if found is None:
        key = name_key(name)
        found = (
            Guest.objects.select_for_update()
            .filter(name_key=key, kb_id="", merged_into__isnull=True)
            .order_by("pk")
            .first()
            if key
            else None
        )
    while found is not None and found.merged_into_id:
        found = Guest.objects.select_for_update().get(pk=found.merged_into_id)
    return found


@transaction.atomic
def guest_upsert_from_profile(
    kb_id: str,
    *,
    name: str,
    picture_url: str = "",
    x_url: str = "",
    linkedin_url: str = "",
    github_url: str = "",
    website_url: str = "",
    bio: str = "",
) -> tuple[Guest, bool]:
    """Create or update the guest of knowledge-base profile `kb_id`: matched by `kb_id`, else
    by normalised name (a guest entered by hand before the import); a merged guest's
    survivor is updated instead. A profile value replaces the guest's; an empty one never
    clears what is there (a person may have filled it). Returns (guest, created)."""
    kb_id = kb_id.strip()[:100]
    if not kb_id:
        raise ServiceError("A people profile needs its id.", field="kb_id")
    values = _profile_values(
        {
            "name": name,
            "picture_url": picture_url,
            "x_url": x_url,
            "linkedin_url": linkedin_url,
            "github_url": github_url,
            "website_url": website_url,
            "bio": bio,
        }
    )
    guest = _profile_match(kb_id, values["name"])
    if guest is None:
        if not values["name"]:
            raise ServiceError("A people profile needs a name.", field="name")
        guest = Guest.objects.create(kb_id=kb_id, status=Guest.Status.PUBLISHED, **values)
        guest_record(guest, by=None, action="kb_created", changes={"kb_id": kb_id, **values})
        return guest, True
    present = {k: v for k, v in values.items() if v}
    if not guest.kb_id:
        present["kb_id"] = kb_id
    changes = _changes(guest, present)
    if changes:
        for field in changes:
            setattr(guest, field, present[field])
        guest.save()
        guest_record(guest, by=None, action="kb_updated", changes=changes)
    return guest, False
