from django.contrib import admin

from accounts.models import Invite


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    """Read-only: invites are created, revoked and accepted through the Invites page."""

    list_display = [
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
