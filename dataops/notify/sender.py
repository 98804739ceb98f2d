"""The outbox sender: claims due rows, sends each on its channel, records the outcome.

Claiming: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` then the rows are marked
*sending* in the same transaction; elsewhere (SQLite) each row is claimed with a
conditional UPDATE (pending → sending). Either way two beat ticks or two workers never hold
the same row. Transient failures go back to *pending* after the ledger's backoff
(`dataops.jobs.backoff_seconds`, or Telegram's retry_after when longer); after
`NOTIFY_MAX_ATTEMPTS` tries, or on a permanent failure, the row is *failed* with the
(redacted) reason. The cooldown counts only *sent* rows, so a failed send uses none of it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from dataops.jobs import backoff_seconds
from dataops.notify import breaker
from dataops.notify.channels import DeliveryError, send_email, send_telegram, telegram_chat_of
from dataops.notify.models import Channel, OutboxMessage
from dataops.notify.preferences import preference_for, quiet_until
from dataops.notify.rules import RULES
from dataops.redact import redact

log = logging.getLogger(__name__)

S = OutboxMessage.Status
STALE_SENDING_SECONDS = 300


def send_pending(*, limit: int | None = None, batch: int = 50) -> Counter:
    """Send due rows until none is left (or `limit` were handled); returns outcome counts."""
    limit = limit or settings.NOTIFY_SEND_LIMIT
    counts: Counter = Counter()
    requeue_stale()
    while sum(counts.values()) < limit:
        rows = claim(batch)
        if not rows:
            break
        for first, *others in _digest_groups(rows):
            counts[deliver(first, claimed=others)] += 1
    return counts


def _digest_groups(rows: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Each row alone, except digest rows: one group per person, rule and channel."""
    groups: dict[tuple, list[OutboxMessage]] = {}
    for row in rows:
        key = (row.rule, row.recipient_id, row.channel) if row.digest else ("row", row.pk)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def claim(n: int) -> list[OutboxMessage]:
    now = timezone.now()
    due = OutboxMessage.objects.filter(status=S.PENDING, not_before__lte=now).order_by(
        "not_before", "id"
    )
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:n])
            OutboxMessage.objects.filter(pk__in=ids).update(
                status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    else:
        ids = [pk for pk in due.values_list("pk", flat=True)[:n] if _claim_one(pk, now)]
    return list(OutboxMessage.objects.filter(pk__in=ids).select_related("recipient").order_by("id"))


def _claim_one(pk: int, now: datetime) -> bool:
    return bool(
        OutboxMessage.objects.filter(pk=pk, status=S.PENDING).update(
            status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def requeue_stale() -> int:
    """Rows left *sending* by a worker that died mid-send go back to pending."""
    cutoff = timezone.now() - timedelta(seconds=STALE_SENDING_SECONDS)
    return OutboxMessage.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).update(
        status=S.PENDING
    )


def deliver_now(row: OutboxMessage) -> OutboxMessage:
    """Send one pending row at once, quiet hours aside ("Send test notification")."""
    if _claim_one(row.pk, timezone.now()):
        deliver(OutboxMessage.objects.select_related("recipient").get(pk=row.pk), quiet=False)
    row.refresh_from_db()
    return row


def deliver(row: OutboxMessage, *, quiet: bool = True, claimed: list | None = None) -> str:
    """Send one claimed row (with the digest rows due with it: `claimed` in the same batch,
    the others claimed here); returns the outcome."""
    now = timezone.now()
    until = quiet_until(preference_for(row.recipient), now) if quiet else None
    items = [row, *(claimed or [])]
    if until is not None:
        return _postpone(items, until, "Quiet hours: it goes out when they end.")
    if _cooling_down(row, now):
        _finish(items, S.SKIPPED, error="Not sent: the same subject went out within its cooldown.")
        return "skipped"
    if row.digest:
        items += _digest_mates(row, now)
    chat = telegram_chat_of(row.recipient) if row.channel == Channel.TELEGRAM else None
    if row.channel == Channel.TELEGRAM and not chat and not _switch_to_email(items):
        _finish(items, S.SKIPPED, error="Telegram was unlinked and the email copy exists.")
        return "skipped"
    if chat:
        wait_until = breaker.gate(now)
        if wait_until is not None:
            return _postpone(items, wait_until, "Telegram is paused after repeated failures.")
    title, text, link = _compose(items)
    try:
        if chat:
            external = send_telegram(chat, title, text, link)
        else:
            external = send_email(row.recipient, title, text, link)
    except DeliveryError as exc:
        if chat and exc.transient:
            breaker.record_failure(str(exc))
        return _failed(items, exc)
    if chat:
        breaker.record_success()
    _finish(items, S.SENT, external_id=external)
    return "sent"


def _cooling_down(row: OutboxMessage, now: datetime) -> bool:
    rule = RULES.get(row.rule)
    if rule is None or not rule.cooldown:
        return False
    return (
        OutboxMessage.objects.filter(
            rule=row.rule,
            cooldown_key=row.cooldown_key,
            recipient_id=row.recipient_id,
            status=S.SENT,
            sent_at__gte=now - rule.cooldown,
        )
        .exclude(pk=row.pk)
        .exists()
    )


def _digest_mates(row: OutboxMessage, now: datetime) -> list[OutboxMessage]:
    """The other due digest rows of the same person, rule and channel, claimed now."""
    candidates = OutboxMessage.objects.filter(
        rule=row.rule,
        recipient_id=row.recipient_id,
        channel=row.channel,
        digest=True,
        status=S.PENDING,
        not_before__lte=now,
    ).values_list("pk", flat=True)
    claimed = [pk for pk in candidates if _claim_one(pk, now)]
    return list(OutboxMessage.objects.filter(pk__in=claimed).order_by("id"))


def _switch_to_email(items: list[OutboxMessage]) -> bool:
    """The person unlinked Telegram since the row was queued: send it by email instead."""
    try:
        with transaction.atomic():
            for item in items:
                item.channel = Channel.EMAIL
                item.save(update_fields=["channel"])
    except IntegrityError:
        return False
    return True


def _compose(items: list[OutboxMessage]) -> tuple[str, str, str]:
    first = items[0]
    if len(items) == 1:
        return first.title, first.text, first.link
    lines = [f"• {item.text}" + (f" {item.link}" if item.link else "") for item in items]
    title = f"{first.title}: {len(items)}"
    return title, "\n".join(lines), settings.NOTIFY_PORTAL_URL


def _postpone(items: list[OutboxMessage], until: datetime, why: str) -> str:
    """Back to pending until `until`; the try is not counted."""
    OutboxMessage.objects.filter(pk__in=[i.pk for i in items]).update(
        status=S.PENDING, not_before=until, attempts=F("attempts") - 1, error=why
    )
    return "postponed"


def _failed(items: list[OutboxMessage], exc: DeliveryError) -> str:
    error = redact(str(exc))[:1000]
    now = timezone.now()
    outcome = "failed"
    for item in items:
        if exc.transient and item.attempts < settings.NOTIFY_MAX_ATTEMPTS:
            wait = max(backoff_seconds(item.attempts - 1), exc.retry_after or 0)
            OutboxMessage.objects.filter(pk=item.pk).update(
                status=S.PENDING, not_before=now + timedelta(seconds=wait), error=error
            )
            outcome = "retrying"
        else:
            _finish([item], S.FAILED, error=error)
    log.warning("notification %s not sent (%s): %s", items[0].pk, outcome, error)
    return outcome


def _finish(items: list[OutboxMessage], status: str, *, error: str = "", external_id=""):
    OutboxMessage.objects.filter(pk__in=[i.pk for i in items]).update(
        status=status,
        error=redact(error)[:1000],
        external_id=str(external_id)[:64],
        sent_at=timezone.now() if status == S.SENT else None,
    )
