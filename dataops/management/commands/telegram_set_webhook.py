from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dataops.telegram import client
from dataops.telegram.models import TelegramBotState


class Command(BaseCommand):
    help = (
        "Register URL (https://your-host/telegram/webhook/) and TELEGRAM_WEBHOOK_SECRET as the "
        "bot's webhook with the Bot API."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="the public address of /telegram/webhook/")

    def handle(self, *args, url: str, **options):
        if not settings.TELEGRAM_BOT_TOKEN or not settings.TELEGRAM_WEBHOOK_SECRET:
            raise CommandError(
                "Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first: the webhook "
                "refuses every update without them."
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"{url!r} is not an http(s) address.")
        try:
            client.set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
        except client.TelegramError as exc:
            raise CommandError(f"The Bot API refused the webhook: {exc}") from exc
        state = TelegramBotState.load()
        state.webhook_url, state.webhook_set_at = url, timezone.now()
        state.save(update_fields=["webhook_url", "webhook_set_at"])
        self.stdout.write(f"Webhook registered: {url}")
