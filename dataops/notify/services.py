"""Queueing outbound notifications, and the settings page's writes.

`queue_for_event` is called by `dataops.services.notify` for every in-app notification it
creates: when the kind has a rule, one outbox row per recipient goes on the channel that
person gets (Telegram when linked, email otherwise). The sender is woken after the commit;
the beat tick sends whatever that missed.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from dataops.notify.channels import telegram_chat_of
from dataops.notify.models import Channel, NotifyPreference, OutboxMessage
from dataops.notify.preferences import (
    choose_channel,
    local_day_start,
    next_digest_at,
    preference_for,
)
from dataops.notify.rules import RULES, Event, Rule
from dataops.redact import redact

log = logging.getLogger(__name__)

TEST_TEXT = "This is a test notification from DataOps. If you can read it, delivery works."
BAD_HOUR = "The digest hour must be a whole hour from 0 to 23."
BAD_ZONE = "Unknown time zone: pick one from the list."
QUIET_HALF = "Give both the start and the end of quiet hours, or neither."


def queue_for_event(event: Event) -> int:
    """Queue the outbound messages of an in-app event; returns how many rows were added."""
    rule = RULES.get(event.kind)
    if rule is None or not event.recipients:
        return 0
    outbound = rule.compose(event)
    rows = [row for user in outbound.recipients if (row := _row(rule, outbound, user, event))]
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    wake_sender()
    return len(rows)


def _row(rule: Rule, outbound, user: User, event: Event) -> OutboxMessage | None:
    if not user.is_active:
        return None
    channel = choose_channel(user, rule.key, telegram_chat=telegram_chat_of(user))
    if channel is None:
        return None
    now = timezone.now()
    not_before = now
    if rule.digest:
        pref = preference_for(user)
        sent_today = OutboxMessage.objects.filter(
            rule=rule.key,
            recipient=user,
            status=OutboxMessage.Status.SENT,
            sent_at__gte=local_day_start(pref, now),
        ).exists()
        not_before = next_digest_at(pref, now, sent_today=sent_today)
    return OutboxMessage(
        rule=rule.key,
        subject_key=outbound.subject_key[:200],
        cooldown_key=(outbound.cooldown_key or outbound.subject_key)[:200],
        recipient=user,
        channel=channel,
        title=outbound.title[:200],
        text=outbound.text,
        link=_absolute(event.link),
        digest=rule.digest,
        not_before=not_before,
    )


def _absolute(link: str) -> str:
    if not link or "://" in link:
        return link[:500]
    return (settings.NOTIFY_PORTAL_URL.rstrip("/") + link)[:500]


def wake_sender() -> None:
    """Ask a worker to send after the commit; a broker that is down leaves it to the tick."""
    if not settings.NOTIFY_SEND_ON_WRITE:
        return

    def send() -> None:
        from dataops.jobs import BROKER_DOWN_ERRORS
        from dataops.notify.tasks import send_outbox

        try:
            send_outbox.apply_async()
        except BROKER_DOWN_ERRORS as exc:
            log.warning("the outbox waits for the next tick: %s", redact(str(exc)))

    transaction.on_commit(send)


def send_test(*, user: User) -> OutboxMessage:
    """Queue a test message for `user` on their channel and send it now; returns the row
    with its outcome (sent, or failed with the reason)."""
    from dataops.notify.sender import deliver_now

    telegram_chat = telegram_chat_of(user)
    channel = Channel.TELEGRAM if telegram_chat else Channel.EMAIL if user.email else None
    if channel is None:
        raise ServiceError(
            "There is nowhere to send it: link Telegram or add an email address to your account."
        )
    row = OutboxMessage.objects.create(
        rule="notify_test",
        subject_key=f"test:{uuid.uuid4()}",
        recipient=user,
        channel=channel,
        title="Test notification",
        text=TEST_TEXT,
        link=_absolute("/notifications/settings/"),
    )
    return deliver_now(row)


@transaction.atomic
def preferences_save(
    *,
    user: User,
    disabled: list[str],
    digest_hour: int,
    quiet_start,
    quiet_end,
    time_zone: str,
) -> NotifyPreference:
    from zoneinfo import available_timezones

    if not 0 <= digest_hour <= 23:
        raise ServiceError(BAD_HOUR)
    if time_zone and time_zone not in available_timezones():
        raise ServiceError(BAD_ZONE)
    if (quiet_start is None) != (quiet_end is None):
        raise ServiceError(QUIET_HALF)
    known = {f"{key}:{channel}" for key in RULES for channel in Channel.values}
    pref, _ = NotifyPreference.objects.select_for_update().get_or_create(user=user)
    pref.disabled = sorted(set(disabled) & known)
    pref.digest_hour = digest_hour
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.time_zone = time_zone
    pref.save()
    user._notify_preference = pref
    return pref
