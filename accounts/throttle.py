"""Login throttling: each lockout parameter set with its own limit, and when a lock ends.

django-axes counts failures per (username, IP) and per IP in the database, so every web
process sees the same numbers, but it compares them all with one AXES_FAILURE_LIMIT. Here
the IP-only set (password spraying across usernames) has its own, higher
LOGIN_IP_FAILURE_LIMIT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone

IP_ONLY = ("ip_address",)


@dataclass(frozen=True)
class Counter:
    """Failures of one lockout parameter set within the cool-off window."""

    parameters: tuple[str, ...]
    limit: int
    attempts: QuerySet

    def failures(self) -> int:
        return sum(self.attempts.values_list("failures_since_start", flat=True))

    def unlocks_at(self) -> datetime | None:
        """When enough attempts leave the window to bring the count under the limit."""
        rows = self.attempts.order_by("attempt_time").values_list(
            "attempt_time", "failures_since_start"
        )
        remaining = sum(failures for _, failures in rows)
        if remaining < self.limit:
            return None
        for attempt_time, failures in rows:
            remaining -= failures
            if remaining < self.limit:
                return attempt_time + get_cool_off()
        return None


def _parameter_sets() -> list[tuple[str, ...]]:
    return [(p,) if isinstance(p, str) else tuple(p) for p in settings.AXES_LOCKOUT_PARAMETERS]


class LoginThrottleHandler(AxesDatabaseHandler):
    def counters(self, request, credentials=None) -> list[Counter]:
        base = get_failure_limit(request, credentials)
        return [
            Counter(params, settings.LOGIN_IP_FAILURE_LIMIT if params == IP_ONLY else base, qs)
            for params, qs in zip(
                _parameter_sets(), self.get_user_attempts(request, credentials), strict=True
            )
        ]

    def get_failures(self, request, credentials=None) -> int:
        """Failures on the AXES_FAILURE_LIMIT scale: it is reached when any set reaches its own
        limit (axes compares this number with AXES_FAILURE_LIMIT)."""
        base = get_failure_limit(request, credentials)
        headroom = min(c.limit - c.failures() for c in self.counters(request, credentials))
        return max(base - headroom, 0)


def lockout_state(request, credentials=None) -> tuple[bool, int]:
    """(locked by IP alone, whole minutes until the login works again, at least 1)."""
    counters = [
        c for c in LoginThrottleHandler().counters(request, credentials) if c.failures() >= c.limit
    ]
    if not counters:
        return False, 1
    now = timezone.now()
    ends = [c.unlocks_at() or now for c in counters]
    seconds = max((end - now).total_seconds() for end in ends)
    return any(c.parameters == IP_ONLY for c in counters), max(1, math.ceil(seconds / 60))


def lockout_response(request, original_response=None, credentials=None):
    ip_locked, minutes = lockout_state(request, credentials)
    context = {
        "ip_locked": ip_locked,
        "retry_minutes": minutes,
        "failure_limit": get_failure_limit(request, credentials),
        "ip_failure_limit": settings.LOGIN_IP_FAILURE_LIMIT,
    }
    return render(
        request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
