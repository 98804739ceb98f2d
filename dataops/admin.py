from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from dataops.models import AuditEvent, JobRun, Notification, User


@admin.register(User)
class DataopsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Integrations", {"fields": ("telegram_chat_id",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "trigger", "created_at", "finished_at", "attempts")
    list_filter = ("status", "kind", "trigger")
    search_fields = ("kind", "error", "note", "target_label")
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "text", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("text", "dedup_key")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "target_label")
    list_filter = ("action",)
    search_fields = ("target_label", "note")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The bot's allowlist and update log live beside the bot; importing registers them.
from dataops.telegram import admin as telegram_admin  # noqa: E402, F401
