"""Each person's notification settings: channels per rule, digest hour, quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from dataops.models import User
from dataops.notify.models import Channel, NotifyPreference


def preference_for(user: User) -> NotifyPreference:
    """The saved settings, or the defaults (unsaved) for someone who never changed them."""
    cached = getattr(user, "_notify_preference", None)
    if cached is None:
        cached = NotifyPreference.objects.filter(user=user).first() or NotifyPreference(
            user=user, digest_hour=settings.NOTIFY_DEFAULT_DIGEST_HOUR
        )
        user._notify_preference = cached
    return cached


def zone_of(pref: NotifyPreference) -> ZoneInfo:
    try:
        return ZoneInfo(pref.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def channel_on(pref: NotifyPreference, rule: str, channel: str) -> bool:
    return f"{rule}:{channel}" not in set(pref.disabled or [])


def choose_channel(user: User, rule: str, *, telegram_chat: str | None) -> str | None:
    """Telegram when the person linked a chat and keeps it on for the rule, email otherwise
    (when on and they have an address); None when they switched both off."""
    pref = preference_for(user)
    if telegram_chat and channel_on(pref, rule, Channel.TELEGRAM):
        return Channel.TELEGRAM
    if user.email and channel_on(pref, rule, Channel.EMAIL):
        return Channel.EMAIL
    return None


def quiet_until(pref: NotifyPreference, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` is inside them (they may span midnight)."""
    start, end = pref.quiet_start, pref.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone_of(pref))
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    ends = _at(local, end)
    return ends if ends > local else _at(local + timedelta(days=1), end)


def next_digest_at(pref: NotifyPreference, now: datetime, *, sent_today: bool) -> datetime:
    """Today's digest hour in the person's zone, or now when it has passed and today's digest
    is still to come, or tomorrow's when today's went out already."""
    local = now.astimezone(zone_of(pref))
    today = _at(local, time(pref.digest_hour))
    if local < today:
        return today
    if not sent_today:
        return now
    return _at(local + timedelta(days=1), time(pref.digest_hour))


def local_day_start(pref: NotifyPreference, now: datetime) -> datetime:
    return _at(now.astimezone(zone_of(pref)), time(0))


def _at(local: datetime, clock: time) -> datetime:
    naive = datetime.combine(local.date(), clock)
    return timezone.make_aware(naive, local.tzinfo)
