"""Write services of intake: new items, attachments, triage actions and their undo.

Every action is keyword-only, runs in one transaction on the item's locked row, writes one
`IntakeEvent` (the fields it changed, before and after) and one audit event, and raises
`ServiceError` with a sentence from `podcast.intake.messages` when it refuses. Undo restores
`before` only while the item still holds `after`, so undoing never overwrites a later change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record, notify
from podcast.intake import messages
from podcast.intake.files import check_attachment
from podcast.models import Episode, Guest, IntakeAttachment, IntakeEvent, IntakeItem
from podcast.services.guests import PossibleDuplicate, guest_create
from tasks.models import Task
from tasks.services import task_create

TEXT_LIMIT = 20_000
MAX_LINKS = 20
MAX_TAGS = 10
TAG_LIMIT = 40
REASON_LIMIT = 300
# The fields a triage action may change; an event's before/after hold a subset of them.
TRACKED = (
    "status",
    "guest_id",
    "episode_id",
    "duplicate_of_id",
    "status_reason",
    "converted_task_id",
    "priority",
    "tags",
)
UNDOABLE = frozenset(
    {"attached", "converted_task", "converted_guest", "duplicate", "ignored", "triaged"}
)
S = IntakeItem.Status


@dataclass(frozen=True)
class Undone:
    item: IntakeItem
    message: str


# --- helpers -------------------------------------------------------------------------------


def _snapshot(item: IntakeItem, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(item, name) for name in fields}


def _lock(item: IntakeItem) -> IntakeItem:
    return IntakeItem.objects.select_for_update().get(pk=item.pk)


def _record(
    item: IntakeItem, *, by: User | None, action: str, before: dict, after: dict, note: str = ""
) -> IntakeEvent:
    event = IntakeEvent.objects.create(
        item=item, actor=by, action=action, before=before, after=after, note=note
    )
    audit_record(
        actor=by,
        action=f"intake.{action}",
        target=item,
        target_label=f"Intake #{item.pk}",
        changes={"before": before, "after": after},
        note=note,
    )
    return event


def _apply(item: IntakeItem, *, by: User | None, action: str, note: str = "", **changes) -> None:
    """Set `changes` on the locked item, save them, and record the action."""
    fields = list(changes)
    before = _snapshot(item, fields)
    for name, value in changes.items():
        setattr(item, name, value)
    item.save(update_fields=[*fields, "updated_at"])
    _record(item, by=by, action=action, before=before, after=_snapshot(item, fields), note=note)


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(messages.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_LIMIT:
        raise ServiceError(messages.TEXT_TOO_LONG.format(limit=TEXT_LIMIT), field="text")
    return text


def clean_links(links: list[str] | None) -> list[str]:
    cleaned = [link.strip() for link in links or [] if link and link.strip()]
    if len(cleaned) > MAX_LINKS:
        raise ServiceError(messages.TOO_MANY_LINKS.format(limit=MAX_LINKS), field="links")
    for link in cleaned:
        if not link.lower().startswith(("http://", "https://")) or len(link) > 2000:
            raise ServiceError(messages.LINK_NOT_HTTP.format(link=link[:80]), field="links")
    return list(dict.fromkeys(cleaned))


def _check_priority(priority: int) -> None:
    if priority not in IntakeItem.Priority.values:
        raise ServiceError(messages.PRIORITY_UNKNOWN, field="priority")


def clean_tags(tags: list[str] | None) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags or [] if t and t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise ServiceError(messages.TOO_MANY_TAGS.format(limit=MAX_TAGS), field="tags")
    if any(len(tag) > TAG_LIMIT for tag in cleaned):
        raise ServiceError(messages.TAG_TOO_LONG.format(limit=TAG_LIMIT), field="tags")
    return cleaned


# --- creation ------------------------------------------------------------------------------


def intake_create(
    *,
    source: str,
    text: str,
    by: User | None,
    external_id: str = "",
    links: list[str] | None = None,
    fields: dict | None = None,
    from_name: str = "",
    from_contact: str = "",
    guest: Guest | None = None,
    episode: Episode | None = None,
    priority: int = IntakeItem.Priority.NORMAL,
    tags: list[str] | None = None,
) -> tuple[IntakeItem, bool]:
    """Add an item to the inbox; returns (item, created).

    Idempotent on (source, external_id): the same Telegram message or guest-form link gives
    the one item it gave before, also when two deliveries race (the database constraint is
    the guard).
    """
    external_id = (external_id or "").strip()[:200]
    _check_priority(priority)
    if external_id:
        existing = IntakeItem.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False
    values = dict(
        source=source,
        text=clean_text(text),
        links=clean_links(links),
        fields=fields or {},
        from_name=(from_name or "").strip()[:200],
        from_contact=(from_contact or "").strip()[:200],
        guest=guest,
        episode=episode,
        priority=priority,
        tags=clean_tags(tags),
        external_id=external_id,
        created_by=by,
    )
    try:
        with transaction.atomic():
            item = IntakeItem.objects.create(**values)
            _record(item, by=by, action="created", before={}, after={"status": item.status})
            _notify_episode_owner(item, by=by)
    except IntegrityError:
        if not external_id:
            raise
        return IntakeItem.objects.get(source=source, external_id=external_id), False
    return item, True


def _notify_episode_owner(item: IntakeItem, *, by: User | None) -> None:
    """Tell the episode's owner (in-app; outbound by the notification rules). The guest form
    tells its own people ("sent the guest form"), so its items are left out here."""
    owner = item.episode.owner if item.episode_id else None
    if owner is None or item.source == IntakeItem.Source.FORM:
        return
    if by is not None and by.pk == owner.pk:
        return
    notify(
        recipients=[owner],
        kind="intake_captured",
        text=f"New intake item #{item.pk} for “{item.episode}”: {item.text[:120]}",
        link=reverse("podcast:intake-detail", args=[item.pk]),
        dedup_key=f"intake-captured:{item.pk}:{item.episode_id}",
    )


@transaction.atomic
def intake_update_content(
    *, item: IntakeItem, by: User | None, text: str, fields: dict, links: list[str], note: str
) -> IntakeItem:
    """Replace what an item says (a guest re-submitting the form); its triage state stays."""
    item = _lock(item)
    before = {"text": item.text, "links": item.links}
    item.text, item.fields, item.links = clean_text(text), fields, clean_links(links)
    item.save(update_fields=["text", "fields", "links", "updated_at"])
    _record(
        item,
        by=by,
        action="updated",
        before=before,
        after={"text": item.text, "links": item.links},
        note=note,
    )
    return item


def attachment_storage_name(original_name: str) -> str:
    """A random stored name keeps the extension only: nothing guessable, no collisions."""
    return f"{uuid.uuid4().hex}{PurePath(original_name).suffix.lower()[:10]}"


@transaction.atomic
def intake_add_attachment(*, item: IntakeItem, upload, by: User | None) -> IntakeAttachment:
    """Check the file (size, type, content), store it under a random name, add its row."""
    checked = check_attachment(upload)
    attachment = IntakeAttachment(
        item=item,
        name=checked.name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
    )
    attachment.file.save(attachment_storage_name(checked.name), checked.upload, save=False)
    attachment.save()
    _record(item, by=by, action="attachment", before={}, after={"file": checked.name})
    return attachment


# --- triage --------------------------------------------------------------------------------


def _refuse_if_converted(item: IntakeItem) -> None:
    if item.status == S.CONVERTED:
        raise ServiceError(messages.ALREADY_CONVERTED)


@transaction.atomic
def intake_attach(
    *, item: IntakeItem, by: User | None, guest: Guest | None = None, episode: Episode | None = None
) -> IntakeItem:
    """Link the item to a guest and/or an episode; it leaves the inbox as `attached`."""
    if guest is None and episode is None:
        raise ServiceError(messages.ATTACH_NEEDS_TARGET, field="guest")
    item = _lock(item)
    _refuse_if_converted(item)
    _apply(
        item,
        by=by,
        action="attached",
        status=S.ATTACHED,
        guest_id=guest.pk if guest else item.guest_id,
        episode_id=episode.pk if episode else item.episode_id,
    )
    return item


def prefilled_task(item: IntakeItem) -> dict[str, Any]:
    """What the convert form starts with: the first line as title, the rest as description."""
    first_line = item.text.strip().splitlines()[0] if item.text.strip() else "Intake item"
    who = f" (from {item.from_name})" if item.from_name else ""
    description = "\n".join([item.text, *item.links, f"From intake item #{item.pk}{who}."])
    return {"title": first_line[:200], "description": description}


@transaction.atomic
def intake_convert_to_task(
    *,
    item: IntakeItem,
    by: User | None,
    title: str,
    due_date: date,
    assignee: User | None = None,
    description: str = "",
) -> Task:
    """Create a standalone task through the work engine and link it to the item."""
    item = _lock(item)
    _refuse_if_converted(item)
    task = task_create(
        title=title,
        due_date=due_date,
        by=by,
        assignee=assignee,
        description=description,
        source=Task.Source.INTAKE,
        tags=["intake"],
    )
    _apply(
        item,
        by=by,
        action="converted_task",
        note=task.title,
        status=S.CONVERTED,
        converted_task_id=task.pk,
    )
    return task


@transaction.atomic
def intake_convert_to_guest(
    *, item: IntakeItem, by: User | None, name: str, email: str = "", confirmed: bool = False
) -> Guest:
    """Create a guest from the item (name, contact, the text as bio) through the guest
    service, and link the item to it. A guest who looks like an existing one is refused
    unless `confirmed` (the item can be attached to that guest instead)."""
    name = (name or "").strip()[:200]
    if not name:
        raise ServiceError(messages.GUEST_NAME_REQUIRED, field="name")
    item = _lock(item)
    _refuse_if_converted(item)
    data = {"name": name, "email": (email or "").strip(), "bio": item.text}
    try:
        guest = guest_create(data=data, by=by, confirmed=confirmed)
    except PossibleDuplicate as exc:
        known = ", ".join(g.name for g in exc.matches[:3])
        raise ServiceError(messages.GUEST_LOOKS_KNOWN.format(known=known), field="name") from exc
    _apply(
        item,
        by=by,
        action="converted_guest",
        note=guest.name,
        status=S.CONVERTED,
        guest_id=guest.pk,
    )
    return guest


def _refuse_cycle(item: IntakeItem, original: IntakeItem) -> None:
    """Follow the original's own duplicate chain as stored now; it must not lead back here."""
    seen, current = set(), IntakeItem.objects.filter(pk=original.pk).first()
    while current is not None and current.pk not in seen:
        if current.pk == item.pk:
            raise ServiceError(messages.DUPLICATE_CYCLE.format(other=original.pk), field="original")
        seen.add(current.pk)
        current = current.duplicate_of


