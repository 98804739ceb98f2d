from django.contrib import admin

from dataops.telegram.models import TelegramChat, TelegramUpdate


@admin.register(TelegramChat)
class TelegramChatAdmin(admin.ModelAdmin):
    list_display = ("label", "chat_id", "allow_intake", "allow_status", "created_at")
    search_fields = ("label", "chat_id")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TelegramUpdate)
class TelegramUpdateAdmin(admin.ModelAdmin):
    list_display = ("update_id", "received_at", "kind", "chat_id", "outcome", "reason")
    list_filter = ("outcome", "kind", "via")
    search_fields = ("chat_id", "sender", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
