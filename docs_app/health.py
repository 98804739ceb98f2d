"""Health check of the docs mirror: is it fresh, and did the last sync work?"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince

from dataops.health import FAIL, OK, WARN, CheckResult
from docs_app.mirror import short
from docs_app.models import MirrorState

NAME = "Docs mirror"
NEVER_SYNCED = (
    "The docs have never been synced: run `python manage.py docs_sync` or press "
    "Sync now on the quality page."
)


def check_docs_mirror() -> CheckResult:
    """ok: the last sync succeeded within 3 × DOCS_SYNC_MINUTES; warn: older; fail: the last
    sync failed (its error's first line is shown) or no sync ever ran."""
    state = MirrorState.objects.filter(pk=1).first()
    if state is None or not state.last_result:
        return CheckResult(NAME, FAIL, NEVER_SYNCED)
    if state.last_result == "failed":
        first_line = (state.last_error.strip().splitlines() or ["unknown error"])[0][:300]
        return CheckResult(
            NAME, FAIL, f"The last sync failed {_ago(state.last_attempt_at)}: {first_line}"
        )
    fresh_for = timedelta(minutes=3 * settings.DOCS_SYNC_MINUTES)
    text = (
        f"{state.document_count} documents at {short(state.head_sha)}, "
        f"synced {_ago(state.synced_at)}."
    )
    if state.synced_at is None or timezone.now() - state.synced_at > fresh_for:
        return CheckResult(
            NAME,
            WARN,
            f"Stale: {text} Syncs should run every "
            f"{settings.DOCS_SYNC_MINUTES} min; is beat running?",
        )
    return CheckResult(NAME, OK, text)


def _ago(moment) -> str:
    if moment is None:
        return "never"
    if timezone.now() - moment < timedelta(minutes=1):
        return "less than a minute ago"
    return f"{timesince(moment)} ago"
