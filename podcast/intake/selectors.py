"""Reads of the intake pages: the inbox (constant queries at any size) and one item's detail."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from dataops.selectors import paginate
from podcast.models import Episode, Guest, IntakeAttachment, IntakeEvent, IntakeItem

S = IntakeItem.Status
# The inbox's status filter: "to triage" (the default) is new and triaged together.
TO_TRIAGE = "open"
ANY = "any"
STATUS_CHOICES = [(TO_TRIAGE, "To triage"), *S.choices, (ANY, "Any status")]
# Pickers list at most this many recent items (duplicate of …).
PICKER_SIZE = 100


@dataclass(frozen=True)
class InboxFilters:
    status: str = TO_TRIAGE
    source: str = ""
    guest: int | None = None
    episode: int | None = None

    @property
    def narrowed(self) -> bool:
        return self != InboxFilters()


# What an inbox row shows: loading only these keeps a page of fifty rows cheap (a row names
# the item it repeats by id, so `duplicate_of` is not joined).
ROW_FIELDS = (
    "source",
    "text",
    "received_at",
    "from_name",
    "status",
    "priority",
    "tags",
    "status_reason",
    "duplicate_of_id",
    "guest__name",
    "episode__working_title",
    "converted_task__title",
)


def _attachments() -> Prefetch:
    return Prefetch("attachments", queryset=IntakeAttachment.objects.only("id", "item_id", "name"))


def _rows() -> QuerySet[IntakeItem]:
    return (
        IntakeItem.objects.select_related("guest", "episode", "converted_task")
        .only(*ROW_FIELDS)
        .prefetch_related(_attachments())
    )


def inbox_items(filters: InboxFilters) -> QuerySet[IntakeItem]:
    """The filtered items, new first, then the newest (no relations: see `inbox_page`)."""
    items = IntakeItem.objects.all()
    if filters.status == TO_TRIAGE:
        items = items.filter(status__in=[S.NEW, S.TRIAGED])
    elif filters.status != ANY:
        items = items.filter(status=filters.status)
    if filters.source:
        items = items.filter(source=filters.source)
    if filters.guest:
        items = items.filter(guest_id=filters.guest)
    if filters.episode:
        items = items.filter(episode_id=filters.episode)
    new_first = Case(
        When(status=S.NEW, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return items.order_by(new_first, "-received_at", "-id")


def inbox_page(filters: InboxFilters, page: str | int | None) -> Page:
    """One page of the inbox in three queries whatever its size: the count, the page's ids
    (sorting ids, not wide joined rows, keeps 10,000 items fast), then those rows with every
    relation a row shows."""
    ids = paginate(inbox_items(filters).values_list("pk", flat=True), page)
    rows = _rows().in_bulk(list(ids.object_list))
    ids.object_list = [rows[pk] for pk in ids.object_list if pk in rows]
    return ids


def inbox_row(pk: int) -> IntakeItem | None:
    return _rows().filter(pk=pk).first()


def guest_choices() -> list[tuple[int, str]]:
    return list(
        Guest.objects.filter(merged_into__isnull=True).order_by("name").values_list("pk", "name")
    )


def episode_choices() -> list[tuple[int, str]]:
    return list(Episode.objects.order_by("-stream_at", "-pk").values_list("pk", "working_title"))


def duplicate_choices(item: IntakeItem) -> list[IntakeItem]:
    """Recent items this one may repeat (not itself)."""
    return list(
        IntakeItem.objects.exclude(pk=item.pk)
        .only("pk", "text", "from_name", "received_at", "status")
        .order_by("-received_at", "-id")[:PICKER_SIZE]
    )


def item_detail(pk: int) -> IntakeItem | None:
    return (
        IntakeItem.objects.select_related("guest", "episode", "converted_task", "duplicate_of")
        .prefetch_related(
            _attachments(), Prefetch("events", queryset=IntakeEvent.objects.select_related("actor"))
        )
        .filter(pk=pk)
        .first()
    )