@transaction.atomic
def intake_mark_duplicate(
    *, item: IntakeItem, by: User | None, original: IntakeItem | None
) -> IntakeItem:
    """Mark the item as repeating `original` (never itself, never in a circle)."""
    if original is None:
        raise ServiceError(messages.DUPLICATE_NEEDS_ITEM, field="original")
    if original.pk == item.pk:
        raise ServiceError(messages.DUPLICATE_OF_ITSELF, field="original")
    item = _lock(item)
    _refuse_if_converted(item)
    _refuse_cycle(item, original)
    _apply(
        item,
        by=by,
        action="duplicate",
        note=f"#{original.pk}",
        status=S.DUPLICATE,
        duplicate_of_id=original.pk,
    )
    return item


@transaction.atomic
def intake_ignore(*, item: IntakeItem, by: User | None, reason: str) -> IntakeItem:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(messages.REASON_REQUIRED, field="reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(messages.REASON_TOO_LONG.format(limit=REASON_LIMIT), field="reason")
    item = _lock(item)
    _refuse_if_converted(item)
    _apply(item, by=by, action="ignored", note=reason, status=S.IGNORED, status_reason=reason)
    return item


@transaction.atomic
def intake_set_priority(
    *, item: IntakeItem, by: User | None, priority: int, tags: list[str]
) -> IntakeItem:
    """Set priority and tags; a new item becomes `triaged` (looked at, not yet placed)."""
    tags = clean_tags(tags)
    _check_priority(priority)
    item = _lock(item)
    status = S.TRIAGED if item.status == S.NEW else item.status
    _apply(item, by=by, action="triaged", status=status, priority=priority, tags=tags)
    return item


# --- undo ----------------------------------------------------------------------------------


def _undo_note(event: IntakeEvent, item: IntakeItem) -> str:
    if event.action == "converted_task" and item.converted_task_id:
        task = Task.objects.filter(pk=item.converted_task_id).only("title").first()
        return messages.UNDO_TASK_KEPT.format(title=task.title if task else event.note)
    if event.action == "converted_guest" and item.guest_id:
        return messages.UNDO_GUEST_KEPT.format(name=event.note)
    return messages.UNDONE.format(label=messages.ACTION_LABELS.get(event.action, event.action))


@transaction.atomic
def intake_undo(*, event: IntakeEvent, by: User | None) -> Undone:
    """Put back what `event` changed. A converted task or guest is never deleted: the item
    is unlinked from it, and the message says so."""
    event = IntakeEvent.objects.select_for_update().get(pk=event.pk)
    if event.action not in UNDOABLE:
        raise ServiceError(messages.UNDO_NOT_POSSIBLE)
    if event.undone_at is not None:
        raise ServiceError(messages.UNDO_DONE_ALREADY)
    item = _lock(event.item)
    if _snapshot(item, list(event.after)) != event.after:
        raise ServiceError(messages.UNDO_CHANGED_SINCE)
    note = _undo_note(event, item)
    _apply(item, by=by, action="undo", note=note, **event.before)
    event.undone_at = timezone.now()
    event.save(update_fields=["undone_at"])
    return Undone(item, note)
