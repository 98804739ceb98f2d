"""Reads for the admin Telegram page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from dataops.models import User
from dataops.telegram import handlers
from dataops.telegram.models import TelegramBotState, TelegramChat, TelegramUpdate

RECENT_UPDATES = 50


@dataclass
class Overview:
    problems: list[str]
    state: TelegramBotState | None
    last_update: TelegramUpdate | None
    chats: list[TelegramChat]
    linked: list[User]
    updates: list[TelegramUpdate]

    @property
    def configured(self) -> bool:
        return not self.problems


def configuration_problems() -> list[str]:
    """What is missing for the bot to work, in words (empty when nothing is)."""
    problems = []
    if not settings.TELEGRAM_BOT_TOKEN:
        problems.append(
            "TELEGRAM_BOT_TOKEN is not set: the bot cannot call the Bot API, and the webhook "
            "refuses every update (503)."
        )
    if not settings.TELEGRAM_WEBHOOK_SECRET:
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET is not set: the webhook refuses every update (503)."
        )
    if not settings.TELEGRAM_BOT_USERNAME:
        problems.append(
            "TELEGRAM_BOT_USERNAME is not set: profiles cannot show the Link Telegram link."
        )
    if handlers.intake_handler() is None:
        problems.append("No intake handler is installed: intake chats cannot capture messages.")
    return problems


def bot_ready_for_linking() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_BOT_USERNAME)


def overview() -> Overview:
    return Overview(
        problems=configuration_problems(),
        state=TelegramBotState.objects.filter(pk=1).first(),
        last_update=TelegramUpdate.objects.order_by("-received_at", "-id").first(),
        chats=list(TelegramChat.objects.select_related("created_by")),
        linked=list(User.objects.exclude(telegram_chat_id="").order_by("username")),
        updates=list(
            TelegramUpdate.objects.select_related("job_run").order_by("-received_at", "-id")[
                :RECENT_UPDATES
            ]
        ),
    )
