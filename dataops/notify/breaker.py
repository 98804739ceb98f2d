"""The Telegram circuit breaker, shared by every worker through one database row.

After `NOTIFY_BREAKER_THRESHOLD` consecutive failures the channel opens: Telegram sends
pause for `NOTIFY_BREAKER_PAUSE_SECONDS`, then one send is let through as a probe (claimed
with a conditional update, so one worker probes). Its success closes the breaker; its
failure opens it for another pause. Admins are told in-app once each time it opens.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from dataops.notify.models import Channel, ChannelBreaker

PROBE_WAIT_SECONDS = 30


def _row(channel: str = Channel.TELEGRAM) -> ChannelBreaker:
    row, _ = ChannelBreaker.objects.get_or_create(channel=channel)
    return row


def _pause() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_BREAKER_PAUSE_SECONDS)


def gate(now: datetime | None = None) -> datetime | None:
    """None when a send may go now (closed, or this caller holds the probe); otherwise
    when to try again."""
    now = now or timezone.now()
    row = _row()
    if row.opened_at is None:
        return None
    reopens = row.opened_at + _pause()
    if now < reopens:
        return reopens
    probe_free = Q(probe_at__isnull=True) | Q(probe_at__lt=now - _pause())
    taken = ChannelBreaker.objects.filter(probe_free, pk=row.pk, opened_at=row.opened_at).update(
        probe_at=now
    )
    return None if taken else now + timedelta(seconds=PROBE_WAIT_SECONDS)


def record_success() -> None:
    ChannelBreaker.objects.filter(channel=Channel.TELEGRAM).exclude(
        failures=0, opened_at__isnull=True
    ).update(failures=0, opened_at=None, probe_at=None, last_error="")


def record_failure(error: str, now: datetime | None = None) -> bool:
    """Count a failure; True when this one opened the breaker (the caller tells admins)."""
    now = now or timezone.now()
    row = _row()
    ChannelBreaker.objects.filter(pk=row.pk).update(
        failures=F("failures") + 1, last_error=error[:500]
    )
    # A failed probe re-opens for another pause (admins were told when it first opened).
    reopened = ChannelBreaker.objects.filter(
        pk=row.pk, opened_at__isnull=False, probe_at__isnull=False
    ).update(opened_at=now, probe_at=None)
    if reopened:
        return False
    opened = ChannelBreaker.objects.filter(
        pk=row.pk, opened_at__isnull=True, failures__gte=settings.NOTIFY_BREAKER_THRESHOLD
    ).update(opened_at=now, probe_at=None)
    if opened:
        _tell_admins(now, error)
    return bool(opened)


def _tell_admins(now: datetime, error: str) -> None:
    from dataops.services import notify_admins

    minutes = settings.NOTIFY_BREAKER_PAUSE_SECONDS // 60
    notify_admins(
        kind="notify_breaker_open",
        text=f"Telegram sends are paused for {minutes} minutes after "
        f"{settings.NOTIFY_BREAKER_THRESHOLD} failures in a row; the last: {error[:200]}",
        link="/health/",
        dedup_key=f"notify-breaker-open:{now.isoformat()}",
    )


def state(now: datetime | None = None) -> tuple[str, ChannelBreaker | None]:
    """ "closed", "open" (pausing) or "probing" (the pause is over, one probe goes next)."""
    now = now or timezone.now()
    row = ChannelBreaker.objects.filter(channel=Channel.TELEGRAM).first()
    if row is None or row.opened_at is None:
        return "closed", row
    return ("open" if now < row.opened_at + _pause() else "probing"), row
