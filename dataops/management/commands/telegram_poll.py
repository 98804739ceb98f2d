import time

from django.core.management.base import BaseCommand, CommandError

from dataops.telegram import client, updates
from dataops.telegram.models import TelegramBotState, TelegramUpdate

MAX_PAUSE_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Receive updates by long polling instead of the webhook (for installations without a "
        "public address); each update goes through the same handler. Stop with Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one getUpdates call, then exit")
        parser.add_argument(
            "--timeout", type=int, default=25, help="seconds each call waits for an update"
        )

    def handle(self, *args, once: bool, timeout: int, **options):
        if not client.is_configured():
            raise CommandError("Set TELEGRAM_BOT_TOKEN first.")
        pause = 1.0
        while True:
            try:
                received = poll_once(timeout=timeout)
            except client.TelegramError as exc:
                if once or not exc.transient:
                    raise CommandError(f"getUpdates failed: {exc}") from exc
                wait = exc.retry_after or pause
                self.stderr.write(f"getUpdates failed ({exc}); trying again in {wait:g} s")
                time.sleep(wait)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                continue
            pause = 1.0
            if received:
                self.stdout.write(f"{received} update(s) received")
            if once:
                return


def poll_once(*, timeout: int) -> int:
    """Fetch the updates after the stored offset, accept each, move the offset past them."""
    state = TelegramBotState.load()
    batch = client.get_updates(state.poll_offset, timeout=timeout)
    accepted = 0
    for update in batch:
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            continue
        accepted += updates.accept(update, via=TelegramUpdate.Via.POLLING).created
        state.poll_offset = max(state.poll_offset, update_id + 1)
    if batch:
        state.save(update_fields=["poll_offset"])
    return accepted
