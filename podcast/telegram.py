"""Podcast intake from the Telegram bot: the handler the bot calls for an allowlisted chat's
message, and the latest items `/status` lists. Registered in `PodcastConfig.ready`, so the
bot (in `dataops`) never imports the podcast app."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataops.errors import ServiceError
from dataops.telegram.handlers import (
    IntakeMessage,
    IntakeReceipt,
    IntakeSummary,
    register_intake_handler,
    register_recent_intake,
)
from podcast.intake.services import intake_add_attachment, intake_create
from podcast.models import IntakeItem


def capture(message: IntakeMessage) -> IntakeReceipt:
    """One intake item per chat message (idempotent on `chat:message`), its attachments
    checked and stored like any other intake attachment."""
    item, created = intake_create(
        source=IntakeItem.Source.TELEGRAM,
        external_id=message.external_id,
        text=message.text,
        by=None,
        links=message.links,
        fields={
            "telegram": {
                "chat_id": message.chat_id,
                "chat": message.chat_label,
                "message_id": message.message_id,
                "sender": message.sender_name,
            }
        },
        from_name=message.sender_name,
        from_contact=message.sender_contact,
    )
    notes = list(message.refused)
    if created:
        for attachment in message.attachments:
            upload = SimpleUploadedFile(
                attachment.name, attachment.content, attachment.content_type or None
            )
            try:
                intake_add_attachment(item=item, upload=upload, by=None)
            except ServiceError as exc:
                notes.append(f"{attachment.name}: {exc.message}")
    return IntakeReceipt(item.pk, created, notes)


def latest(limit: int) -> list[IntakeSummary]:
    items = IntakeItem.objects.only("pk", "text", "status").order_by("-received_at", "-id")
    return [
        IntakeSummary(
            item.pk,
            str(item)[:80],
            item.get_status_display(),
            reverse("podcast:intake-detail", args=[item.pk]),
        )
        for item in items[:limit]
    ]


def register() -> None:
    register_intake_handler(capture)
    register_recent_intake(latest)
