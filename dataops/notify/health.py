"""The Health page's line for outbound notifications: the Telegram breaker and the outbox."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from dataops.health import FAIL, OK, WARN, CheckResult
from dataops.notify.breaker import state
from dataops.notify.models import OutboxMessage

NAME = "Notifications"


def check_outbound() -> CheckResult:
    now = timezone.now()
    status, row = state(now)
    if status == "open":
        pause = timezone.timedelta(seconds=settings.NOTIFY_BREAKER_PAUSE_SECONDS)
        minutes = max(1, round((row.opened_at + pause - now).total_seconds() / 60))
        return CheckResult(
            NAME,
            FAIL,
            f"Telegram sends are paused after {row.failures} failures in a row "
            f"(one probe in about {minutes} min); the last: {row.last_error[:150]}",
        )
    if status == "probing":
        return CheckResult(NAME, WARN, "Telegram was paused; the next send is a probe.")
    failed = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.FAILED,
        created_at__gte=now - timezone.timedelta(days=1),
    ).count()
    pending = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING,
        not_before__lt=now - timezone.timedelta(seconds=settings.NOTIFY_LATE_SECONDS),
    ).count()
    if failed or pending:
        return CheckResult(
            NAME,
            WARN,
            f"{failed} notification(s) gave up in the last day, {pending} overdue in the outbox.",
        )
    return CheckResult(NAME, OK, "Telegram and email deliveries are going out.")
