"""Django admin: podcast records are read here; changes go through the podcast pages, whose
services write each record's history (a guest merge included)."""

from django.contrib import admin

from podcast.models import (
    Episode,
    Guest,
    GuestEvent,
    GuestFormLink,
    IntakeAttachment,
    IntakeEvent,
    IntakeItem,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Guest)
class GuestAdmin(ReadOnlyAdmin):
    list_display = ("name", "company", "status", "email", "kb_id", "merged_into", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "company", "email", "kb_id")
    list_select_related = ("merged_into",)


@admin.register(GuestEvent)
class GuestEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "guest", "actor", "action")
    list_filter = ("action",)
    list_select_related = ("guest", "actor")


@admin.register(Episode)
class EpisodeAdmin(ReadOnlyAdmin):
    list_display = ("working_title", "stream_at", "status", "season", "number", "workflow")
    list_filter = ("status",)
    search_fields = ("working_title", "topic")
    list_select_related = ("workflow",)


@admin.register(IntakeItem)
class IntakeItemAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "source", "status", "priority", "from_name", "guest")
    list_filter = ("status", "source", "priority")
    search_fields = ("text", "from_name", "from_contact")
    list_select_related = ("guest",)


@admin.register(IntakeAttachment)
class IntakeAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "item", "size", "content_type", "uploaded_at")


@admin.register(IntakeEvent)
class IntakeEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "item", "actor", "action", "undone_at")
    list_filter = ("action",)


@admin.register(GuestFormLink)
class GuestFormLinkAdmin(ReadOnlyAdmin):
    list_display = ("guest", "episode", "created_at", "expires_at", "locked_at", "submit_count")
    list_select_related = ("guest", "episode")
    exclude = ("nonce",)
